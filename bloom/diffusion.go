package bloom

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

// Diffusion is a keyed diffusion layer over a finished Bloom filter, after
// Armknecht, Heng and Schnell (2023): output bit j is the XOR of t input bits
// whose positions are chosen by a keyed pseudo-random function. It destroys
// the fixed "this q-gram sets these positions" structure that frequency and
// pattern-mining attacks rely on, while filters that agree on most input bits
// still agree on most output bits, so Dice similarity between near-duplicates
// stays high (for a fraction δ of differing input bits an output bit differs
// with probability (1-(1-2δ)^t)/2, about tδ for small δ).
//
// Invariants:
//   - The index sets are a pure function of (key, inBits, outBits, t): the same
//     key always gives the same layer, and different keys give unrelated ones.
//   - Each output bit reads t distinct input positions.
//   - Input positions are used evenly: each is read ⌊outBits·t/inBits⌋ or
//     ⌈outBits·t/inBits⌉ times, so no input bit is dropped when outBits·t ≥ inBits.
//   - Bit order is clkhash's (bit 0 is the most significant bit of byte 0),
//     for input and output alike.
//
// A Diffusion is immutable after construction and safe for concurrent use.
type Diffusion struct {
	inBits, outBits, t int
	// idx holds outBits groups of t input positions, group j for output bit j.
	idx []uint16
	// fanStart and fanOut invert idx (compressed sparse rows): the output
	// bits that input bit i feeds are fanOut[fanStart[i]:fanStart[i+1]].
	// Every output bit is the XOR of its t inputs, so it is equally the XOR,
	// over the set input bits, of their fan-out: Apply walks only the set
	// bits of src (a fifth to a half of a CLK) instead of outBits·t taps.
	fanStart []uint32
	fanOut   []uint16
	// masks, when not nil, holds the fan-out of each input bit as a whole
	// output filter: input bit i's row is masks[i*nw:(i+1)*nw], nw =
	// outBits/64, each word eight output bytes in little-endian order.
	// Apply then XORs one row per set input bit, word by word, instead of
	// flipping t single bits (a chain of byte read-modify-writes); it is
	// built when the table is at most maxMaskTable bytes (128 KiB for a
	// 1024-bit filter, so it stays in L2).
	masks []uint64
}

// maxMaskTable bounds the size of Diffusion.masks in bytes; maxMaskWords
// bounds a row, so that Apply accumulates on the stack.
const (
	maxMaskTable = 1 << 20
	maxMaskWords = 64
)

// maxDiffusionBits bounds the filter length a Diffusion accepts, so that
// positions fit in uint16 and Apply can unpack on the stack.
const maxDiffusionBits = 1 << 14

// NewDiffusion derives a diffusion layer from key for filters of inBits bits,
// producing filters of outBits bits in which every bit is the XOR of t input
// bits. inBits and outBits must be positive multiples of 8 up to 16384, and t
// must be between 1 and min(inBits/2, 64). key should be a purpose-specific
// subkey (e.g. HKDF info "pprl/v1/clk/diffusion"); it is used only as an HMAC
// key.
func NewDiffusion(key []byte, inBits, outBits, t int) (*Diffusion, error) {
	switch {
	case len(key) == 0:
		return nil, errors.New("bloom: diffusion key is empty")
	case inBits <= 0 || inBits%8 != 0 || inBits > maxDiffusionBits:
		return nil, fmt.Errorf("bloom: diffusion input length %d bits is not a positive multiple of 8 up to %d", inBits, maxDiffusionBits)
	case outBits <= 0 || outBits%8 != 0 || outBits > maxDiffusionBits:
		return nil, fmt.Errorf("bloom: diffusion output length %d bits is not a positive multiple of 8 up to %d", outBits, maxDiffusionBits)
	case t < 1 || t > 64 || t > inBits/2:
		return nil, fmt.Errorf("bloom: diffusion t = %d must be between 1 and min(64, input bits/2)", t)
	}
	r := newPRFStream(key, fmt.Sprintf("pprl/v1/diffusion/%d/%d/%d", inBits, outBits, t))
	n := outBits * t
	// Fill the slots round-robin so every input position is used evenly,
	// starting at a keyed offset, then shuffle with a keyed Fisher–Yates.
	idx := make([]uint16, n)
	off := r.intn(inBits)
	for i := range idx {
		idx[i] = uint16((off + i) % inBits)
	}
	for i := n - 1; i > 0; i-- {
		j := r.intn(i + 1)
		idx[i], idx[j] = idx[j], idx[i]
	}
	// Repair groups that read a position twice by swapping the duplicate with
	// a random slot elsewhere, as long as the swap creates no new duplicate.
	// Each swap removes one duplicate; t ≤ inBits/2 leaves enough room for a
	// valid swap to exist, and the bound is a safety net.
	for pass := 0; ; pass++ {
		dup := -1
		for g := 0; g < outBits && dup < 0; g++ {
			grp := idx[g*t : (g+1)*t]
			for a := 1; a < t && dup < 0; a++ {
				for b := 0; b < a; b++ {
					if grp[a] == grp[b] {
						dup = g*t + a
						break
					}
				}
			}
		}
		if dup < 0 {
			break
		}
		if pass > 64*n {
			return nil, fmt.Errorf("bloom: cannot draw %d distinct positions per output bit from %d", t, inBits)
		}
		s := r.intn(n)
		if s/t == dup/t || groupHas(idx, t, s/t, idx[dup]) || groupHas(idx, t, dup/t, idx[s]) {
			continue
		}
		idx[dup], idx[s] = idx[s], idx[dup]
	}
	d := &Diffusion{inBits: inBits, outBits: outBits, t: t, idx: idx}
	d.invert()
	return d, nil
}

