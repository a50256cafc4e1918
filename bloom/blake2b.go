package bloom

import (
	"encoding/binary"
	"errors"
	"math/bits"
)

// This file implements BLAKE2b (RFC 7693) with the full parameter block,
// because clkhash's blakeHash sets the salt field (bytes 32..47 of the
// parameter block), which golang.org/x/crypto/blake2b does not expose. It is
// the standard hash, parameterised; no new primitive. Tests check it
// against x/crypto/blake2b for unsalted keyed and unkeyed inputs and against
// clkhash's CLKs for salted ones.

var blake2bIV = [8]uint64{
	0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
	0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
}

var blake2bSigma = [12][16]uint8{
	{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
	{14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
	{11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
	{7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
	{9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
	{2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
	{12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
	{13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
	{6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
	{10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
	{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
	{14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
}

const blake2bBlock = 128

// blake2bCompress is the BLAKE2b compression function F: t is the byte
// counter after this block, last marks the final block.
func blake2bCompress(h *[8]uint64, block *[blake2bBlock]byte, t uint64, last bool) {
	var m [16]uint64
	for i := range m {
		m[i] = binary.LittleEndian.Uint64(block[i*8:])
	}
	var v [16]uint64
	copy(v[:8], h[:])
	copy(v[8:], blake2bIV[:])
	v[12] ^= t // the high counter word stays 0: inputs are far below 2^64 bytes
	if last {
		v[14] = ^v[14]
	}
	g := func(a, b, c, d int, x, y uint64) {
		v[a] += v[b] + x
		v[d] = bits.RotateLeft64(v[d]^v[a], -32)
		v[c] += v[d]
		v[b] = bits.RotateLeft64(v[b]^v[c], -24)
		v[a] += v[b] + y
		v[d] = bits.RotateLeft64(v[d]^v[a], -16)
		v[c] += v[d]
		v[b] = bits.RotateLeft64(v[b]^v[c], -63)
	}
	for r := range blake2bSigma {
		s := &blake2bSigma[r]
		g(0, 4, 8, 12, m[s[0]], m[s[1]])
		g(1, 5, 9, 13, m[s[2]], m[s[3]])
		g(2, 6, 10, 14, m[s[4]], m[s[5]])
		g(3, 7, 11, 15, m[s[6]], m[s[7]])
		g(0, 5, 10, 15, m[s[8]], m[s[9]])
		g(1, 6, 11, 12, m[s[10]], m[s[11]])
		g(2, 7, 8, 13, m[s[12]], m[s[13]])
		g(3, 4, 9, 14, m[s[14]], m[s[15]])
	}
	for i := range h {
		h[i] ^= v[i] ^ v[i+8]
	}
}

// blake2bKeyed computes keyed BLAKE2b with a 16-byte salt and no
// personalisation. Its state after the key block is computed once, so each
// message costs one compression per 128 bytes.
type blake2bKeyed struct {
	size   int
	keyLen int
	start  [8]uint64 // state after absorbing the key block (or initial state if no key)
	init   [8]uint64 // initial state (for keyed hashing of the empty message)
	key    [blake2bBlock]byte
}

func newBlake2bKeyed(size int, key []byte, salt [16]byte) (*blake2bKeyed, error) {
	if size < 1 || size > 64 {
		return nil, errors.New("bloom: BLAKE2b digest size must be 1..64 bytes")
	}
	if len(key) > 64 {
		return nil, errors.New("bloom: BLAKE2b key is longer than 64 bytes")
	}
	b := &blake2bKeyed{size: size, keyLen: len(key)}
	// Parameter block (RFC 7693 §2.5 / BLAKE2 spec §2.8), 64 bytes:
	// digest length, key length, fanout 1, depth 1, leaf length 0,
	// node offset 0, node depth 0, inner length 0, reserved, salt at
	// bytes 32..47, personalisation at 48..63 (zero).
	var p [64]byte
	p[0] = byte(size)
	p[1] = byte(len(key))
	p[2] = 1
	p[3] = 1
	copy(p[32:48], salt[:])
	for i := range b.init {
		b.init[i] = blake2bIV[i] ^ binary.LittleEndian.Uint64(p[i*8:])
	}
	b.start = b.init
	if len(key) > 0 {
		copy(b.key[:], key)
		blake2bCompress(&b.start, &b.key, blake2bBlock, false)
	}
	return b, nil
}

// sum appends the digest of msg to dst.
func (b *blake2bKeyed) sum(dst, msg []byte) []byte {
	h := b.start
	var t uint64
	var block [blake2bBlock]byte
	if b.keyLen > 0 {
		t = blake2bBlock
		if len(msg) == 0 {
			// The key block is the only, hence last, block.
			h = b.init
			blake2bCompress(&h, &b.key, blake2bBlock, true)
			return b.out(dst, &h)
		}
	}
	for len(msg) > blake2bBlock {
		copy(block[:], msg[:blake2bBlock])
		t += blake2bBlock
		blake2bCompress(&h, &block, t, false)
		msg = msg[blake2bBlock:]
	}
	block = [blake2bBlock]byte{}
	copy(block[:], msg)
	t += uint64(len(msg))
	blake2bCompress(&h, &block, t, true)
	return b.out(dst, &h)
}

func (b *blake2bKeyed) out(dst []byte, h *[8]uint64) []byte {
	var full [64]byte
	for i := range h {
		binary.LittleEndian.PutUint64(full[i*8:], h[i])
	}
	return append(dst, full[:b.size]...)
}
