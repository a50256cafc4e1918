package linkage

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// randomDataset returns n records of width bytes with each bit set with
// probability density, and every fourth record a noisy copy of an earlier
// one (of from, when not nil), so that there are pairs above any floor.
func randomDataset(name string, n, width int, density float64, seed uint64, from *Dataset) *Dataset {
	rng := rand.New(rand.NewPCG(seed, 1))
	d := &Dataset{Name: name, Width: width, CLKs: make([]byte, n*width)}
	for i := range n {
		clk := d.CLK(i)
		if i%4 == 3 {
			src := d
			if from != nil {
				src = from
			}
			copy(clk, src.CLK(rng.IntN(min(i, src.Len()))))
			for range width / 4 {
				b := rng.IntN(width * 8)
				clk[b>>3] ^= 0x80 >> (b & 7)
			}
		} else {
			for b := range width * 8 {
				if rng.Float64() < density {
					clk[b>>3] |= 0x80 >> (b & 7)
				}
			}
		}
		d.RecordIDs = append(d.RecordIDs, fmt.Sprint(i))
	}
	return d
}

// spreadDataset joins random datasets of several densities, so that the
// popcount bound spares most pairs and the exhaustive search walks the
// filters in popcount order.
func spreadDataset(name string, n int, seed uint64, from *Dataset) *Dataset {
	d := &Dataset{Name: name, Width: 128}
	for i, density := range []float64{0.04, 0.12, 0.3, 0.6} {
		part := randomDataset(name, n/4, 128, density, seed+uint64(i), from)
		d.CLKs = append(d.CLKs, part.CLKs...)
		for _, id := range part.RecordIDs {
			d.RecordIDs = append(d.RecordIDs, fmt.Sprintf("%d-%s", i, id))
		}
	}
	return d
}

