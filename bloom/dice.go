package bloom

import (
	"encoding/binary"
	"math/bits"
)

// Popcount returns the number of set bits in f.
//
//go:norace
func Popcount(f []byte) int {
	n0, n1, n2, n3 := 0, 0, 0, 0
	for len(f) >= 32 {
		n0 += bits.OnesCount64(binary.LittleEndian.Uint64(f))
		n1 += bits.OnesCount64(binary.LittleEndian.Uint64(f[8:]))
		n2 += bits.OnesCount64(binary.LittleEndian.Uint64(f[16:]))
		n3 += bits.OnesCount64(binary.LittleEndian.Uint64(f[24:]))
		f = f[32:]
	}
	for len(f) >= 8 {
		n0 += bits.OnesCount64(binary.LittleEndian.Uint64(f))
		f = f[8:]
	}
	for _, b := range f {
		n0 += bits.OnesCount8(b)
	}
	return n0 + n1 + n2 + n3
}

// AndPopcount returns popcount(a AND b). a and b must have the same length;
// it panics otherwise.
func AndPopcount(a, b []byte) int {
	if len(a) != len(b) {
		panic("bloom: AndPopcount of filters of different lengths")
	}
	if len(a)%64 == 0 && len(a) > 0 && useAVX512 {
		return int(andPopcountBytesAVX512(&a[0], &b[0], len(a)/64))
	}
	return andPopcountBytesGeneric(a, b)
}

// AndPopcountPairs sets out[k] to the And count (AndPopcount) of filter
// ia[k] of a and filter ib[k] of b, for filters of width bytes stored back
// to back, k < len(ia). It is the compare stage of a search that has
// gathered its pairs first: on 1024-bit filters with AVX-512 one call
// computes them all, prefetching the filters of the pairs ahead, where a
// call a pair waited on each pair's scattered filters in turn. ia, ib and
// out must have the same length, every index must name a filter, and the
// filters must be under 65,536 bits (the counts are uint16).
func AndPopcountPairs(a, b []byte, width int, ia, ib []uint32, out []uint16) {
	if width <= 0 || width >= 8192 {
		panic("bloom: AndPopcountPairs of filters of no or too many bytes")
	}
	if len(ib) != len(ia) || len(out) != len(ia) {
		panic("bloom: AndPopcountPairs of lists of different lengths")
	}
	if len(ia) == 0 {
		return
	}
	na, nb := uint32(len(a)/width), uint32(len(b)/width)
	for k := range ia {
		if ia[k] >= na || ib[k] >= nb {
			panic("bloom: AndPopcountPairs index out of range")
		}
	}
	if width == 128 && useAVX512 {
		andPopcountPairs1024AVX512(&a[0], &b[0], &ia[0], &ib[0], len(ia), &out[0])
		return
	}
	for k := range ia {
		i, j := int(ia[k])*width, int(ib[k])*width
		out[k] = uint16(AndPopcount(a[i:i+width], b[j:j+width]))
	}
}

// andPopcountBytesGeneric is the portable AndPopcount. The four independent
// accumulators let the CPU overlap the POPCNT latencies.
//
//go:norace
func andPopcountBytesGeneric(a, b []byte) int {
	n0, n1, n2, n3 := 0, 0, 0, 0
	for len(a) >= 32 && len(b) >= 32 {
		n0 += bits.OnesCount64(binary.LittleEndian.Uint64(a) & binary.LittleEndian.Uint64(b))
		n1 += bits.OnesCount64(binary.LittleEndian.Uint64(a[8:]) & binary.LittleEndian.Uint64(b[8:]))
		n2 += bits.OnesCount64(binary.LittleEndian.Uint64(a[16:]) & binary.LittleEndian.Uint64(b[16:]))
		n3 += bits.OnesCount64(binary.LittleEndian.Uint64(a[24:]) & binary.LittleEndian.Uint64(b[24:]))
		a, b = a[32:], b[32:]
	}
	for len(a) >= 8 && len(b) >= 8 {
		n0 += bits.OnesCount64(binary.LittleEndian.Uint64(a) & binary.LittleEndian.Uint64(b))
		a, b = a[8:], b[8:]
	}
	for i := range a {
		n0 += bits.OnesCount8(a[i] & b[i])
	}
	return n0 + n1 + n2 + n3
}

// Dice returns the Dice coefficient 2|a∧b| / (|a| + |b|) of two filters of
// equal length, and 0 when both are empty.
func Dice(a, b []byte) float64 {
	return DiceFromCounts(AndPopcount(a, b), Popcount(a), Popcount(b))
}

// DiceFromCounts returns 2·and / (pa + pb), and 0 when pa + pb is 0. It is
// computed exactly as anonlink does (one float64 division of exact
// integers), so equal inputs give bit-identical scores.
func DiceFromCounts(and, pa, pb int) float64 {
	if pa+pb == 0 {
		return 0
	}
	return float64(2*and) / float64(pa+pb)
}
