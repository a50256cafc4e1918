package bloom

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// generalGrams is NGram hidden from addField's packed path: the same
// tokens, taken through Tokens and message.
type generalGrams struct{ NGram }

func (g generalGrams) AppendTokens(t *Tokens, value string) error {
	return g.NGram.AppendTokens(t, value)
}

// TestGramKeys checks that the packed path sets exactly the bits the
// general one does, for every n-gram configuration, salt, encoding and
// bit strategy, on values that take it and values that do not (non-ASCII,
// long, empty), and that its words are packMessage(message(token)).
func TestGramKeys(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	values := []string{"", "a", "ab", "anna", "o'neill-smith", "20250331", "eh1 1aa", "  ", "x y",
		"siobhán", strings.Repeat("long", 40), strings.Repeat("q", 7), strings.Repeat("7", 9), "\x00\x7f"}
	for range 200 {
		b := make([]byte, 1+rng.IntN(14))
		for i := range b {
			b[i] = byte(32 + rng.IntN(95))
		}
		values = append(values, string(b))
	}
	salts := []string{"", "1980", "19801", "x"}
	tested := 0
	for _, n := range []int{1, 2, 3} {
		for _, pos := range []bool{false, true} {
			for _, salted := range []bool{false, true} {
				for _, enc := range []TextEncoding{UTF8, ASCII, UTF16} {
					for _, k := range []struct{ perToken, perFeature int }{{20, 0}, {8, 0}, {0, 100}} {
						g := NGram{N: n, Positional: pos}
						field := func(tok Tokenizer) Config {
							return Config{Bits: 1024, Fields: []Field{{Name: "f", Tokenizer: tok, Hash: RandomHashing(testKey),
								BitsPerToken: k.perToken, BitsPerFeature: k.perFeature, Encoding: enc, Salted: salted}}}
						}
						fast, slow := mustEncoder(t, field(g)), mustEncoder(t, field(generalGrams{g}))
						name := fmt.Sprintf("n=%d positional=%v salted=%v encoding=%d k=%v", n, pos, salted, enc, k)
						for _, v := range values {
							for _, salt := range salts {
								a, errA := fast.EncodeSalted(nil, []string{v}, salt)
								b, errB := slow.EncodeSalted(nil, []string{v}, salt)
								if (errA == nil) != (errB == nil) || !bytes.Equal(a, b) {
									t.Fatalf("%s: value %q salt %q: packed path %x (%v), general %x (%v)", name, v, salt, a, errA, b, errB)
								}
								if enc == UTF16 {
									continue
								}
								var prefix []byte
								if salted {
									prefix = append(binary.AppendUvarint(nil, uint64(len(salt))), salt...)
								}
								keys, ok := gramKeys(nil, g, v, prefix)
								if !ok {
									continue
								}
								tested++
								var toks Tokens
								g.AppendTokens(&toks, v)
								if len(keys) != toks.Len() {
									t.Fatalf("%s: value %q: %d keys for %d tokens", name, v, len(keys), toks.Len())
								}
								for j := range keys {
									msg := append(append([]byte(nil), prefix...), toks.At(j)...)
									if want := packMessage(msg); keys[j] != want {
										t.Fatalf("%s: value %q token %d: key %x, want %x", name, v, j, keys[j], want)
									}
									var buf [maxPacked]byte
									if got := unpackMessage(&buf, keys[j]); !bytes.Equal(got, msg) {
										t.Fatalf("unpackMessage gives %q, want %q", got, msg)
									}
								}
							}
						}
					}
				}
			}
		}
	}
	if tested < 1000 {
		t.Fatalf("only %d values took the packed path", tested)
	}
}

// TestGramKeysWidths runs the packed path at other filter widths: masks
// OR-ed word by word (not 1024 bits), and positions kept in the arena
// where the filter has more than 1<<16 bits (folded, a position lost
// above them would land on the same bit: 1<<17 bits unfolded shows it).
func TestGramKeysWidths(t *testing.T) {
	for _, w := range []struct{ bits, folds int }{{512, 0}, {2048, 0}, {1024, 7}, {1 << 17, 0}, {64, 1}} {
		for _, k := range []int{20, 8} {
			cfg := func(tok Tokenizer) Config {
				return Config{Bits: w.bits, Folds: w.folds, Fields: []Field{{Name: "f", Tokenizer: tok, Hash: RandomHashing(testKey), BitsPerToken: k, Salted: true}}}
			}
			fast, slow := mustEncoder(t, cfg(NGram{N: 2})), mustEncoder(t, cfg(generalGrams{NGram{N: 2}}))
			for _, v := range []string{"anna", "o'neill-smith", "x", "eh1 1aa"} {
				a, _ := fast.EncodeSalted(nil, []string{v}, "1980")
				want, _ := slow.EncodeSalted(nil, []string{v}, "1980")
				if !bytes.Equal(a, want) {
					t.Fatalf("%d bits, %d folds, k=%d, %q: packed path and general path differ", w.bits, w.folds, k, v)
				}
			}
		}
	}
}

// TestGramKeysCacheFull runs the packed path through many cache
// emptyings (maxMaskEntries and maxCacheEntries distinct messages and
// more), some in the middle of a value, against the general path.
func TestGramKeysCacheFull(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, k := range []int{20, 8} {
		cfg := func(tok Tokenizer) Config {
			return Config{Bits: 1024, Fields: []Field{{Name: "f", Tokenizer: tok, Hash: RandomHashing(testKey), BitsPerToken: k, Salted: true}}}
		}
		fast, slow := mustEncoder(t, cfg(NGram{N: 2})), mustEncoder(t, cfg(generalGrams{NGram{N: 2}}))
		for i := range 12000 {
			b := make([]byte, 30)
			for j := range b {
				b[j] = byte(32 + rng.IntN(95))
			}
			salt := fmt.Sprint(1900 + rng.IntN(100))
			a, _ := fast.EncodeSalted(nil, []string{string(b)}, salt)
			want, _ := slow.EncodeSalted(nil, []string{string(b)}, salt)
			if !bytes.Equal(a, want) {
				t.Fatalf("k=%d, value %d: packed path and general path differ", k, i)
			}
		}
	}
}
