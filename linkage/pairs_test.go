package linkage

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestPairsFromKeys: the non-temporal path writes exactly the pairs the
// Go loop does, for runs below and above its threshold, and nothing
// around them.
func TestPairsFromKeys(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	sentinel := Pair{A: 0xdead, B: 0xbeef, And: 7, Rules: 9}
	for _, n := range []int{0, 1, 63, 64, 65, 200, 1000} {
		keys := make([]uint64, n)
		for i := range keys {
			keys[i] = uint64(rng.Uint32())<<16 | uint64(rng.Uint32()&0xffff)
		}
		a := rng.Uint32()
		want := make([]Pair, n)
		pairsFromKeysGo(want, a, keys)
		buf := make([]Pair, n+2)
		for i := range buf {
			buf[i] = sentinel
		}
		pairsFromKeys(buf[1:n+1], a, keys)
		if !slices.Equal(buf[1:n+1], want) {
			t.Fatalf("n=%d: pairs differ from the Go loop's", n)
		}
		if buf[0] != sentinel || buf[n+1] != sentinel {
			t.Fatalf("n=%d: wrote outside its pairs", n)
		}
		for i, p := range want {
			if p.A != a || p.B != uint32(keys[i]>>16) || p.And != uint16(keys[i]) || p.Rules != 0 {
				t.Fatalf("n=%d: pair %d is %+v", n, i, p)
			}
		}
	}
}
