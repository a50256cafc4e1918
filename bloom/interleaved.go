package bloom

import (
	"math/bits"
	"slices"
)

// Interleaved holds many filters of one width in groups of eight, word by
// word: word j of filters 8g … 8g+7 are eight consecutive uint64s. A
// one-against-many comparison then reads, for each word of the query, one
// vector of that word of eight filters, and the eight And counts build up
// lane by lane with no reduction across lanes; in the back-to-back layout
// (AppendAtLeast) each filter's count is spread over the lanes of a vector
// and gathering eight counts into one vector took as many shuffles as the
// counting took popcounts, on the one port both use.
//
// Each filter carries an id, which AppendAtLeast writes into its keys, and
// its popcount, which selects its cutoff. The last group is padded with
// empty filters; they are never compared.
type Interleaved struct {
	words, n int
	data     []uint64 // group g, word j, lane k: data[(g·words+j)·8+k]
	pop      []uint16 // popcount of filter i, padded to whole groups
	id       []uint32 // id of filter i, padded to whole groups
}

// NewInterleaved returns room for n empty filters of words 64-bit words
// each (at most 1,023 words, so that an And count fits a key's low 16
// bits), all with id 0.
func NewInterleaved(words, n int) *Interleaved {
	if words <= 0 || words > 1023 || n < 0 {
		panic("bloom: NewInterleaved with a bad size")
	}
	padded := (n + 7) &^ 7
	return &Interleaved{words: words, n: n, data: make([]uint64, padded*words),
		pop: make([]uint16, padded), id: make([]uint32, padded)}
}

// Len returns the number of filters.
func (x *Interleaved) Len() int { return x.n }

// Words returns the number of 64-bit words in each filter.
func (x *Interleaved) Words() int { return x.words }

// Set stores filter i (words 64-bit words) with its id. Filters may be set
// from several goroutines at once when they are of different groups of
// eight (i/8).
func (x *Interleaved) Set(i int, words []uint64, id uint32) {
	if i < 0 || i >= x.n || len(words) != x.words {
		panic("bloom: Interleaved.Set out of range")
	}
	base, lane := (i>>3)*x.words*8, i&7
	p := 0
	for j, w := range words {
		x.data[base+j*8+lane] = w
		p += bits.OnesCount64(w)
	}
	x.pop[i], x.id[i] = uint16(p), id
}

// Row appends filter i's words to dst.
func (x *Interleaved) Row(dst []uint64, i int) []uint64 {
	base, lane := (i>>3)*x.words*8, i&7
	for j := range x.words {
		dst = append(dst, x.data[base+j*8+lane])
	}
	return dst
}

// Popcount returns filter i's popcount.
func (x *Interleaved) Popcount(i int) int { return int(x.pop[i]) }

// ID returns filter i's id.
func (x *Interleaved) ID(i int) uint32 { return x.id[i] }

// AppendAtLeast is AppendAtLeast over filters lo … hi−1 of x: for each
// filter i whose And count c = popcount(q AND filter i) reaches cut[min(pop
// (i), len(cut)−1)], it appends the key uint64(id(i))<<16 | c, in filter
// order, and it returns the extended slice.
//
// On CPUs with AVX-512 VPOPCNTQ and 1024-bit filters one vector kernel
// counts, tests and packs a group of eight filters at a time from the
// group's sixteen word vectors; elsewhere a portable loop does the same.
func (x *Interleaved) AppendAtLeast(dst []uint64, q []uint64, lo, hi int, cut []uint32) []uint64 {
	if len(q) != x.words || len(cut) == 0 || lo < 0 || hi > x.n {
		panic("bloom: Interleaved.AppendAtLeast with inconsistent arguments")
	}
	if lo >= hi {
		return dst
	}
	g0, g1 := lo>>3, (hi+7)>>3
	first := uint64(0xff) << (lo & 7) & 0xff
	last := uint64(0xff) >> ((8 - hi&7) & 7)
	// The kernel stores whole vectors of 8 keys: room for every filter of
	// the groups and 8 more.
	dst = slices.Grow(dst, (g1-g0)*8+8)
	if useAVX512 && x.words == 16 {
		buf := dst[len(dst):cap(dst)]
		kept := andAtLeast1024x8AVX512(&q[0], &x.data[g0*16*8], &x.pop[g0*8], &x.id[g0*8], &cut[0],
			len(cut)-1, g1-g0, first, last, &buf[0])
		return dst[:len(dst)+kept]
	}
	return x.appendAtLeastPortable(dst, q, lo, hi, cut)
}

// appendAtLeastPortable is AppendAtLeast for any width, a group at a time:
// the keys of all the range's filters are written and only those that pass
// kept, with no branch on the test.
func (x *Interleaved) appendAtLeastPortable(dst []uint64, q []uint64, lo, hi int, cut []uint32) []uint64 {
	w, last := x.words, len(cut)-1
	buf := dst[len(dst) : len(dst)+hi-lo]
	kept := 0
	var counts [8]int
	for i := lo; i < hi; {
		g := i >> 3
		counts = [8]int{}
		group := x.data[g*w*8 : (g+1)*w*8]
		for j, qw := range q {
			v := group[j*8 : j*8+8 : j*8+8]
			for k := range counts {
				counts[k] += bits.OnesCount64(qw & v[k])
			}
		}
		for end := min(hi, g*8+8); i < end; i++ {
			c := counts[i&7]
			buf[kept] = uint64(x.id[i])<<16 | uint64(c)
			if uint32(c) >= cut[min(int(x.pop[i]), last)] {
				kept++
			}
		}
	}
	return dst[:len(dst)+kept]
}
