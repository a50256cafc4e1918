package tokenize

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestCheckPostcodes(t *testing.T) {
	// rows returns n postcodes "pc" numbered from first.
	rows := func(pc string, n int, first int64) ([]uint64, []int64) {
		pcs, nums := make([]uint64, n), make([]int64, n)
		for i := range pcs {
			pcs[i], nums[i] = postcodeKey(pc), first+int64(i)
		}
		return pcs, nums
	}
	tests := []struct {
		name    string
		counts  map[string]int // postcode -> rows
		encoded int64
		refuse  string
		warn    string
	}{
		{"one address on every row", map[string]int{"EH11YZ": 300}, 300, "300 of 300 encoded rows (100%) hold one postcode (the first at row 1)", ""},
		{"on half of them", map[string]int{"EH11YZ": 150, "G11AA": 5}, 300, "150 of 300 encoded rows (50%)", ""},
		{"an office on one row in eight", map[string]int{"EH11YZ": 125}, 1000, "", "one postcode holds 125 of 1000 encoded rows (12.5%; the first at row 1)"},
		{"two of them", map[string]int{"EH11YZ": 125, "G11AA": 110}, 1000, "", "2 postcodes each hold at least 1% of the 1000 encoded rows (the largest 125 rows"},
		{"too few rows to judge", map[string]int{"EH11YZ": 99}, 99, "", ""},
		{"a hundred rows, under 1%", map[string]int{"EH11YZ": 100}, 20000, "", ""},
		{"spread out", map[string]int{"EH11YZ": 3, "G11AA": 2}, 5, "", ""},
	}
	for _, tt := range tests {
		// Two workers' tallies, merged, as the pipeline does.
		var a, b, all postcodeTally
		first := int64(1)
		for _, pc := range []string{"EH11YZ", "G11AA"} {
			n := tt.counts[pc]
			pcs, nums := rows(pc, n/2, first)
			a.add(pcs, nums)
			pcs, nums = rows(pc, n-n/2, first+int64(n/2))
			b.add(pcs, nums)
			first += int64(n)
		}
		all.merge(&b)
		all.merge(&a)
		var logged bytes.Buffer
		_, err := checkPostcodes(&all, tt.encoded, "postcode", slog.New(slog.NewTextHandler(&logged, nil)))
		switch {
		case tt.refuse != "" && (err == nil || !strings.Contains(err.Error(), tt.refuse)):
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.refuse)
		case tt.refuse == "" && err != nil:
			t.Errorf("%s: refused: %v", tt.name, err)
		}
		if tt.warn != "" && !strings.Contains(logged.String(), tt.warn) {
			t.Errorf("%s: log %q, want %q", tt.name, logged.String(), tt.warn)
		}
		if tt.warn == "" && logged.Len() > 0 {
			t.Errorf("%s: unexpected warning %q", tt.name, logged.String())
		}
		if strings.Contains(logged.String(), "EH11YZ") || err != nil && strings.Contains(err.Error(), "EH11YZ") {
			t.Errorf("%s: a postcode reached the message", tt.name)
		}
	}
}

func TestPostcodeKey(t *testing.T) {
	seen := map[uint64]string{}
	for _, pc := range []string{"", "G75", "EH1 1YZ", "EH11 1YZ", "EH111YZ", "EH11 1YY", "BFPO 1234", "BFPO 1235"} {
		k := postcodeKey(pc)
		if other, dup := seen[k]; dup {
			t.Errorf("postcodes %q and %q share a key", pc, other)
		}
		seen[k] = pc
	}
}
