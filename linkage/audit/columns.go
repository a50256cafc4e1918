package audit

import (
	"encoding/binary"
	"math/bits"

	"github.com/pprl/pprl/bloom"
)

// bitset is a set of record indices, one bit per record.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) set(i int)      { b[i>>6] |= 1 << (i & 63) }
func (b bitset) has(i int) bool { return b[i>>6]>>(i&63)&1 != 0 }

func (b bitset) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

// andCount returns |a ∩ b|.
func andCount(a, b bitset) int {
	n := 0
	b = b[:len(a)]
	for i, w := range a {
		n += bits.OnesCount64(w & b[i])
	}
	return n
}

// andNotCount returns |a \ b|.
func andNotCount(a, b bitset) int {
	n := 0
	b = b[:len(a)]
	for i, w := range a {
		n += bits.OnesCount64(w &^ b[i])
	}
	return n
}

// each calls f for every member of b in increasing order.
func (b bitset) each(f func(i int)) {
	for wi, w := range b {
		for w != 0 {
			f(wi<<6 | bits.TrailingZeros64(w))
			w &= w - 1
		}
	}
}

// matrix holds the encoded file twice: row-major (each record's filter as
// little-endian words) and column-major (for each bit position, the set of
// records in which it is set). Positions are numbered by word and bit of the
// little-endian word view (position 64w+b is bit b of word w); the attack
// never needs clkhash's bit numbering, only a consistent one.
type matrix struct {
	n, m  int      // records, bit positions
	words int      // words per row (m/64)
	rows  []uint64 // rows[r*words : (r+1)*words]
	cols  []bitset // cols[p]: records with bit p set
	freq  []int    // |cols[p]|

	// colData holds the columns back to back, colWords words each (a
	// multiple of 8: cols[p] and zero padding).
	colData  []uint64
	colWords int
}

// newMatrix transposes n filters of width bytes stored contiguously in data.
// width must be a multiple of 8. Cost O(n · (width/8 + set bits)).
func newMatrix(data []byte, width int) *matrix {
	n := len(data) / width
	x := &matrix{n: n, m: width * 8, words: width / 8}
	x.rows = make([]uint64, n*x.words)
	for i := range x.rows {
		x.rows[i] = binary.LittleEndian.Uint64(data[8*i:])
	}
	// The columns are stored back to back, each padded with zero words to
	// a multiple of eight (colWords), so that AND-popcounting a record set
	// against all of them is one bloom.AndPopcountMany call.
	x.cols = make([]bitset, x.m)
	words := (n + 63) / 64
	x.colWords = (words + 7) &^ 7
	x.colData = make([]uint64, x.m*x.colWords)
	for p := range x.cols {
		x.cols[p] = x.colData[p*x.colWords : p*x.colWords+words]
	}
	for r := 0; r < n; r++ {
		row := x.rows[r*x.words : (r+1)*x.words]
		wr, br := r>>6, uint64(1)<<(r&63)
		for w, v := range row {
			for v != 0 {
				x.cols[w<<6|bits.TrailingZeros64(v)][wr] |= br
				v &= v - 1
			}
		}
	}
	x.freq = make([]int, x.m)
	for p, c := range x.cols {
		x.freq[p] = c.count()
	}
	return x
}

// row returns record r's filter words.
func (x *matrix) row(r int) []uint64 { return x.rows[r*x.words : (r+1)*x.words] }

// hasAll reports whether record r has every position in pos set.
func (x *matrix) hasAll(r int, pos []int) bool {
	row := x.row(r)
	for _, p := range pos {
		if row[p>>6]>>(p&63)&1 == 0 {
			return false
		}
	}
	return true
}

// intersectCounts sets counts[q] = |R ∩ cols[q]| for every position q, where
// R is given both as a bitset and as its member list. It picks the cheaper
// of two plans: scanning the members' rows (cost ≈ |R| × set bits per row,
// one scattered increment each) or AND-popcounting R against every column
// (cost ≈ m × n/64 words, in one bloom.AndPopcountMany call).
func (x *matrix) intersectCounts(counts []int, R bitset, members []int) {
	clear(counts)
	cost := scanCost
	if bloom.AndPopcountManyVectorized(x.colWords) {
		cost = scanCostVectorized
	}
	if len(members)*x.words*cost < x.m*len(R) {
		for _, r := range members {
			for w, v := range x.row(r) {
				for v != 0 {
					counts[w<<6|bits.TrailingZeros64(v)]++
					v &= v - 1
				}
			}
		}
		return
	}
	q := make([]uint64, x.colWords)
	copy(q, R)
	out := make([]uint32, x.m)
	bloom.AndPopcountMany(q, x.colData, out)
	for p, c := range out {
		counts[p] = int(c)
	}
}

// scanCost weighs a member's row in intersectCounts' choice of plan
// against a word of a column: a row's set bits (about 32 a word in a
// hardened filter) are scattered increments, a column's words are
// AND-popcounted in sequence. scanCostVectorized is the weight where
// bloom.AndPopcountMany runs on AVX-512. Measured, pprl audit of 19,930
// health records (synth, starter spec), whole command: 8.9 s before the
// columns were counted by bloom.AndPopcountMany; with it and weights 16,
// 48, 128, 256 and 1024, 7.2, 5.3, 5.0, 4.8 and 5.6 s; without AVX-512
// (-tags purego) 8.8 s before, and 10.0, 9.0 and 10.4 s at 16, 64 and 256.
const (
	scanCost           = 64
	scanCostVectorized = 256
)

// eachSet calls fn with every bit position set in record r, ascending.
func (x *matrix) eachSet(r int, fn func(p int)) {
	for w, v := range x.row(r) {
		for v != 0 {
			fn(w<<6 | bits.TrailingZeros64(v))
			v &= v - 1
		}
	}
}

// popcount returns the number of bits set in record r.
func (x *matrix) popcount(r int) int {
	n := 0
	for _, v := range x.row(r) {
		n += bits.OnesCount64(v)
	}
	return n
}

// dice returns the Dice coefficient of records r and s.
func (x *matrix) dice(r, s int) float64 {
	a, b := x.row(r), x.row(s)
	and, pa, pb := 0, 0, 0
	for i := range a {
		and += bits.OnesCount64(a[i] & b[i])
		pa += bits.OnesCount64(a[i])
		pb += bits.OnesCount64(b[i])
	}
	if pa+pb == 0 {
		return 0
	}
	return 2 * float64(and) / float64(pa+pb)
}
