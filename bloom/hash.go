package bloom

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"unicode/utf8"
)

// A HashScheme is a keyed way of turning a token into filter positions.
// Schemes are immutable and safe for concurrent use; each goroutine gets
// its own Hasher from NewHasher.
type HashScheme interface {
	// NewHasher returns a Hasher for filters of length bits (the length
	// before any folding). It fails if the scheme cannot address that
	// length.
	NewHasher(bits int) (Hasher, error)
}

// A Hasher maps tokens to positions. It keeps scratch state (hash
// contexts, buffers) so that hashing allocates nothing, and is therefore
// not safe for concurrent use.
type Hasher interface {
	// AppendPositions appends k positions in [0, bits) for token to dst.
	// Positions may repeat. The positions must form a stream: those for k
	// are the first k of those for any k' > k (the Encoder caches
	// positions per token and relies on this).
	AppendPositions(dst []uint32, token []byte, k int) []uint32
}

// RandomHashing returns the native scheme: random hashing (Schnell's
// "random hashing", never double hashing). Each token's positions are read
// from the output blocks HMAC-SHA256(key, c ‖ token) for the 4-byte
// big-endian counter c = 0, 1, ..., as 32-bit little-endian words, each
// reduced mod bits without bias (words in the incomplete top range are
// skipped). key should be a per-field subkey from HKDF; it must be at
// least 16 bytes.
func RandomHashing(key []byte) HashScheme {
	return randomScheme{key: append([]byte(nil), key...)}
}

type randomScheme struct{ key []byte }

func (s randomScheme) NewHasher(bits int) (Hasher, error) {
	if len(s.key) < 16 {
		return nil, errors.New("bloom: random hashing key is shorter than 16 bytes")
	}
	if bits <= 0 || bits > 1<<31 {
		return nil, fmt.Errorf("bloom: random hashing cannot address %d bits", bits)
	}
	l := uint64(bits)
	// Words ≥ limit would make position = word mod l biased; limit is the
	// largest multiple of l that fits in 2^32.
	limit := (uint64(1) << 32) / l * l
	return &randomHasher{mac: hmac.New(sha256.New, s.key), l: l, limit: limit}, nil
}

type randomHasher struct {
	mac   hash.Hash
	l     uint64
	limit uint64
	sum   [sha256.Size]byte
	ctr   [4]byte // here, not on the stack: passing it to Write would make it escape
}

func (h *randomHasher) AppendPositions(dst []uint32, token []byte, k int) []uint32 {
	for c, got := uint32(0), 0; got < k; c++ {
		binary.BigEndian.PutUint32(h.ctr[:], c)
		h.mac.Reset()
		h.mac.Write(h.ctr[:])
		h.mac.Write(token)
		sum := h.mac.Sum(h.sum[:0])
		for i := 0; i+4 <= len(sum) && got < k; i += 4 {
			w := uint64(binary.LittleEndian.Uint32(sum[i:]))
			if w >= h.limit {
				continue
			}
			dst = append(dst, uint32(w%h.l))
			got++
		}
	}
	return dst
}

// DoubleHashing returns clkhash's doubleHash scheme (Schnell et al.): a =
// HMAC-SHA1(sha1Key, token) and b = HMAC-MD5(md5Key, token), read as
// big-endian integers mod bits, give positions (a + j·b) mod bits. With
// preventSingularity, while b is 0 the MD5 HMAC is recomputed over token ‖
// UTF-8(chr(m)) for m = 0, 1, ... Double hashing is open to published
// attacks; it exists for clkhash compatibility only.
func DoubleHashing(sha1Key, md5Key []byte, preventSingularity bool) HashScheme {
	return doubleScheme{
		sha1Key: append([]byte(nil), sha1Key...),
		md5Key:  append([]byte(nil), md5Key...),
		prevent: preventSingularity,
	}
}

type doubleScheme struct {
	sha1Key, md5Key []byte
	prevent         bool
}

