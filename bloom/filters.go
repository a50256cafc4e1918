package bloom

import (
	"math/bits"
	"slices"
)

// Filters holds many filters of one width for one-against-many
// comparisons (AppendAtLeast over a range of them), each with an id, which
// the comparison writes into its keys, and its popcount, which selects its
// cutoff.
//
// Where the CPU has the AVX-512 kernel for 1024-bit filters, they are
// stored interleaved in groups of eight, word by word: word j of filters 8g
// … 8g+7 are eight consecutive uint64s. A comparison then reads, for each
// word of the query, one vector of that word of eight filters, and the eight
// And counts build up lane by lane with no reduction across lanes; back to
// back, each filter's count is spread over the lanes of a vector and
// gathering eight counts into one vector took as many shuffles as the
// counting took popcounts, on the one port both use. Elsewhere (other
// widths, CPUs without AVX-512 VPOPCNTQ, the purego build) they are stored
// back to back and compared by the package-level AppendAtLeast, whose AVX2
// and portable kernels read that layout. Either way the last group of
// eight is padded with empty filters, never compared.
type Filters struct {
	words, n    int
	interleaved bool
	// Interleaved: group g, word j, lane k at data[(g·words+j)·8+k]; back
	// to back: filter i's word j at data[i·words+j].
	data []uint64
	pop  []uint16 // popcount of filter i, padded to whole groups
	id   []uint32 // id of filter i, padded to whole groups
}

// NewFilters returns room for n empty filters of words 64-bit words each
// (at most 1,023 words, so that an And count fits a key's low 16 bits), all
// with id 0, in the layout this CPU compares fastest.
func NewFilters(words, n int) *Filters {
	return newFilters(words, n, Vectorized(words))
}

// Vectorized reports whether Filters of words 64-bit words are compared by
// the kernel that counts eight filters a vector (1024-bit filters, on a CPU
// with AVX-512 VPOPCNTDQ), about 15 times faster a comparison than the
// one-filter-at-a-time kernels; a search cost model weighs the exhaustive
// search by it.
func Vectorized(words int) bool { return useAVX512 && words == 16 }

func newFilters(words, n int, interleaved bool) *Filters {
	if words <= 0 || words > 1023 || n < 0 {
		panic("bloom: NewFilters with a bad size")
	}
	padded := (n + 7) &^ 7
	return &Filters{words: words, n: n, interleaved: interleaved, data: make([]uint64, padded*words),
		pop: make([]uint16, padded), id: make([]uint32, padded)}
}

// at returns where word j of filter i is stored.
func (x *Filters) at(i, j int) int {
	if x.interleaved {
		return ((i>>3)*x.words+j)*8 + i&7
	}
	return i*x.words + j
}

// Len returns the number of filters.
func (x *Filters) Len() int { return x.n }

// Words returns the number of 64-bit words in each filter.
func (x *Filters) Words() int { return x.words }

// Set stores filter i (words 64-bit words) with its id. Filters may be set
// from several goroutines at once when they are of different groups of
// eight (i/8).
func (x *Filters) Set(i int, words []uint64, id uint32) {
	if i < 0 || i >= x.n || len(words) != x.words {
		panic("bloom: Filters.Set out of range")
	}
	p := 0
	for j, w := range words {
		x.data[x.at(i, j)] = w
		p += bits.OnesCount64(w)
	}
	x.pop[i], x.id[i] = uint16(p), id
}

// Row appends filter i's words to dst.
func (x *Filters) Row(dst []uint64, i int) []uint64 {
	for j := range x.words {
		dst = append(dst, x.data[x.at(i, j)])
	}
	return dst
}

// Popcount returns filter i's popcount.
func (x *Filters) Popcount(i int) int { return int(x.pop[i]) }

// ID returns filter i's id.
func (x *Filters) ID(i int) uint32 { return x.id[i] }

// AppendAtLeast is the package-level AppendAtLeast over filters lo … hi−1
// of x: for each filter i whose And count c = popcount(q AND filter i)
// reaches cut[min(pop(i), len(cut)−1)], it appends the key uint64(id(i))<<16
// | c, in filter order, and it returns the extended slice.
//
// Interleaved, one AVX-512 kernel counts, tests and packs a group of eight
// filters at a time from the group's sixteen word vectors.
func (x *Filters) AppendAtLeast(dst []uint64, q []uint64, lo, hi int, cut []uint32) []uint64 {
	if len(q) != x.words || len(cut) == 0 || lo < 0 || hi > x.n {
		panic("bloom: Filters.AppendAtLeast with inconsistent arguments")
	}
	if lo >= hi {
		return dst
	}
	if !x.interleaved {
		w := x.words
		return AppendAtLeast(dst, q, x.data[lo*w:hi*w], x.pop[lo:hi], x.id[lo:hi], cut)
	}
	if !useAVX512 || x.words != 16 {
		return x.appendAtLeastPortable(dst, q, lo, hi, cut)
	}
	g0, g1 := lo>>3, (hi+7)>>3
	first := uint64(0xff) << (lo & 7) & 0xff
	last := uint64(0xff) >> ((8 - hi&7) & 7)
	// The kernel stores whole vectors of 8 keys: room for every filter of
	// the groups and 8 more.
	dst = slices.Grow(dst, (g1-g0)*8+8)
	buf := dst[len(dst):cap(dst)]
	kept := andAtLeast1024x8AVX512(&q[0], &x.data[g0*16*8], &x.pop[g0*8], &x.id[g0*8], &cut[0],
		len(cut)-1, g1-g0, first, last, &buf[0])
	return dst[:len(dst)+kept]
}

// appendAtLeastPortable is AppendAtLeast over interleaved filters of any
// width, a group at a time (tests, and interleaved filters on a CPU
// without the kernel): the keys of all the range's filters are written and
// only those that pass kept, with no branch on the test.
//
//go:norace
func (x *Filters) appendAtLeastPortable(dst []uint64, q []uint64, lo, hi int, cut []uint32) []uint64 {
	w, last := x.words, len(cut)-1
	dst = slices.Grow(dst, hi-lo)
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
