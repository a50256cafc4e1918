package bloom

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sort"
)

// Match is one filter of an Index that reached the threshold in Search.
type Match struct {
	ID    int     // position of the filter in the slice given to NewIndex
	Score float64 // Dice coefficient with the query
}

// Pair is a scored pair of filters: A is a position in the first (query)
// collection, B a position in the second.
type Pair struct {
	A, B  int
	Score float64
}

// Index holds filters of one length back to back as 64-bit words, ordered
// by popcount, for fast Dice search. It is immutable once built and safe for
// concurrent use by many goroutines.
//
// Invariants: data holds n·words words; slot s (0 ≤ s < n) is
// data[s·words : (s+1)·words], with pop[s] its popcount, pop ascending, and
// id[s] its position in the caller's slice; slot[id[s]] == s.
type Index struct {
	words int
	data  []uint64
	pop   []uint32
	id    []int32
	slot  []int32
}

// NewIndex copies filters (each bits/8 bytes, bits a positive multiple of
// 64) into a new Index.
func NewIndex(bits int, filters [][]byte) (*Index, error) {
	if err := CheckBits(bits); err != nil {
		return nil, err
	}
	if len(filters) > math.MaxInt32 {
		return nil, fmt.Errorf("bloom: %d filters exceed the index limit", len(filters))
	}
	w := bits / 64
	n := len(filters)
	x := &Index{words: w, data: make([]uint64, n*w), pop: make([]uint32, n), id: make([]int32, n), slot: make([]int32, n)}
	pops := make([]uint32, n)
	for i, f := range filters {
		if len(f) != bits/8 {
			return nil, fmt.Errorf("bloom: filter %d has %d bits, want %d", i, len(f)*8, bits)
		}
		pops[i] = uint32(Popcount(f))
		x.id[i] = int32(i)
	}
	// A stable sort keeps equal popcounts in input order, so results are
	// deterministic.
	sort.SliceStable(x.id, func(a, b int) bool { return pops[x.id[a]] < pops[x.id[b]] })
	for s, i := range x.id {
		x.slot[i] = int32(s)
		x.pop[s] = pops[i]
		f := filters[i]
		row := x.data[s*w : (s+1)*w]
		for j := range row {
			row[j] = binary.LittleEndian.Uint64(f[j*8:])
		}
	}
	return x, nil
}

// Len returns the number of filters in x.
func (x *Index) Len() int { return len(x.pop) }

// Bits returns the filter length of x in bits.
func (x *Index) Bits() int { return x.words * 64 }

// Popcount returns the popcount of the filter at position id.
func (x *Index) Popcount(id int) int { return int(x.pop[x.slot[id]]) }

func (x *Index) row(s int) []uint64 { return x.data[s*x.words : (s+1)*x.words] }

// popcountRange returns the slots [lo, hi) whose popcount p can reach Dice ≥
// t with a filter of popcount pq. Dice ≤ 2·min(pq,p)/(pq+p), so p must lie
// in [pq·t/(2−t), pq·(2−t)/t]; this is the bound |pq − p| ≤ 2·min·(1/t − 1).
// The float bounds are widened by one so rounding can never exclude a pair;
// the exact score test happens later.
func (x *Index) popcountRange(pq int, t float64) (lo, hi int) {
	if t <= 0 {
		return 0, len(x.pop)
	}
	if t > 1 {
		return 0, 0
	}
	minP := math.Floor(float64(pq)*t/(2-t)) - 1
	maxP := math.Ceil(float64(pq)*(2-t)/t) + 1
	lo = sort.Search(len(x.pop), func(i int) bool { return float64(x.pop[i]) >= minP })
	hi = sort.Search(len(x.pop), func(i int) bool { return float64(x.pop[i]) > maxP })
	return lo, hi
}

// chunk is how many AND-popcounts are computed per kernel call; the counts
// live on the stack.
const chunk = 256