func (s doubleScheme) NewHasher(bits int) (Hasher, error) {
	if bits <= 0 || bits > 1<<31 {
		return nil, fmt.Errorf("bloom: double hashing cannot address %d bits", bits)
	}
	if s.prevent && bits < 2 {
		// Every b would be 0 forever (clkhash itself would never return).
		return nil, errors.New("bloom: prevent_singularity needs a filter of at least 2 bits")
	}
	return &doubleHasher{
		sha1: hmac.New(sha1.New, s.sha1Key), md5: hmac.New(md5.New, s.md5Key),
		l: uint64(bits), prevent: s.prevent,
	}, nil
}

type doubleHasher struct {
	sha1, md5 hash.Hash
	l         uint64
	prevent   bool
	buf       [sha1.Size]byte
	extra     []byte
}

// modBigEndian returns the big-endian integer b mod l (l < 2^32).
func modBigEndian(b []byte, l uint64) uint64 {
	var r uint64
	for _, x := range b {
		r = (r<<8 | uint64(x)) % l
	}
	return r
}

func (h *doubleHasher) mac(m hash.Hash, msg []byte) uint64 {
	m.Reset()
	m.Write(msg)
	return modBigEndian(m.Sum(h.buf[:0]), h.l)
}

func (h *doubleHasher) AppendPositions(dst []uint32, token []byte, k int) []uint32 {
	if k <= 0 {
		return dst
	}
	a := h.mac(h.sha1, token)
	b := h.mac(h.md5, token)
	if h.prevent {
		for m := rune(0); b == 0; m++ {
			h.extra = utf8.AppendRune(append(h.extra[:0], token...), m)
			b = h.mac(h.md5, h.extra)
		}
	}
	for j := uint64(0); j < uint64(k); j++ {
		// a, b < l < 2^32 and j < 2^31, so j·b fits in 64 bits.
		dst = append(dst, uint32((a+j*b)%h.l))
	}
	return dst
}

// BlakeHashing returns clkhash's blakeHash scheme: for rounds m = 0 ..
// ⌈k/32⌉−1, d = BLAKE2b-512(token, key, salt = ASCII decimal m padded with
// zero bytes to 16); d is read as 32 little-endian uint16 words, the rounds
// are concatenated, and position j is word j mod bits. bits must be a power
// of two; key at most 64 bytes.
func BlakeHashing(key []byte) HashScheme {
	return blakeScheme{key: append([]byte(nil), key...)}
}

type blakeScheme struct{ key []byte }

func (s blakeScheme) NewHasher(bits int) (Hasher, error) {
	if bits <= 0 || bits&(bits-1) != 0 {
		return nil, fmt.Errorf("bloom: blakeHash needs a filter length that is a power of two, not %d bits", bits)
	}
	if len(s.key) > 64 {
		return nil, errors.New("bloom: blakeHash key is longer than 64 bytes (BLAKE2b's limit)")
	}
	return &blakeHasher{key: s.key, mask: uint32(bits - 1)}, nil
}

type blakeHasher struct {
	key    []byte
	mask   uint32
	rounds []*blake2bKeyed // rounds[m] is keyed with salt "m"
	buf    [64]byte
}

func (h *blakeHasher) round(m int) *blake2bKeyed {
	for len(h.rounds) <= m {
		var salt [16]byte
		copy(salt[:], strconv.Itoa(len(h.rounds)))
		b, err := newBlake2bKeyed(64, h.key, salt)
		if err != nil {
			panic(err) // key length was checked in NewHasher
		}
		h.rounds = append(h.rounds, b)
	}
	return h.rounds[m]
}

func (h *blakeHasher) AppendPositions(dst []uint32, token []byte, k int) []uint32 {
	for m := 0; k > 0; m++ {
		d := h.round(m).sum(h.buf[:0], token)
		for j := 0; j < 32 && k > 0; j++ {
			// mask = bits−1 for a power of two; for bits > 65536 the
			// word is below bits already, as in clkhash.
			dst = append(dst, uint32(binary.LittleEndian.Uint16(d[2*j:]))&h.mask)
			k--
		}
	}
	return dst
}
