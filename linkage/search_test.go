package linkage

import (
	"testing"
)

func TestBlockedSearchAgreesWithExhaustive(t *testing.T) {
	a, b, _ := febrl4(t)
	for _, d := range []*Dataset{a, b} {
		if err := d.Prepare(); err != nil {
			t.Fatal(err)
		}
	}
	for _, th := range []float64{0.7, 0.85} {
		ex, _ := Search(a, b, false, SearchOptions{MinDice: th, Exhaustive: true})
		bl, st := Search(a, b, false, SearchOptions{MinDice: th, Seed: 1})
		exSet := map[uint64]Pair{}
		for _, p := range ex {
			exSet[p.key()] = p
		}
		found := 0
		for _, p := range bl {
			q, ok := exSet[p.key()]
			if !ok {
				t.Fatalf("t=%v: blocked pair %v not in exhaustive result", th, p)
			}
			if q != p {
				t.Fatalf("t=%v: pair differs: blocked %+v exhaustive %+v", th, p, q)
			}
			found++
		}
		recall := float64(found) / float64(len(ex))
		t.Logf("t=%.2f exhaustive %d blocked %d recall %.4f compared %d (%.4f%% of all) plan %d×%d est %.4f",
			th, len(ex), len(bl), recall, st.Compared, 100*float64(st.Compared)/float64(a.Len()*b.Len()), st.Plan.Bands, st.Plan.Bits, st.Plan.ThresholdRecall)
		if recall < 0.99 {
			t.Errorf("t=%v: recall %.4f of exhaustive < 0.99", th, recall)
		}
	}
}
