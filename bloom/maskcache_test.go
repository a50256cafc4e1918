package bloom

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestMaskCacheSameBits: a field of maskMinBits or more bits a token (masks)
// sets exactly the bits that the same field spread over the value
// (BitsPerFeature = k × tokens, so k a token, through posCache) sets, for
// values with long and short tokens, repeated values (cache hits) and more
// distinct tokens than the cache holds (it empties and refills).
func TestMaskCacheSameBits(t *testing.T) {
	const k = 20
	rng := rand.New(rand.NewPCG(1, 2))
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('a' + rng.IntN(26))
		}
		return string(b)
	}
	var values []string
	for i := 0; i < 6000; i++ {
		values = append(values, word(2+rng.IntN(9)))
	}
	values = append(values, values[:500]...) // seen before: from the cache
	for _, tc := range []struct {
		name string
		tok  Tokenizer
		hash HashScheme
	}{
		{"trigrams, random hashing (packed keys)", NGram{N: 3}, RandomHashing(testKey)},
		{"whole values, double hashing (string keys)", Exact{}, DoubleHashing(testKey, testKey, false)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			masked := mustEncoder(t, Config{Bits: 1024, Fields: []Field{{Name: "f", Tokenizer: tc.tok, Hash: tc.hash, BitsPerToken: k}}})
			distinct := map[string]bool{}
			for _, v := range values {
				var toks Tokens
				if err := tc.tok.AppendTokens(&toks, v); err != nil {
					t.Fatal(err)
				}
				for j := 0; j < toks.Len(); j++ {
					distinct[string(toks.At(j))] = true
				}
				spread := mustEncoder(t, Config{Bits: 1024, Fields: []Field{{Name: "f", Tokenizer: tc.tok, Hash: tc.hash, BitsPerFeature: k * toks.Len()}}})
				got, err := masked.Encode(nil, []string{v})
				if err != nil {
					t.Fatal(err)
				}
				want, err := spread.Encode(nil, []string{v})
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("value %d: masks and positions set different bits", len(distinct))
				}
			}
			if tc.name[0] == 't' && len(distinct) <= maxMaskEntries {
				t.Fatalf("only %d distinct tokens: the cache never refilled", len(distinct))
			}
		})
	}
}
