package bloom

import "fmt"

// BitSampler reads a fixed list of bit positions out of filters: bit j of
// a filter's key is filter bit pos[j]. It is the band key of Hamming LSH
// (filters that agree on every sampled bit share a key). Keys reads many
// filters at once; on CPUs with AVX-512 BITALG and 1024-bit filters it
// takes eight sampled bits per pair of vector instructions (a lane
// permutation brings each sampled bit's 64-bit word into a lane, and
// VPSHUFBITQMB picks the bit), where the portable loop spends a load,
// shift and OR on every bit.
type BitSampler struct {
	filterBytes int
	bytePos     []uint16 // byte of each sampled bit
	shift       []uint8  // right shift that brings it to bit 0
	mask        uint32   // the key's bits: len(pos) ones
	// plan: per group of 8 sampled bits, the word index of each bit (8
	// words) then its bit within the word, repeated in every byte (8 words).
	plan []uint64
}

// MaxSampledBits is the most bits a BitSampler takes (keys are uint32).
const MaxSampledBits = 32

// NewBitSampler returns a sampler of positions pos (at most
// MaxSampledBits, each in [0, filterBits)) for filters of filterBits bits,
// a positive multiple of 8.
func NewBitSampler(pos []int, filterBits int) (*BitSampler, error) {
	if len(pos) > MaxSampledBits {
		return nil, fmt.Errorf("bloom: %d sampled bits, at most %d", len(pos), MaxSampledBits)
	}
	if filterBits <= 0 || filterBits%8 != 0 {
		return nil, fmt.Errorf("bloom: filter length %d bits is not a positive multiple of 8", filterBits)
	}
	s := &BitSampler{filterBytes: filterBits / 8, bytePos: make([]uint16, len(pos)),
		shift: make([]uint8, len(pos)), mask: uint32(1<<len(pos) - 1)}
	for j, p := range pos {
		if p < 0 || p >= filterBits {
			return nil, fmt.Errorf("bloom: sampled bit %d is outside a %d-bit filter", p, filterBits)
		}
		s.bytePos[j] = uint16(p >> 3)
		s.shift[j] = uint8(7 - p&7)
	}
	for g := 0; g < len(pos); g += 8 {
		var idx, sel [8]uint64
		for l := range 8 {
			if g+l < len(pos) {
				p := uint64(pos[g+l])
				// Filter bit p is bit 7-p%8 of byte p/8: in the
				// little-endian word p/64, bit (p%64)^7.
				idx[l], sel[l] = p/64, (p%64^7)*0x0101010101010101
			}
		}
		s.plan = append(s.plan, idx[:]...)
		s.plan = append(s.plan, sel[:]...)
	}
	return s, nil
}

// Key returns the key of filter f.
//
//go:norace
func (s *BitSampler) Key(f []byte) uint32 {
	f = f[:s.filterBytes]
	var k uint32
	for j, p := range s.bytePos {
		k |= uint32(f[p]>>s.shift[j]&1) << j
	}
	return k
}

// Keys appends to dst the key of each filter of filters (stored back to
// back) and returns the extended slice.
func (s *BitSampler) Keys(dst []uint32, filters []byte) []uint32 {
	n := len(filters) / s.filterBytes
	if n*s.filterBytes != len(filters) {
		panic("bloom: BitSampler.Keys on a partial filter")
	}
	if useSampleKernel && s.filterBytes == 128 && n > 0 && len(s.plan) > 0 {
		start := len(dst)
		dst = append(dst, make([]uint32, n)...)
		sampleKeys1024AVX512(&filters[0], n, &s.plan[0], len(s.plan)/16, uint64(s.mask), &dst[start])
		return dst
	}
	for i := range n {
		dst = append(dst, s.Key(filters[i*s.filterBytes:(i+1)*s.filterBytes]))
	}
	return dst
}
