package synth

// idPermutation maps record sequence numbers 0..n-1 to distinct record
// numbers in 0..10^digits-1 that look random and carry no order: a keyed
// four-round Feistel network over the smallest even power of two covering
// the range, with cycle walking back into the range. Being a permutation, it
// never repeats a number, so record IDs are unique within an agency without
// keeping a set of the IDs used.
type idPermutation struct {
	limit    uint64 // 10^digits
	halfBits uint
	mask     uint64
	keys     [4]uint64
}

func newIDPermutation(digits int, key uint64) *idPermutation {
	p := &idPermutation{limit: 1}
	for i := 0; i < digits; i++ {
		p.limit *= 10
	}
	bits := uint(0)
	for uint64(1)<<bits < p.limit {
		bits++
	}
	bits += bits & 1
	p.halfBits = bits / 2
	p.mask = 1<<p.halfBits - 1
	for i := range p.keys {
		key = splitmix(key + uint64(i))
		p.keys[i] = key
	}
	return p
}

// apply returns the record number for sequence number n (n < limit).
func (p *idPermutation) apply(n uint64) uint64 {
	x := n
	for {
		l, r := x>>p.halfBits, x&p.mask
		for _, k := range p.keys {
			l, r = r, l^(splitmix(r^k)&p.mask)
		}
		x = l<<p.halfBits | r
		if x < p.limit {
			return x
		}
	}
}

// splitmix is the SplitMix64 finaliser, a fast well-mixing 64-bit hash.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