// TestSearchMatchesReference proves the optimised search finds the same
// pairs, in the same order, with the same counts, as the reference search
// (search_reference_test.go), on sparse FEBRL filters with tokens, on dense
// random filters, across datasets and within one.
func TestSearchMatchesReference(t *testing.T) {
	fa, fb, _ := febrl4(t)
	dense := randomDataset("dense", 3000, 128, 0.7, 3, nil)
	dense2 := randomDataset("dense2", 2500, 128, 0.7, 4, dense)
	// Floor 0 makes every pair a candidate: small datasets keep it quick.
	small := randomDataset("small", 600, 128, 0.5, 5, nil)
	small2 := randomDataset("small2", 500, 128, 0.5, 6, small)
	spread := spreadDataset("spread", 2000, 7, nil)
	spread2 := spreadDataset("spread2", 1600, 11, spread)
	for _, d := range []*Dataset{fa, fb, dense, dense2, small, small2, spread, spread2} {
		if err := d.Prepare(); err != nil {
			t.Fatal(err)
		}
	}
	if s := boundSpares(spread, spread2, 0.7); s < minSpared {
		t.Fatalf("the popcount bound spares %.2f of the spread pairs, want at least %.2f", s, minSpared)
	}
	type tc struct {
		name string
		a, b *Dataset
		self bool
		opt  SearchOptions
		// selfCounts: the exhaustive deduplicating search applies the
		// popcount bound from the lighter record of a pair, the reference
		// from the first; pairs are identical, counts may differ.
		selfCounts bool
	}
	cases := []tc{
		{name: "febrl-cost-0.7", a: fa, b: fb, opt: SearchOptions{MinDice: 0.7, Seed: 1}}, // exhaustive, by cost
		{name: "febrl-lsh-0.7", a: fa, b: fb, opt: SearchOptions{MinDice: 0.7, Seed: 1, MaxBands: 64}},
		{name: "febrl-lsh-0.85", a: fa, b: fb, opt: SearchOptions{MinDice: 0.85, Seed: 2}},
		{name: "febrl-lsh-small-buckets", a: fa, b: fb, opt: SearchOptions{MinDice: 0.7, Seed: 1, MaxBucket: 3, MaxBands: 8}},
		{name: "febrl-self-lsh", a: fa, b: fa, self: true, opt: SearchOptions{MinDice: 0.7, Seed: 5, MaxBands: 8}},
		{name: "febrl-exhaustive", a: fa, b: fb, opt: SearchOptions{MinDice: 0.75, Exhaustive: true}},
		{name: "febrl-self-exhaustive", a: fa, b: fa, self: true, opt: SearchOptions{MinDice: 0.7, Exhaustive: true}, selfCounts: true},
		{name: "dense-exhaustive", a: dense, b: dense2, opt: SearchOptions{MinDice: 0.8, Exhaustive: true}},
		{name: "dense-self-exhaustive", a: dense, b: dense, self: true, opt: SearchOptions{MinDice: 0.8, Exhaustive: true}, selfCounts: true},
		{name: "dense-lsh", a: dense, b: dense2, opt: SearchOptions{MinDice: 0.8, Seed: 9, MaxBands: 40}},
		{name: "spread-exhaustive", a: spread, b: spread2, opt: SearchOptions{MinDice: 0.7, Exhaustive: true}},
		{name: "spread-self-exhaustive", a: spread, b: spread, self: true, opt: SearchOptions{MinDice: 0.7, Exhaustive: true}, selfCounts: true},
		{name: "floor-0", a: small2, b: small, opt: SearchOptions{MinDice: 0, Exhaustive: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want, wst := referenceSearch(c.a, c.b, c.self, c.opt)
			got, gst := Search(c.a, c.b, c.self, c.opt)
			if !slices.Equal(got, want) {
				t.Fatalf("pairs differ: %d found, reference %d", len(got), len(want))
			}
			if gst.Candidates != wst.Candidates || gst.SkippedBuckets != wst.SkippedBuckets || gst.Method != wst.Method {
				t.Errorf("stats differ: got %+v reference %+v", gst, wst)
			}
			if strings.HasPrefix(gst.Method, "exhaustive") && boundSpares(c.a, c.b, c.opt.MinDice) < minSpared {
				// Walked in record order: the pairs the bound spares are
				// compared too.
				wst.Compared, wst.BoundPruned = wst.Compared+wst.BoundPruned, 0
			}
			if !c.selfCounts && (gst.Compared != wst.Compared || gst.BoundPruned != wst.BoundPruned) {
				t.Errorf("counts differ: compared %d pruned %d, reference %d %d", gst.Compared, gst.BoundPruned, wst.Compared, wst.BoundPruned)
			}
			t.Logf("%d pairs, compared %d (reference %d), method %s", len(got), gst.Compared, wst.Compared, gst.Method)
		})
	}
}

// TestSearchSplitsOversizedChunks runs the blocked search with a gather
// limit so small that every chunk is split down to single queries.
func TestSearchSplitsOversizedChunks(t *testing.T) {
	fa, fb, _ := febrl4(t)
	for _, d := range []*Dataset{fa, fb} {
		if err := d.Prepare(); err != nil {
			t.Fatal(err)
		}
	}
	opt := SearchOptions{MinDice: 0.85, Seed: 1}
	want, _ := Search(fa, fb, false, opt)
	old := lshMaxGather
	lshMaxGather = 10
	defer func() { lshMaxGather = old }()
	got, _ := Search(fa, fb, false, opt)
	if !slices.Equal(got, want) {
		t.Fatalf("split search found %d pairs, unsplit %d", len(got), len(want))
	}
}

func TestRadixSortU64(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, c := range []struct {
		n    int
		mask uint64
	}{{0, 0}, {1, ^uint64(0)}, {2, 1}, {1000, 0xffff}, {5000, 0x3fffffff}, {5000, ^uint64(0)}, {3000, 0xff00ff0000},
		{5000, 0xfffff3fff}, {5000, 0xffffff << 20}, {4000, 0x7ff}, {4000, 0xfff}} { // 12-bit digits for the last four but one
		keys := make([]uint64, c.n)
		for i := range keys {
			keys[i] = rng.Uint64() & c.mask
		}
		want := slices.Clone(keys)
		slices.Sort(want)
		radixSortU64(keys, nil)
		if !slices.Equal(keys, want) {
			t.Errorf("n=%d mask=%#x: not sorted", c.n, c.mask)
		}
	}
}