// invert builds the fan-out lists from idx.
func (d *Diffusion) invert() {
	d.fanStart = make([]uint32, d.inBits+1)
	for _, p := range d.idx {
		d.fanStart[p+1]++
	}
	for i := 1; i <= d.inBits; i++ {
		d.fanStart[i] += d.fanStart[i-1]
	}
	d.fanOut = make([]uint16, len(d.idx))
	next := append([]uint32(nil), d.fanStart[:d.inBits]...)
	for pos, p := range d.idx {
		d.fanOut[next[p]] = uint16(pos / d.t)
		next[p]++
	}
	nw := d.outBits / 64
	if d.outBits%64 != 0 || nw > maxMaskWords || d.inBits*nw*8 > maxMaskTable {
		return
	}
	d.masks = make([]uint64, d.inBits*nw)
	for i := range d.inBits {
		row := d.masks[i*nw : (i+1)*nw]
		for _, p := range d.fanOut[d.fanStart[i]:d.fanStart[i+1]] {
			// Output bit p is bit 7-p%8 of byte p/8, which is byte
			// (p/8)%8 of word p/64 in little-endian order.
			row[p/64] ^= uint64(0x80>>(p%8)) << (8 * ((p / 8) % 8))
		}
	}
}

func groupHas(idx []uint16, t, g int, v uint16) bool {
	for _, x := range idx[g*t : (g+1)*t] {
		if x == v {
			return true
		}
	}
	return false
}

// InBits returns the input filter length in bits.
func (d *Diffusion) InBits() int { return d.inBits }

// OutBits returns the output filter length in bits.
func (d *Diffusion) OutBits() int { return d.outBits }

// T returns the number of input bits XORed into each output bit.
func (d *Diffusion) T() int { return d.t }

// OutputBits implements Hardening: a Diffusion takes filters of exactly
// InBits() bits and returns OutBits() bits.
func (d *Diffusion) OutputBits(inBits int) (int, error) {
	if inBits != d.inBits {
		return 0, fmt.Errorf("bloom: diffusion layer made for %d-bit filters cannot take %d bits", d.inBits, inBits)
	}
	return d.outBits, nil
}

// NewStep implements Hardening. Apply keeps no state, so the step is Apply.
func (d *Diffusion) NewStep() func(dst, src []byte) { return d.Apply }

// Indices returns a copy of the input positions that output bit j reads.
func (d *Diffusion) Indices(j int) []int {
	out := make([]int, d.t)
	for i, v := range d.idx[j*d.t : (j+1)*d.t] {
		out[i] = int(v)
	}
	return out
}

// Apply writes the diffused form of src into dst. len(src) must be
// InBits()/8 and len(dst) OutBits()/8; dst and src may not overlap.
//
// Apply XORs together, for every set bit of src, the output bits it feeds
// (on average t·outBits/inBits of them): with the mask table (see masks) as
// popcount(src) rows of outBits/64 words, whatever t, else as popcount(src)·t
// single-bit flips. It does not allocate. For a 1024-bit CLK at t = 8 the
// table halves the time (BenchmarkDiffusion).
func (d *Diffusion) Apply(dst, src []byte) {
	if len(src)*8 != d.inBits || len(dst)*8 != d.outBits {
		panic(fmt.Sprintf("bloom: Diffusion.Apply lengths %d→%d bytes, want %d→%d", len(src), len(dst), d.inBits/8, d.outBits/8))
	}
	if d.masks != nil {
		d.applyMasks(dst, src)
		return
	}
	clear(dst)
	fanStart, fanOut := d.fanStart, d.fanOut
	for k, b := range src {
		for m := b; m != 0; m &= m - 1 {
			i := k*8 + 7 - bits.TrailingZeros8(m) // bit 0 is the MSB of byte 0
			for _, p := range fanOut[fanStart[i]:fanStart[i+1]] {
				dst[p>>3] ^= 0x80 >> (p & 7)
			}
		}
	}
}

