package linkage

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync/atomic"

	"github.com/pprl/pprl/bloom"
)

// Choosing between the blocked (LSH) and the exhaustive similarity search.
//
// The LSH plan promises that a pair exactly at the Dice floor meets in some
// band with probability lshRecallTarget. How many bands that takes depends
// on the filters: sparse, well-spread filters (the native default, mean
// popcount about a quarter of the bits) need a handful; dense ones (clkhash
// schemas with many bits per token fill about 70% of the filter) agree on
// fewer sampled bits at the floor and need hundreds. Bands cost memory (12
// bytes per record each) and query time, so their number is capped, and
// the search is chosen by a cost model in units of one record an LSH query
// meets (gathered, deduplicated and compared: 8–16 ns on this project's
// 2-core machine):
//
//	exhaustive: |A| · |B| · (share of B inside the popcount bound of a
//	            typical A record) comparisons, plus a cheap bound check on
//	            the rest, each comparison a vectorizedSpeedup-th of a unit
//	            where the eight-filter kernel runs (bloom.Vectorized): it
//	            streams blocks of filters from cache where a meet is a
//	            random read;
//	LSH:        |A| · (bands · (key + lookup cost) + records met), plus
//	            building the index over B; the records a query meets are
//	            counted on samples of both datasets (lshMeets).
//
// Whichever is cheaper runs; exhaustive keeps recall 1 at any density. When
// LSH runs with fewer bands than the recall target needs (the cap bites on
// a large, dense input where exhaustive would be too slow), its estimated
// recall at the floor is reported, and Match warns when it is below 0.99.

// lshBandBytes is the index memory per record per band (order, key and a
// share of the directory).
const lshBandBytes = 12

// lshIndexBudget (2 GiB) bounds the LSH index over one dataset, which sets the
// band cap for large inputs: at least lshMaxBands, at most lshHardMaxBands.
const (
	lshIndexBudget  = 2 << 30
	lshHardMaxBands = 1024
)

// RecallWarnBelow is the estimated recall at the Dice floor under which
// a match warns that its similarity search may miss pairs.
const RecallWarnBelow = 0.99

// bandCap returns the most bands the index over n records may use.
func bandCap(n int) int {
	return min(max(lshIndexBudget/(lshBandBytes*max(n, 1)), lshMaxBands), lshHardMaxBands)
}

// vectorizedSpeedup is how many exhaustive comparisons by the eight-filter
// kernel cost as much as one LSH meet. Measured on the four agencies of
// pprl synth --people 100000 (native starter spec, two cores): the
// exhaustive search compared 1.62e10 pairs in 9.4 s (0.58 ns a pair); LSH
// took 8.1 ns a unit of its estimate at the Dice floor 0.8, 9.2 at 0.7 and
// 16 at 0.6 (its meets scatter further as the buckets grow): 14 to 28
// times as much.
const vectorizedSpeedup = 20

// searchCosts estimates the work, in Dice comparisons, of an exhaustive
// and of an LSH search of A against B under plan, where a query meets
// meets records of B over all bands (lshMeets). The popcount bound's share
// is measured on up to 1,000 records of A spread evenly.
func searchCosts(A, B *Dataset, self bool, t float64, plan LSHPlan, meets float64) (exhaustive, lsh float64) {
	nA, nB := float64(A.Len()), float64(B.Len())
	// Popcount histogram of B, cumulative.
	maxPop := B.Width*8 + 1
	cum := make([]float64, maxPop+1)
	for i := range B.Len() {
		cum[B.Popcount(i)+1]++
	}
	for i := 1; i <= maxPop; i++ {
		cum[i] += cum[i-1]
	}
	rng := rand.New(rand.NewPCG(uint64(A.Len()), uint64(B.Len())))
	samples := min(A.Len(), 1000)
	share := 0.0
	for range samples {
		lo, hi := popBounds(A.Popcount(rng.IntN(A.Len())), t)
		lo, hi = min(max(lo, 0), maxPop), min(max(hi+1, 0), maxPop)
		share += (cum[hi] - cum[lo]) / max(nB, 1)
	}
	share /= float64(max(samples, 1))
	pairs := nA * nB
	if self {
		pairs /= 2
	}
	const boundCheck = 0.15 // a popcount comparison against a full Dice
	exhaustive = pairs * (share + boundCheck*(1-share))
	if bloom.Vectorized(A.Width / 8) {
		exhaustive /= vectorizedSpeedup
	}
	const perBand = 4 // key computation and bucket lookup
	lsh = nA*(float64(plan.Bands)*perBand+meets) + nB*float64(plan.Bands)*2
	if math.IsNaN(lsh) {
		lsh = math.Inf(1)
	}
	return exhaustive, lsh
}

// Samples of the meet estimate (lshMeets).
const (
	lshSampleB = 1 << 13
	lshSampleA = 1 << 10
)

// lshMeets estimates how many records of B one query of A meets, summed
// over plan's bands (a record met in two bands counts twice: that is the
// gather's work). It is measured, not computed from the bit densities:
// records are not random filters, and people who share a surname or a
// birthday share bits, so buckets hold more than independent bits predict
// (at a million people, several times more). The band keys of up to
// lshSampleB records of B are looked up for up to lshSampleA records of
// A, and the count is scaled by |B| over the sample.
// In a self search a record does not meet itself and each pair is met from
// one side only. The same inputs and plan give the same estimate.
func lshMeets(A, B *Dataset, self bool, plan LSHPlan) float64 {
	nA, nB := A.Len(), B.Len()
	if nA == 0 || nB == 0 || plan.Bands == 0 {
		return 0
	}
	sA, sB := min(nA, lshSampleA), min(nB, lshSampleB)
	// B's sample is spread evenly, A's drawn at random (seeded): two even
	// spreads over datasets of one size would align, and a query's true
	// partner, at its own index in a test, would always be in the sample.
	rng := rand.New(rand.NewPCG(uint64(nA), uint64(nB)))
	queries := make([]int, sA)
	for j := range queries {
		queries[j] = rng.IntN(nA)
	}
	// The samples' filters side by side, keyed a band at a time.
	clksA := make([]byte, 0, sA*A.Width)
	for _, a := range queries {
		clksA = append(clksA, A.CLK(a)...)
	}
	clksB := make([]byte, 0, sB*B.Width)
	for j := range sB {
		clksB = append(clksB, B.CLK(j*nB/sB)...)
	}
	var met atomic.Int64
	parallelFor(plan.Bands, 1, func(lo, hi int) {
		keys := make([]uint64, sB) // key<<32 | record
		var keysA, keysB []uint32
		for band := lo; band < hi; band++ {
			bd := bandKeyer(plan.Positions[band], B.Width)
			keysB = bd.keysOf(keysB[:0], clksB)
			for j, k := range keysB {
				keys[j] = uint64(k)<<32 | uint64(j*nB/sB)
			}
			slices.Sort(keys)
			keysA = bd.keysOf(keysA[:0], clksA)
			var n int64
			for q, a := range queries {
				k := uint64(keysA[q]) << 32
				first, _ := slices.BinarySearch(keys, k)
				end, _ := slices.BinarySearch(keys, k+1<<32)
				n += int64(end - first)
				if _, found := slices.BinarySearch(keys[first:end], k|uint64(a)); self && found {
					n-- // a itself
				}
			}
			met.Add(n)
		}
	})
	meets := float64(met.Load()) / float64(sA) * float64(nB) / float64(sB)
	if self {
		meets /= 2
	}
	return meets
}