// scan appends to dst a Match{ID: slot, Score} for every slot in [lo, hi)
// whose Dice with q (popcount pq) is ≥ t. Callers map slots to IDs.
func (x *Index) scan(q []uint64, pq int, t float64, lo, hi int, dst []Match) []Match {
	var counts [chunk]uint32
	// A pair can only pass if 2c ≥ t·(pq+p). The cheap test uses a
	// threshold lowered by a relative 1e-9 (far more than float64 rounding),
	// and survivors are checked with the exact anonlink formula.
	tLow := t * (1 - 1e-9)
	w := x.words
	for base := lo; base < hi; base += chunk {
		n := min(chunk, hi-base)
		AndPopcountMany(q, x.data[base*w:(base+n)*w], counts[:n])
		pop := x.pop[base : base+n]
		for k, c := range counts[:n] {
			s := pq + int(pop[k])
			if float64(2*c) < tLow*float64(s) {
				continue
			}
			if score := DiceFromCounts(int(c), pq, int(pop[k])); score >= t {
				dst = append(dst, Match{ID: base + k, Score: score})
			}
		}
	}
	return dst
}

// Search appends to dst every filter of x whose Dice coefficient with query
// is ≥ threshold, in no particular order, and returns the extended slice.
// It panics if len(query) is not x.Bits()/8.
func (x *Index) Search(query []byte, threshold float64, dst []Match) []Match {
	if len(query) != x.words*8 {
		panic("bloom: Search with a query of the wrong length")
	}
	var qbuf [32]uint64
	q := qbuf[:0]
	if x.words > len(qbuf) {
		q = make([]uint64, 0, x.words)
	}
	for j := 0; j < x.words; j++ {
		q = append(q, binary.LittleEndian.Uint64(query[j*8:]))
	}
	pq := Popcount(query)
	lo, hi := x.popcountRange(pq, threshold)
	start := len(dst)
	dst = x.scan(q, pq, threshold, lo, hi, dst)
	for k := start; k < len(dst); k++ {
		dst[k].ID = int(x.id[dst[k].ID])
	}
	return dst
}

// SearchIndex compares every filter of queries with every filter of x and
// appends to dst each pair with Dice ≥ threshold (A a position in queries,
// B a position in x). Pairs whose popcounts cannot reach the threshold are
// never compared. The result is sorted by score descending, then A, then B.
func (x *Index) SearchIndex(queries *Index, threshold float64, dst []Pair) []Pair {
	if queries.words != x.words {
		panic("bloom: SearchIndex of indexes with different filter lengths")
	}
	start := len(dst)
	var hits []Match
	for s := range queries.pop {
		pq := int(queries.pop[s])
		a := int(queries.id[s])
		lo, hi := x.popcountRange(pq, threshold)
		hits = x.scan(queries.row(s), pq, threshold, lo, hi, hits[:0])
		for _, h := range hits {
			dst = append(dst, Pair{A: a, B: int(x.id[h.ID]), Score: h.Score})
		}
	}
	SortPairs(dst[start:])
	return dst
}

// ScorePairs sets pairs[i].Score to the Dice coefficient of filter
// pairs[i].A of a and filter pairs[i].B of b, for candidate pairs found
// by blocking. It panics if the lengths differ or a position is out of range.
func ScorePairs(a, b *Index, pairs []Pair) {
	if a.words != b.words {
		panic("bloom: ScorePairs of indexes with different filter lengths")
	}
	for i := range pairs {
		sa, sb := int(a.slot[pairs[i].A]), int(b.slot[pairs[i].B])
		c := andPopcountWords(a.row(sa), b.row(sb))
		pairs[i].Score = DiceFromCounts(c, int(a.pop[sa]), int(b.pop[sb]))
	}
}

// SortPairs sorts pairs by score descending, then A ascending, then B
// ascending: the order in which anonlink's greedy solver visits candidates.
func SortPairs(pairs []Pair) {
	slices.SortFunc(pairs, func(p, q Pair) int {
		switch {
		case p.Score > q.Score:
			return -1
		case p.Score < q.Score:
			return 1
		case p.A != q.A:
			return p.A - q.A
		default:
			return p.B - q.B
		}
	})
}

