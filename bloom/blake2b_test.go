package bloom

import (
	"bytes"
	"testing"

	"golang.org/x/crypto/blake2b"
)

// TestBlake2bMatchesXCrypto checks the parameter-block BLAKE2b against
// x/crypto for everything x/crypto can express (no salt), across message
// lengths around the block boundaries, keyed and unkeyed.
func TestBlake2bMatchesXCrypto(t *testing.T) {
	msg := make([]byte, 300)
	for i := range msg {
		msg[i] = byte(i*7 + 3)
	}
	for _, keyLen := range []int{0, 1, 32, 64} {
		key := bytes.Repeat([]byte{0xA5}, keyLen)
		for _, size := range []int{32, 64} {
			b, err := newBlake2bKeyed(size, key, [16]byte{})
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range []int{0, 1, 55, 127, 128, 129, 255, 256, 257, 300} {
				want := func() []byte {
					h, err := blake2b.New(size, key)
					if err != nil {
						t.Fatal(err)
					}
					h.Write(msg[:n])
					return h.Sum(nil)
				}()
				got := b.sum(nil, msg[:n])
				if !bytes.Equal(got, want) {
					t.Errorf("key %d, size %d, msg %d: got %x want %x", keyLen, size, n, got, want)
				}
			}
		}
	}
}

// TestBlake2bSaltChangesOutput guards against a salt that is silently
// dropped: the salted digest must differ from the unsalted one.
func TestBlake2bSaltChangesOutput(t *testing.T) {
	var salt [16]byte
	salt[0] = '0'
	a, _ := newBlake2bKeyed(64, []byte("k"), [16]byte{})
	b, _ := newBlake2bKeyed(64, []byte("k"), salt)
	if bytes.Equal(a.sum(nil, []byte("x")), b.sum(nil, []byte("x"))) {
		t.Fatal("salt does not change the digest")
	}
	if _, err := newBlake2bKeyed(64, make([]byte, 65), salt); err == nil {
		t.Fatal("65-byte key accepted")
	}
}