// applyMasks is Apply by whole-row XORs (see masks).
func (d *Diffusion) applyMasks(dst, src []byte) {
	nw := d.outBits / 64
	if nw == 16 && d.inBits <= 1024 { // 1024 bits, the usual CLK
		// Gather the set bits' rows once, then sweep them eight words at a
		// time with the accumulators in registers.
		var set [1024]uint16
		n := 0
		// A word at a time (the exit from the inner loop, mispredicted,
		// once per word instead of once per byte): bit b of the
		// little-endian word w is bit b%8 of byte w·8+b/8, filter bit
		// w·64 + b^7 (bit 0 is the MSB of byte 0).
		for k := 0; k+8 <= len(src); k += 8 {
			for m := binary.LittleEndian.Uint64(src[k:]); m != 0; m &= m - 1 {
				set[n] = uint16(k*8 + (bits.TrailingZeros64(m) ^ 7))
				n++
			}
		}
		for k := len(src) &^ 7; k < len(src); k++ {
			for m := src[k]; m != 0; m &= m - 1 {
				set[n] = uint16(k*8 + 7 - bits.TrailingZeros8(m))
				n++
			}
		}
		masks := d.masks
		if useAVX512 {
			// The rows are read from masks[i·16:][:16], i < inBits ≤ 1024,
			// inside the table of inBits rows; dst is 128 bytes.
			xorRows1024AVX512(&masks[0], &set[0], n, &dst[0])
			return
		}
		xorRows1024Go(masks, set[:n], dst)
		return
	}
	var acc [maxMaskWords]uint64
	out := acc[:nw]
	for k, b := range src {
		for m := b; m != 0; m &= m - 1 {
			i := k*8 + 7 - bits.TrailingZeros8(m)
			row := d.masks[i*nw : (i+1)*nw]
			row = row[:len(out)]
			for w := range out {
				out[w] ^= row[w]
			}
		}
	}
	for w, x := range out {
		binary.LittleEndian.PutUint64(dst[8*w:], x)
	}
}

// prfStream is HMAC-SHA256(key, label || counter) in counter mode: a
// deterministic stream of pseudo-random bytes bound to key and label.
type prfStream struct {
	key, label []byte
	ctr        uint64
	buf        []byte
}

func newPRFStream(key []byte, label string) *prfStream {
	return &prfStream{key: key, label: []byte(label)}
}

func (r *prfStream) uint32() uint32 {
	if len(r.buf) < 4 {
		m := hmac.New(sha256.New, r.key)
		m.Write(r.label)
		var c [8]byte
		binary.BigEndian.PutUint64(c[:], r.ctr)
		r.ctr++
		m.Write(c[:])
		r.buf = m.Sum(nil)
	}
	v := binary.BigEndian.Uint32(r.buf)
	r.buf = r.buf[4:]
	return v
}

// intn returns a uniform integer in [0, n) by rejection sampling, n ≥ 1.
func (r *prfStream) intn(n int) int {
	limit := (1 << 32) - (1<<32)%uint64(n)
	for {
		v := uint64(r.uint32())
		if v < limit {
			return int(v % uint64(n))
		}
	}
}

// xorRows1024Go is xorRows1024AVX512 in Go: dst (128 bytes) is the XOR of
// the 1024-bit rows masks[i·16:][:16] for i in set.
//
//go:norace
func xorRows1024Go(masks []uint64, set []uint16, dst []byte) {
	for w0 := 0; w0 < 16; w0 += 8 {
		var a0, a1, a2, a3, a4, a5, a6, a7 uint64
		for _, i := range set {
			r := (*[8]uint64)(masks[int(i)*16+w0:])
			a0 ^= r[0]
			a1 ^= r[1]
			a2 ^= r[2]
			a3 ^= r[3]
			a4 ^= r[4]
			a5 ^= r[5]
			a6 ^= r[6]
			a7 ^= r[7]
		}
		o := dst[8*w0 : 8*w0+64]
		binary.LittleEndian.PutUint64(o[0:], a0)
		binary.LittleEndian.PutUint64(o[8:], a1)
		binary.LittleEndian.PutUint64(o[16:], a2)
		binary.LittleEndian.PutUint64(o[24:], a3)
		binary.LittleEndian.PutUint64(o[32:], a4)
		binary.LittleEndian.PutUint64(o[40:], a5)
		binary.LittleEndian.PutUint64(o[48:], a6)
		binary.LittleEndian.PutUint64(o[56:], a7)
	}
}
