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

// BenchmarkSearch measures the similarity search against the reference
// implementation (search_reference_test.go) in the same run: exhaustive on
// dense 1024-bit filters (a clkhash-like density of 0.7, where the cost
// model picks exhaustive) and blocked on the FEBRL filters. comparisons/s
// counts Dice computations per second of the whole search (all cores).
func BenchmarkSearch(b *testing.B) {
	fa, fb, _ := febrl4(b)
	dense := randomDataset("dense", 20000, 128, 0.7, 3, nil)
	dense2 := randomDataset("dense2", 20000, 128, 0.7, 4, dense)
	for _, d := range []*Dataset{fa, fb, dense, dense2} {
		if err := d.Prepare(); err != nil {
			b.Fatal(err)
		}
	}
	type search func(A, B *Dataset, self bool, opt SearchOptions) ([]Pair, SearchStats)
	for _, c := range []struct {
		name string
		a, b *Dataset
		opt  SearchOptions
	}{
		{"exhaustive-dense", dense, dense2, SearchOptions{MinDice: 0.8, Exhaustive: true}},
		{"blocked-febrl", fa, fb, SearchOptions{MinDice: 0.8, Seed: 1}},
	} {
		for _, impl := range []struct {
			name string
			fn   search
		}{{"reference", referenceSearch}, {"pprl", Search}} {
			b.Run(c.name+"/"+impl.name, func(b *testing.B) {
				var st SearchStats
				for b.Loop() {
					_, st = impl.fn(c.a, c.b, false, c.opt)
				}
				b.ReportMetric(float64(st.Compared)*float64(b.N)/b.Elapsed().Seconds(), "comparisons/s")
			})
		}
	}
}
