package bloom

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// DefaultBits is the default filter length in bits.
const DefaultBits = 1024

// CheckBits reports whether bits is a usable filter length: positive and a
// multiple of 64, so that every filter is a whole number of 64-bit words.
func CheckBits(bits int) error {
	if bits <= 0 || bits%64 != 0 {
		return fmt.Errorf("bloom: filter length %d bits is not a positive multiple of 64", bits)
	}
	return nil
}

// New returns an empty filter of the given length in bits. It panics if bits
// is not a positive multiple of 8; use CheckBits to validate user input.
func New(bits int) []byte {
	if bits <= 0 || bits%8 != 0 {
		panic("bloom: New with a length that is not a positive multiple of 8")
	}
	return make([]byte, bits/8)
}

// SetBit sets bit i of f. Bit 0 is the most significant bit of byte 0
// (clkhash's byte order).
func SetBit(f []byte, i int) { f[i>>3] |= 0x80 >> uint(i&7) }

// ClearBit clears bit i of f.
func ClearBit(f []byte, i int) { f[i>>3] &^= 0x80 >> uint(i&7) }

// FlipBit inverts bit i of f.
func FlipBit(f []byte, i int) { f[i>>3] ^= 0x80 >> uint(i&7) }

// Bit reports whether bit i of f is set.
func Bit(f []byte, i int) bool { return f[i>>3]&(0x80>>uint(i&7)) != 0 }

// Fold XOR-folds f once: bit i of the result is bit i XOR bit i+len/2 of f.
// The result is written to the first half of f, which is returned; len(f)
// must be even.
func Fold(f []byte) []byte {
	if len(f)%2 != 0 {
		panic("bloom: Fold of a filter with an odd number of bytes")
	}
	h := len(f) / 2
	lo, hi := f[:h], f[h:]
	for i := range lo {
		lo[i] ^= hi[i]
	}
	return lo
}

// FoldN XOR-folds f n times (see Fold) and returns the first len(f)>>n bytes
// of f. It returns an error if the length does not halve n times into whole
// 64-bit words.
func FoldN(f []byte, n int) ([]byte, error) {
	if n < 0 {
		return nil, fmt.Errorf("bloom: negative fold count %d", n)
	}
	if n > 0 && (len(f)%(8<<uint(n)) != 0) {
		return nil, fmt.Errorf("bloom: a %d-bit filter cannot be folded %d times into whole 64-bit words", len(f)*8, n)
	}
	for ; n > 0; n-- {
		f = Fold(f)
	}
	return f, nil
}

// EncodeBase64 returns f as standard base64 with padding, the way clkhash
// and anonlink serialise CLKs.
func EncodeBase64(f []byte) string { return base64.StdEncoding.EncodeToString(f) }

// AppendBase64 appends the standard base64 encoding of f to dst.
func AppendBase64(dst, f []byte) []byte { return base64.StdEncoding.AppendEncode(dst, f) }

// errBase64 does not wrap the decoder's error, which may quote input bytes.
var errBase64 = errors.New("bloom: CLK is not valid standard base64")

// DecodeBase64 decodes a CLK from standard base64 with padding. Embedded
// line breaks (as written by Python's base64.encodebytes) are ignored, as
// the standard decoder does. The error never quotes the input.
func DecodeBase64(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	out := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
	n, err := base64.StdEncoding.Decode(out, []byte(s))
	if err != nil {
		return nil, errBase64
	}
	return out[:n], nil
}
