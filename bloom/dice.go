package bloom

import (
	"encoding/binary"
	"math/bits"
)

// Popcount returns the number of set bits in f.
func Popcount(f []byte) int {
	n := 0
	for len(f) >= 8 {
		n += bits.OnesCount64(binary.LittleEndian.Uint64(f))
		f = f[8:]
	}
	for _, b := range f {
		n += bits.OnesCount8(b)
	}
	return n
}

// AndPopcount returns popcount(a AND b). a and b must have the same length.
func AndPopcount(a, b []byte) int {
	if len(a) != len(b) {
		panic("bloom: AndPopcount of filters of different lengths")
	}
	n := 0
	for len(a) >= 8 {
		n += bits.OnesCount64(binary.LittleEndian.Uint64(a) & binary.LittleEndian.Uint64(b))
		a, b = a[8:], b[8:]
	}
	for i := range a {
		n += bits.OnesCount8(a[i] & b[i])
	}
	return n
}

// Dice returns the Dice coefficient 2|a∧b| / (|a| + |b|) of two filters of
// equal length, and 0 when both are empty.
func Dice(a, b []byte) float64 {
	pa, pb := Popcount(a), Popcount(b)
	if pa+pb == 0 {
		return 0
	}
	return 2 * float64(AndPopcount(a, b)) / float64(pa+pb)
}
