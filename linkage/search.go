package linkage

import (
	"cmp"
	"slices"
	"sort"

	"github.com/pprl/pprl/bloom"
)

// andPopcount is the Dice kernel's inner product: popcount(a AND b).
func andPopcount(a, b []byte) int { return bloom.AndPopcount(a, b) }

// SearchOptions controls the candidate search between two datasets.
type SearchOptions struct {
	// MinDice is the similarity floor: a pair that shares no deterministic
	// token is a candidate when its CLK Dice coefficient is at least MinDice.
	MinDice float64
	// Bands and BandBits fix the LSH plan; zero chooses them from the bit
	// densities of the inputs (see planLSH).
	Bands, BandBits int
	// Seed chooses the sampled bit positions.
	Seed uint64
	// MaxBucket skips LSH buckets holding more records than this (constant
	// regions of the filters); zero means 2000.
	MaxBucket int
	// MaxBlock skips exact-join token values held by more records than this
	// on one side; zero means 50.
	MaxBlock int
	// Exhaustive compares every pair (with the popcount bound) instead of
	// using LSH: the reference the blocked search is measured against.
	// Without it the search chooses by a cost model (strategy.go).
	Exhaustive bool
	// MaxBands caps the LSH bands; zero chooses from the index memory
	// budget (bandCap). With it set the cost model is not consulted: the
	// search uses LSH (tests of the recall warning use this).
	MaxBands int
	// Progress, when not nil, is called with the number of queries done
	// since the last call.
	Progress func(done int)
	// Shard restricts the search to one share of its queries (shard.go);
	// the zero Shard searches all.
	Shard Shard
	// meets, when meetsAt equals MinDice, is lshMeets of this search's
	// plan, already measured (by the floor's cost model, floor.go).
	meets, meetsAt float64
	// exact, when not nil, is this search's exact joins, already made
	// (exactJoinAll, for every dataset pair of a match at once).
	exact *exactResult
}

// maxBlock is MaxBlock with its default.
func (o SearchOptions) maxBlock() int {
	if o.MaxBlock <= 0 {
		return 50
	}
	return o.MaxBlock
}

// Defaults of the LSH planner. Bands are added until a pair exactly at the
// threshold meets in some band with probability 0.99 (pairs above it meet
// more often); the bits per band are chosen by cost (cheapestBits), and
// lshBucketTarget (random records met per band) only sets them when no
// plan reaches the recall target within the band cap.
const (
	lshBucketTarget = 16.0
	lshRecallTarget = 0.99
	lshMaxBands     = 64
)

// SearchStats reports the work a search did.
type SearchStats struct {
	Exact ExactStats
	Plan  LSHPlan
	// Method is "lsh", "exhaustive" (asked for) or "exhaustive-cost"
	// (chosen by the cost model as cheaper than LSH at the recall target).
	Method string
	// EstRecall is the estimated recall of the similarity search at the
	// Dice floor: 1 for an exhaustive search.
	EstRecall      float64
	Compared       int64 // distinct pairs whose Dice was computed
	BoundPruned    int64 // distinct pairs skipped by the popcount bound
	SkippedBuckets int64 // LSH bucket visits skipped for exceeding MaxBucket
	Candidates     int   // pairs returned
}

// Search finds the candidate pairs between A and B: every pair that agrees
// on some deterministic token (exact hash joins), and every pair whose Dice
// coefficient is at least opt.MinDice among the pairs that meet in an LSH
// band (or among all pairs, with opt.Exhaustive). With self set, A and B
// must be the same dataset and only pairs a < b are searched
// (deduplication). The result is sorted by (A, B), each pair once, with its
// rule mask and And popcount filled in. The work is spread over
// runtime.GOMAXPROCS goroutines; the result does not depend on their
// number.
//
// Search runs as stages: the exact joins, the choice of method (strategy.go),
// the similarity search (searchLSH in search_lsh.go or searchExhaustive in
// search_exhaustive.go), and a merge of the two sorted, disjoint lists.
func Search(A, B *Dataset, self bool, opt SearchOptions) ([]Pair, SearchStats) {
	if opt.MaxBucket <= 0 {
		opt.MaxBucket = 2000
	}
	opt.MaxBlock = opt.maxBlock()
	var st SearchStats
	var exact []Pair
	if opt.exact != nil {
		exact, st.Exact = opt.exact.pairs, opt.exact.stats
	} else {
		exact, st.Exact = exactJoin(A, B, self, opt.MaxBlock)
	}
	ex := newExactIndex(A.Len(), exact)

	st.Method, st.EstRecall = "exhaustive", 1
	if !opt.Exhaustive {
		maxBands := opt.MaxBands
		if maxBands <= 0 {
			maxBands = bandCap(B.Len())
		}
		st.Plan = planLSH(A, B, opt.MinDice, opt.Bands, opt.BandBits, opt.Seed, lshBucketTarget, lshRecallTarget, maxBands)
		st.Method, st.EstRecall = "lsh", st.Plan.ThresholdRecall
		if opt.MaxBands <= 0 && opt.Bands <= 0 {
			meets := opt.meets
			if opt.meetsAt != opt.MinDice || opt.meetsAt == 0 {
				meets = lshMeets(A, B, self, st.Plan)
			}
			if ex, lsh := searchCosts(A, B, self, opt.MinDice, st.Plan, meets); ex <= lsh {
				opt.Exhaustive = true
				st.Method, st.EstRecall = "exhaustive-cost", 1
			}
		}
	}

	var pairs, owned []Pair
	var work searchWork
	if opt.Exhaustive {
		pairs, owned, work = searchExhaustive(A, B, self, opt, ex)
	} else {
		var found [][]Pair
		found, work = searchLSH(A, B, self, opt, st.Plan, ex)
		owned = exactSpan(exact, opt.Shard, A.Len())
		pairs = mergeDisjoint(owned, found)
	}
	st.Exact.Pairs = int64(len(owned))
	st.Compared = work.compared + int64(len(owned))
	st.BoundPruned = work.pruned
	st.SkippedBuckets = work.skipped
	st.Candidates = len(pairs)
	return pairs, st
}

