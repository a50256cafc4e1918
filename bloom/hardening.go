package bloom

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// A Hardening is one opt-in transformation of a finished filter, applied by
// the Encoder after folding, in Config order. Implementations are immutable
// and safe for concurrent use; NewStep gives each Encoder its own step
// function with private scratch state. The keyed diffusion layer and any
// future step plug in by implementing this interface.
type Hardening interface {
	// OutputBits returns the length in bits of the step's output for an
	// input of inBits bits, or an error if the step cannot take inBits.
	OutputBits(inBits int) (int, error)
	// NewStep returns the step function: it writes the hardened form of
	// src to dst, which has OutputBits(len(src)·8)/8 bytes and does not
	// overlap src, and must overwrite all of dst. The output must depend
	// only on src and the Hardening's own parameters (and keys), so that
	// re-encoding the same record gives the same bytes.
	NewStep() func(dst, src []byte)
}

// HardeningFunc adapts a stateless length-preserving function to the
// Hardening interface.
type HardeningFunc func(dst, src []byte)

// OutputBits implements Hardening: the length is unchanged.
func (HardeningFunc) OutputBits(inBits int) (int, error) { return inBits, nil }

// NewStep implements Hardening.
func (f HardeningFunc) NewStep() func(dst, src []byte) { return f }

// XORFold returns a hardening step that XOR-folds the filter once, halving
// it (Schnell 2016). Prefer Config.Folds when the folded length is the
// target length: it hashes into the longer filter first, as clkhash does.
func XORFold() Hardening { return xorFold{} }

type xorFold struct{}

func (xorFold) OutputBits(inBits int) (int, error) {
	if inBits%128 != 0 {
		return 0, fmt.Errorf("bloom: cannot XOR-fold %d bits into whole 64-bit words", inBits)
	}
	return inBits / 2, nil
}

func (xorFold) NewStep() func(dst, src []byte) {
	return func(dst, src []byte) {
		h := len(src) / 2
		for i := range dst {
			dst[i] = src[i] ^ src[h+i]
		}
	}
}

// Balance returns the balancing step (Berger et al.): the output is the
// filter followed by its complement, doubling the length, so every output
// has exactly half its bits set and popcounts reveal nothing. With a
// non-nil key (at least 16 bytes) the doubled filter's bits are then
// permuted by a keyed permutation (Fisher–Yates driven by ChaCha8 seeded
// with HMAC-SHA256(key, "balance-permutation")), so complement bits do not
// sit at known places.
func Balance(key []byte) Hardening {
	return balance{key: append([]byte(nil), key...), keyed: key != nil}
}

type balance struct {
	key   []byte
	keyed bool
}

func (b balance) OutputBits(inBits int) (int, error) {
	if b.keyed && len(b.key) < 16 {
		return 0, errors.New("bloom: balancing permutation key is shorter than 16 bytes")
	}
	return 2 * inBits, nil
}

func (b balance) NewStep() func(dst, src []byte) {
	if !b.keyed {
		return func(dst, src []byte) {
			n := copy(dst, src)
			for i, c := range src {
				dst[n+i] = ^c
			}
		}
	}
	var perm []uint32 // perm[i] is the output position of doubled bit i
	var tmp []byte
	return func(dst, src []byte) {
		n := 2 * len(src) * 8
		if len(perm) != n {
			perm = keyedPermutation(b.key, n)
			tmp = make([]byte, 2*len(src))
		}
		copy(tmp, src)
		for i, c := range src {
			tmp[len(src)+i] = ^c
		}
		clear(dst)
		for i, p := range perm {
			if tmp[i>>3]&(0x80>>uint(i&7)) != 0 {
				dst[p>>3] |= 0x80 >> (p & 7)
			}
		}
	}
}

// keyedPermutation returns a permutation of 0..n−1 determined by key.
func keyedPermutation(key []byte, n int) []uint32 {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("pprl/bloom/balance-permutation"))
	var seed [32]byte
	copy(seed[:], mac.Sum(nil))
	r := rand.New(rand.NewChaCha8(seed))
	perm := make([]uint32, n)
	for i := range perm {
		perm[i] = uint32(i)
	}
	for i := n - 1; i > 0; i-- {
		j := r.IntN(i + 1)
		perm[i], perm[j] = perm[j], perm[i]
	}
	return perm
}

// BLIP returns the BLoom-and-flIP step (Schnell & Borgs 2016): each bit is
// flipped independently with probability flip (0 < flip < 0.5, quantised
// to a multiple of 2^-16). The coin flips are keyed and deterministic per
// record: a ChaCha8 stream seeded with HMAC-SHA256(key, filter), so
// re-encoding the same record under the same key gives the same bytes,
// while without the key the flips look random. key must be at least 16
// bytes.
func BLIP(key []byte, flip float64) Hardening {
	return blip{key: append([]byte(nil), key...), flip: flip}
}

type blip struct {
	key  []byte
	flip float64
}

func (b blip) threshold() uint32 { return uint32(math.Round(b.flip * 65536)) }

func (b blip) OutputBits(inBits int) (int, error) {
	if len(b.key) < 16 {
		return 0, errors.New("bloom: BLIP key is shorter than 16 bytes")
	}
	if !(b.flip > 0 && b.flip < 0.5) || b.threshold() == 0 {
		return 0, fmt.Errorf("bloom: BLIP flip probability %v is not in (0, 0.5)", b.flip)
	}
	return inBits, nil
}

func (b blip) NewStep() func(dst, src []byte) {
	mac := hmac.New(sha256.New, b.key)
	var sum [sha256.Size]byte
	rng := rand.NewChaCha8([32]byte{})
	t := b.threshold()
	return func(dst, src []byte) {
		mac.Reset()
		mac.Write(src)
		rng.Seed([32]byte(mac.Sum(sum[:0])))
		copy(dst, src)
		n := len(src) * 8
		// Each 64-bit draw gives four 16-bit coins; bit i flips when its
		// coin is below t (probability t/65536).
		for i := 0; i < n; i += 4 {
			w := rng.Uint64()
			for j := 0; j < 4 && i+j < n; j++ {
				if uint32(w>>(16*uint(j)))&0xffff < t {
					p := i + j
					dst[p>>3] ^= 0x80 >> uint(p&7)
				}
			}
		}
	}
}