// GreedyMatch returns a one-to-one matching chosen greedily from pairs: in
// SortPairs order, a pair is kept when neither of its records is already
// matched. For two datasets this is anonlink's greedy solver. pairs is
// sorted in place; the result is in acceptance order.
func GreedyMatch(pairs []Pair) []Pair {
	SortPairs(pairs)
	usedA := make(map[int]bool)
	usedB := make(map[int]bool)
	var out []Pair
	for _, p := range pairs {
		if usedA[p.A] || usedB[p.B] {
			continue
		}
		usedA[p.A], usedB[p.B] = true, true
		out = append(out, p)
	}
	return out
}

// AndPopcountManyVectorized reports whether AndPopcountMany counts filters
// of words 64-bit words with AVX-512 VPOPCNTQ (words a multiple of 8, on a
// CPU that has it): about eight words a cycle, several times its other
// paths, so a caller choosing between it and another plan can weigh it.
func AndPopcountManyVectorized(words int) bool { return useAVX512 && words > 0 && words%8 == 0 }

// AndPopcountMany writes popcount(q AND f) to out[i] for each filter f of
// len(q) words stored back to back in data (len(data) = len(out)·len(q)).
// It uses AVX-512 VPOPCNTQ when the CPU has it and len(q) is a multiple of
// 8 words, else AVX2 (VPSHUFB nibble table) for multiples of 4 words, and
// portable code otherwise; all give identical results.
func AndPopcountMany(q, data []uint64, out []uint32) {
	w := len(q)
	if len(data) != w*len(out) {
		panic("bloom: AndPopcountMany with inconsistent lengths")
	}
	if len(out) == 0 || w == 0 {
		clear(out)
		return
	}
	if useAVX512 && w%8 == 0 {
		andPopcountManyAVX512(&q[0], &data[0], w/8, len(out), &out[0])
		return
	}
	if useAVX2 && w%4 == 0 {
		andPopcountManyAVX2(&q[0], &data[0], w/4, len(out), &out[0])
		return
	}
	andPopcountManyGeneric(q, data, out)
}

// andPopcountManyGeneric is the portable AndPopcountMany.
//
//go:norace
func andPopcountManyGeneric(q, data []uint64, out []uint32) {
	w := len(q)
	if w == 16 { // 1024 bits, the default: fully unrolled
		q := (*[16]uint64)(q)
		for i := range out {
			f := (*[16]uint64)(data[i*16 : i*16+16])
			n0 := bits.OnesCount64(q[0]&f[0]) + bits.OnesCount64(q[1]&f[1]) + bits.OnesCount64(q[2]&f[2]) + bits.OnesCount64(q[3]&f[3])
			n1 := bits.OnesCount64(q[4]&f[4]) + bits.OnesCount64(q[5]&f[5]) + bits.OnesCount64(q[6]&f[6]) + bits.OnesCount64(q[7]&f[7])
			n2 := bits.OnesCount64(q[8]&f[8]) + bits.OnesCount64(q[9]&f[9]) + bits.OnesCount64(q[10]&f[10]) + bits.OnesCount64(q[11]&f[11])
			n3 := bits.OnesCount64(q[12]&f[12]) + bits.OnesCount64(q[13]&f[13]) + bits.OnesCount64(q[14]&f[14]) + bits.OnesCount64(q[15]&f[15])
			out[i] = uint32(n0 + n1 + n2 + n3)
		}
		return
	}
	for i := range out {
		out[i] = uint32(andPopcountWords(q, data[i*w:(i+1)*w]))
	}
}

// andPopcountWords is the portable word kernel.
//
//go:norace
func andPopcountWords(a, b []uint64) int {
	b = b[:len(a)]
	n0, n1, n2, n3 := 0, 0, 0, 0
	i := 0
	for ; i+4 <= len(a); i += 4 {
		n0 += bits.OnesCount64(a[i] & b[i])
		n1 += bits.OnesCount64(a[i+1] & b[i+1])
		n2 += bits.OnesCount64(a[i+2] & b[i+2])
		n3 += bits.OnesCount64(a[i+3] & b[i+3])
	}
	for ; i < len(a); i++ {
		n0 += bits.OnesCount64(a[i] & b[i])
	}
	return n0 + n1 + n2 + n3
}
