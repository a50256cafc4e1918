package linkage

import (
	"strings"
	"testing"
)

// TestPrepareWidth: CLK widths are positive multiples of 8 bytes up to
// 8,184 (65,472 bits), the longest whose popcounts and And counts fit 16
// bits; the widths around the limits are accepted or refused.
func TestPrepareWidth(t *testing.T) {
	for _, c := range []struct {
		width int
		ok    bool
	}{{8, true}, {128, true}, {8184, true}, {8192, false}, {0, false}, {12, false}, {-8, false}} {
		d := &Dataset{Name: "d", Width: c.width, RecordIDs: []string{"r1"}}
		if c.width > 0 {
			d.CLKs = make([]byte, c.width)
			for i := range d.CLKs {
				d.CLKs[i] = 0xff // all ones: the largest popcount
			}
		}
		err := d.Prepare()
		if (err == nil) != c.ok {
			t.Errorf("width %d: error %v, want accepted %v", c.width, err, c.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "up to 8184") {
			t.Errorf("width %d: error %q does not give the limit", c.width, err)
		}
		if err == nil && d.Popcount(0) != 8*c.width {
			t.Errorf("width %d: popcount %d, want %d", c.width, d.Popcount(0), 8*c.width)
		}
	}
}