// TestRadixSortU64From: keys already sorted on their low bits are sorted
// on the bits from there up, the low bits' order kept (the LSH gather's
// query keys), with either digit width.
func TestRadixSortU64From(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	for _, high := range []uint64{0xfff, 0x3fffff, 0xffffffff} {
		keys := make([]uint64, 5000)
		for i := range keys {
			keys[i] = (rng.Uint64()&high)<<16 | uint64(i) // offsets in order
		}
		want := slices.Clone(keys)
		slices.Sort(want)
		radixSortU64From(keys, nil, 16)
		if !slices.Equal(keys, want) {
			t.Errorf("high bits %#x: not sorted", high)
		}
	}
}

// TestSortedRunsAndMerge: sortedRuns sorts pairs spread over runs (empty
// runs, one pair, constant digits, below and above the radix cut-off) as a
// comparison sort of their concatenation does, and mergeDisjoint merges a
// sorted list with sorted consecutive runs.
func TestSortedRunsAndMerge(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	key := func(x, y Pair) int { return cmp.Compare(x.key(), y.key()) }
	for _, c := range []struct {
		name       string
		sizes      []int
		maxA, maxB uint32
	}{
		{"none", nil, 1, 1},
		{"empty runs", []int{0, 0, 0}, 1, 1},
		{"one pair", []int{0, 1, 0}, 5, 5},
		{"small", []int{3, 0, 40, 7}, 50, 50},
		{"one query", []int{300, 500}, 1, 70000},
		{"wide", []int{1000, 0, 4000, 2500}, 1 << 20, 1 << 18},
	} {
		t.Run(c.name, func(t *testing.T) {
			seen := map[uint64]bool{}
			var runs [][]Pair
			var all []Pair
			for _, n := range c.sizes {
				var r []Pair
				for len(r) < n {
					p := Pair{A: rng.Uint32N(c.maxA), B: rng.Uint32N(c.maxB), And: uint16(rng.Uint32())}
					if seen[p.key()] {
						continue
					}
					seen[p.key()] = true
					r = append(r, p)
				}
				runs = append(runs, r)
				all = append(all, r...)
			}
			want := slices.Clone(all)
			slices.SortFunc(want, key)
			if got := sortedRuns(runs); !slices.Equal(got, want) {
				t.Fatalf("sortedRuns: %d pairs, not the sorted %d", len(got), len(want))
			}
			// Split the sorted pairs: every third to x, the rest into
			// consecutive runs.
			var x []Pair
			var ys [][]Pair
			var cur []Pair
			for i, p := range want {
				if i%3 == 0 {
					x = append(x, p)
					continue
				}
				cur = append(cur, p)
				if i%50 == 49 {
					ys, cur = append(ys, cur), nil
				}
			}
			ys = append(ys, cur, nil)
			if len(ys) > 2 {
				ys = slices.Insert(ys, 1, nil) // an empty run between two
			}
			if got := mergeDisjoint(x, ys); !slices.Equal(got, want) {
				t.Fatalf("mergeDisjoint: %d pairs, not the sorted %d", len(got), len(want))
			}
			if got := mergeDisjoint(want, nil); !slices.Equal(got, want) {
				t.Fatalf("mergeDisjoint with no runs: %d pairs, not the %d", len(got), len(want))
			}
			if got := mergeDisjoint(nil, [][]Pair{want}); !slices.Equal(got, want) {
				t.Fatalf("mergeDisjoint with one run: %d pairs, not the %d", len(got), len(want))
			}
		})
	}
}
