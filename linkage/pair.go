package linkage

import (
	"math/bits"
	"slices"
)

// Pair is one candidate pair between record A of one dataset and record B
// of another (or of the same dataset, with A < B, when deduplicating). It is
// 12 bytes so that millions of candidates stay cheap; the Dice coefficient
// is recomputed exactly from And and the two popcounts.
type Pair struct {
	A, B  uint32 // record indices within their datasets
	And   uint16 // popcount(clk(A) AND clk(B))
	Rules uint16 // bit r set: deterministic rule r agreed
}

func (p Pair) key() uint64 { return uint64(p.A)<<32 | uint64(p.B) }

// dice returns the Dice coefficient of a pair with the given popcounts.
// It is the single formula used by every search, so that blocked and
// exhaustive searches agree exactly at the threshold.
func dice(and, pa, pb int) float64 {
	if pa+pb == 0 {
		return 0
	}
	return 2 * float64(and) / float64(pa+pb)
}

// popBounds returns the range [lo, hi] of popcounts pb that can reach Dice
// ≥ t against a filter with popcount pa: 2·min(pa,pb)/(pa+pb) ≥ t gives
// pa·t/(2−t) ≤ pb ≤ pa·(2−t)/t. The bounds are widened by one so that
// rounding never prunes a qualifying pair; the exact test follows anyway.
func popBounds(pa int, t float64) (lo, hi int) {
	if t <= 0 {
		return 0, 1 << 30
	}
	lo = int(float64(pa)*t/(2-t)) - 1
	hi = int(float64(pa)*(2-t)/t) + 1
	return max(lo, 0), hi
}

// sortMergePairs sorts pairs by (A, B) and merges duplicates, OR-ing their
// rule masks. And is identical for duplicates (same two filters).
func sortMergePairs(ps []Pair) []Pair {
	radixSortPairs(ps)
	out := ps[:0]
	for i, p := range ps {
		if i > 0 && len(out) > 0 && out[len(out)-1].key() == p.key() {
			out[len(out)-1].Rules |= p.Rules
			continue
		}
		out = append(out, p)
	}
	return slices.Clip(out)
}

// sortedRuns returns the pairs of runs (several searches' outputs, in any
// order) in one new slice sorted by (A, B). It is an LSD radix sort on the
// compact key A·2^bB + B (bB the bits of the largest B), in digits of
// sortDigitBits bits: 2,048 write streams per pass stay in the caches and
// the TLB, where 16-bit digits over a gigabyte of pairs thrashed both, and
// the compact key needs no more passes (three for 20,000 × 20,000). The
// first moving pass reads the runs in place, so that a search's results are
// never concatenated only to be moved again.
func sortedRuns(runs [][]Pair) []Pair {
	n := 0
	var maxA, maxB uint32
	for _, r := range runs {
		n += len(r)
		for _, p := range r {
			maxA, maxB = max(maxA, p.A), max(maxB, p.B)
		}
	}
	out := make([]Pair, n)
	if n < 256 {
		concatInto(out, runs)
		radixSortPairs(out)
		return out
	}
	bB := uint(bits.Len32(maxB))
	keyBits := bB + uint(bits.Len32(maxA))
	ck := func(p Pair) uint64 { return uint64(p.A)<<bB | uint64(p.B) }
	const mask = 1<<sortDigitBits - 1
	var count [1 << sortDigitBits]int
	var src, dst []Pair // nil until the first moving pass has read the runs
	for shift := uint(0); shift < keyBits; shift += sortDigitBits {
		clear(count[:])
		if src == nil {
			for _, r := range runs {
				for _, p := range r {
					count[(ck(p)>>shift)&mask]++
				}
			}
		} else {
			for _, p := range src {
				count[(ck(p)>>shift)&mask]++
			}
		}
		sum := 0
		for i, c := range count {
			count[i] = sum
			sum += c
		}
		if src == nil {
			for _, r := range runs {
				for _, p := range r {
					d := (ck(p) >> shift) & mask
					out[count[d]] = p
					count[d]++
				}
			}
			src, dst = out, make([]Pair, n)
			continue
		}
		for _, p := range src {
			d := (ck(p) >> shift) & mask
			dst[count[d]] = p
			count[d]++
		}
		src, dst = dst, src
	}
	if src == nil { // a key of no bits: every pair is (0, 0)
		concatInto(out, runs)
		return out
	}
	return src
}

// sortDigitBits is sortedRuns' radix digit.
const sortDigitBits = 11

// concatInto copies runs, one after another, into dst.
func concatInto(dst []Pair, runs [][]Pair) {
	k := 0
	for _, r := range runs {
		k += copy(dst[k:], r)
	}
}

// radixSortPairs sorts pairs by (A, B) with an LSD radix sort on 16-bit
// digits, skipping digits that are constant across the slice. It is stable
// and allocates one buffer the size of ps.
func radixSortPairs(ps []Pair) {
	if len(ps) < 256 {
		slices.SortFunc(ps, func(x, y Pair) int {
			switch kx, ky := x.key(), y.key(); {
			case kx < ky:
				return -1
			case kx > ky:
				return 1
			}
			return 0
		})
		return
	}
	buf := make([]Pair, len(ps))
	src, dst := ps, buf
	var count [1 << 16]int
	for shift := uint(0); shift < 64; shift += 16 {
		clear(count[:])
		for _, p := range src {
			count[(p.key()>>shift)&0xffff]++
		}
		if count[(src[0].key()>>shift)&0xffff] == len(src) {
			continue // digit constant: order unchanged
		}
		sum := 0
		for i, c := range count {
			count[i] = sum
			sum += c
		}
		for _, p := range src {
			d := (p.key() >> shift) & 0xffff
			dst[count[d]] = p
			count[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &ps[0] {
		copy(ps, src)
	}
}

// PairDice returns the Dice coefficient of a pair found between A and B.
func PairDice(A, B *Dataset, p Pair) float64 {
	return dice(int(p.And), A.Popcount(int(p.A)), B.Popcount(int(p.B)))
}