// exactSpan returns the exact pairs (sorted by (A, B)) whose query, A, is
// in the shard's span of A's nA records.
func exactSpan(exact []Pair, sh Shard, nA int) []Pair {
	lo, hi := sh.span(nA)
	i, _ := slices.BinarySearchFunc(exact, uint32(lo), func(p Pair, a uint32) int { return cmp.Compare(p.A, a) })
	j, _ := slices.BinarySearchFunc(exact, uint32(hi), func(p Pair, a uint32) int { return cmp.Compare(p.A, a) })
	return exact[i:j]
}

// searchWork counts what a similarity search did: Dice computations, pairs
// skipped by the popcount bound and oversized buckets skipped.
type searchWork struct {
	compared, pruned, skipped int64
}

func (w *searchWork) add(o searchWork) {
	w.compared += o.compared
	w.pruned += o.pruned
	w.skipped += o.skipped
}

// exactIndex answers "did the exact joins already find (a, b)?": pairs is
// the exact join's output sorted by (A, B), and pairs[start[a]:start[a+1]]
// are a's partners.
type exactIndex struct {
	start []uint32
	pairs []Pair
}

func newExactIndex(nA int, exact []Pair) exactIndex {
	start := make([]uint32, nA+1)
	for _, p := range exact {
		start[p.A+1]++
	}
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	return exactIndex{start: start, pairs: exact}
}

// partners returns a's exact pairs, sorted by B.
func (x exactIndex) partners(a int) []Pair { return x.pairs[x.start[a]:x.start[a+1]] }

// masks returns, for each query a in [lo, hi), a 64-bit summary of its
// exact partners (bit B mod 64 of each set), in dst[a-lo]: a candidate
// whose bit is clear is not an exact pair, with no search of a's partners.
// Most candidates of the blocked search are not exact pairs, and their
// binary searches were an eighth of its time.
func (x exactIndex) masks(lo, hi int, dst []uint64) []uint64 {
	dst = slices.Grow(dst[:0], hi-lo)[:hi-lo]
	for a := lo; a < hi; a++ {
		var m uint64
		for _, p := range x.partners(a) {
			m |= 1 << (p.B & 63)
		}
		dst[a-lo] = m
	}
	return dst
}

// has reports whether (a, b) is an exact pair. Most records have a handful
// of exact partners, so the search is short.
func (x exactIndex) has(a int, b uint32) bool {
	ps := x.partners(a)
	_, found := slices.BinarySearchFunc(ps, b, func(p Pair, b uint32) int { return cmp.Compare(p.B, b) })
	return found
}

// mergeDisjoint merges x with the concatenation of runs, both sorted by
// (A, B) and sharing no pair, into one new slice: the runs are read in
// place, never concatenated first. Each non-empty run is merged with the
// pairs of x below the next run's first pair into its own span of the
// output, the spans in parallel: copying a gigabyte of candidates from one
// goroutine took 0.7 s alone and 3-4 s while the collector, unable to stop
// a goroutine inside one long copy, signalled it again and again.
func mergeDisjoint(x []Pair, runs [][]Pair) []Pair {
	var ys, xs [][]Pair
	for _, y := range runs {
		if len(y) > 0 {
			ys = append(ys, y)
		}
	}
	if len(ys) == 0 {
		return slices.Clone(x)
	}
	off := make([]int, len(ys)+1)
	i := 0
	for r, y := range ys {
		end := len(x)
		if r+1 < len(ys) {
			next := ys[r+1][0].key()
			end = i + sort.Search(len(x)-i, func(j int) bool { return x[i+j].key() >= next })
		}
		xs = append(xs, x[i:end])
		i = end
		off[r+1] = off[r] + len(xs[r]) + len(y)
	}
	out := make([]Pair, off[len(ys)])
	parallelFor(len(ys), 1, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			mergeInto(out[off[r]:off[r+1]], xs[r], ys[r])
		}
	})
	return out
}

// mergeInto merges x and y, sorted by (A, B) and disjoint, into dst, which
// is exactly as long as both.
func mergeInto(dst, x, y []Pair) {
	i, j, k := 0, 0, 0
	for i < len(x) && j < len(y) {
		if x[i].key() < y[j].key() {
			dst[k] = x[i]
			i++
		} else {
			dst[k] = y[j]
			j++
		}
		k++
	}
	k += copy(dst[k:], x[i:])
	copy(dst[k:], y[j:])
}
