package linkage

import (
	"slices"
	"testing"
)

// TestShardedSearchAddsUp proves that the shards of a search are a
// partition of it: for several shard counts, the shards' pairs are disjoint
// and their union, sorted, is the whole search's pairs, and every count
// the summary keeps adds up to the whole search's.
func TestShardedSearchAddsUp(t *testing.T) {
	fa, fb, _ := febrl4(t)
	dense := randomDataset("dense", 2000, 128, 0.7, 3, nil)
	dense2 := randomDataset("dense2", 1500, 128, 0.7, 4, dense)
	for _, d := range []*Dataset{fa, fb, dense, dense2} {
		if err := d.Prepare(); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name string
		a, b *Dataset
		self bool
		opt  SearchOptions
	}{
		{"febrl-lsh", fa, fb, false, SearchOptions{MinDice: 0.8, Seed: 1}},
		{"febrl-self-lsh", fa, fa, true, SearchOptions{MinDice: 0.7, Seed: 5, MaxBands: 8, MaxBucket: 5}},
		{"febrl-exhaustive", fa, fb, false, SearchOptions{MinDice: 0.75, Exhaustive: true}},
		{"febrl-self-exhaustive", fa, fa, true, SearchOptions{MinDice: 0.7, Exhaustive: true}},
		{"dense-self-exhaustive", dense, dense, true, SearchOptions{MinDice: 0.8, Exhaustive: true}},
		{"dense-lsh", dense, dense2, false, SearchOptions{MinDice: 0.8, Seed: 9, MaxBands: 40}},
	}
	counts := []int{1, 2, 3, 7}
	if raceEnabled { // the merge test covers 1 and 2 under the detector too
		counts = []int{3, 7}
	}
	for _, c := range cases {
		whole, wst := Search(c.a, c.b, c.self, c.opt)
		for _, n := range counts {
			var union []Pair
			var sum SearchStats
			for i := range n {
				opt := c.opt
				opt.Shard = Shard{Index: i, Count: n}
				got, st := Search(c.a, c.b, c.self, opt)
				if st.Method != wst.Method || st.Plan.Bands != wst.Plan.Bands || st.Exact.SkippedBlocks != wst.Exact.SkippedBlocks {
					t.Fatalf("%s shard %d/%d: planned %s/%d bands, the whole search %s/%d", c.name, i, n, st.Method, st.Plan.Bands, wst.Method, wst.Plan.Bands)
				}
				union = append(union, got...)
				sum.Candidates += st.Candidates
				sum.Compared += st.Compared
				sum.BoundPruned += st.BoundPruned
				sum.SkippedBuckets += st.SkippedBuckets
				sum.Exact.Pairs += st.Exact.Pairs
			}
			radixSortPairs(union)
			if !slices.Equal(union, whole) {
				t.Fatalf("%s in %d shards: %d pairs, the whole search %d", c.name, n, len(union), len(whole))
			}
			if sum.Candidates != wst.Candidates || sum.Compared != wst.Compared || sum.BoundPruned != wst.BoundPruned ||
				sum.SkippedBuckets != wst.SkippedBuckets || sum.Exact.Pairs != wst.Exact.Pairs {
				t.Errorf("%s in %d shards: counts %+v, the whole search %+v", c.name, n, sum, wst)
			}
		}
		t.Logf("%s: %d pairs, %s", c.name, len(whole), wst.Method)
	}
}

func TestParseShard(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Shard
		ok   bool
	}{
		{"0/1", Shard{0, 1}, true}, {"3/4", Shard{3, 4}, true}, {"4/4", Shard{}, false}, {"-1/4", Shard{}, false},
		{"1/0", Shard{}, false}, {"1", Shard{}, false}, {"a/b", Shard{}, false}, {"0/4097", Shard{}, false}, {" 1/2", Shard{}, false},
	} {
		got, err := ParseShard(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseShard(%q) = %v, %v", c.in, got, err)
		}
	}
	// Spans cover every query once, in order.
	for _, n := range []int{0, 1, 5, 100} {
		next := 0
		for i := range 7 {
			lo, hi := Shard{i, 7}.span(n)
			if lo != next || hi < lo {
				t.Fatalf("span %d/7 of %d = [%d, %d), want from %d", i, n, lo, hi, next)
			}
			next = hi
		}
		if next != n {
			t.Fatalf("spans of %d end at %d", n, next)
		}
	}
}

// FuzzParseShard: any string either parses to a shard within bounds or is
// refused; never a panic.
func FuzzParseShard(f *testing.F) {
	for _, s := range []string{"0/1", "3/4", "4/4", "-1/2", "1/0", "", "/", "9999999999999999999/1", "1/4096", "0/4097"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sh, err := ParseShard(s)
		if err == nil && (sh.Count < 1 || sh.Count > MaxShards || sh.Index < 0 || sh.Index >= sh.Count) {
			t.Fatalf("ParseShard(%q) = %v without error", s, sh)
		}
	})
}
