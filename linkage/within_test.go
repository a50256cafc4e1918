package linkage

import (
	"math"
	"strings"
	"testing"
)

// TestWithinThresholds: each dataset's within-dataset bar comes from its
// own duplicates over its own pairs, so a dataset that holds people twice
// more often has the lower bar, and a dataset without candidates within
// keeps the run's bar.
func TestWithinThresholds(t *testing.T) {
	m := &Model{Lambda: 1e-6}
	dup, namesake := pattern(1), pattern(2) // two within-dataset patterns
	weights := map[pattern]float64{dup: 40, namesake: -10}
	ds := []*Dataset{
		{Name: "many", RecordIDs: make([]string, 1000)},  // 499,500 pairs
		{Name: "few", RecordIDs: make([]string, 10000)},  // 49,995,000 pairs
		{Name: "none", RecordIDs: make([]string, 10000)}, // no candidates within
		{Name: "rare", RecordIDs: make([]string, 10000)}, // too few duplicates expected for a bar of its own
	}
	rep := func(p pattern, n int) []pattern {
		out := make([]pattern, n)
		for i := range out {
			out[i] = p
		}
		return out
	}
	sets := []pairSet{
		{da: 0, db: 0, pats: append(rep(dup, 50), rep(namesake, 500)...)},
		{da: 0, db: 1, pats: rep(dup, 900)}, // between datasets: not counted
		{da: 1, db: 1, pats: append(rep(dup, 50), rep(namesake, 5000)...)},
		{da: 3, db: 3, pats: append(rep(dup, minOwnDuplicates-1), rep(namesake, 50)...)},
	}
	got := withinThresholds(m, sets, ds, weights, 0)
	if len(got) != 2 || got[0].Dataset != "many" || got[1].Dataset != "few" {
		t.Fatalf("got %+v, want bars for many and few only", got)
	}
	// 50 duplicates expected in each (the namesakes' posterior is ~0).
	for i, pairs := range []float64{499500, 49995000} {
		lw := 50 / pairs
		if want := math.Log2((1 - lw) / lw); math.Abs(got[i].Value-want) > 0.01 {
			t.Errorf("%s: bar %.3f, want %.3f", got[i].Dataset, got[i].Value, want)
		}
		if !strings.Contains(got[i].Why, "50 duplicates expected") {
			t.Errorf("%s: why %q", got[i].Dataset, got[i].Why)
		}
	}
	if got[0].Value >= got[1].Value-6 {
		t.Errorf("the dataset with a hundred times the duplicate share has bar %.3f, the other %.3f: want about 6.6 bits lower", got[0].Value, got[1].Value)
	}
	pooled := 100.0
	th := ThresholdChoice{Value: 0, Within: &pooled, WithinByDataset: got}
	for _, c := range []struct {
		name string
		want float64
	}{{"many", got[0].Value}, {"few", got[1].Value}, {"none", 100}, {"rare", 100}} {
		if b := th.withinBar(c.name); b != c.want {
			t.Errorf("withinBar(%s) = %.3f, want %.3f", c.name, b, c.want)
		}
	}
	// The common-record bar never falls below the run's.
	if b := judgedAloneBar(&th, m, "many"); b != 100 {
		t.Errorf("judgedAloneBar(many) = %.3f, want the run's 100", b)
	}
}
