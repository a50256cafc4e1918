package linkage

import "slices"

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
