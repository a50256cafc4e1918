package bloom

import (
	"math/rand/v2"
	"testing"
)

// TestPackedTable checks the open-addressing table against a map through
// puts (new keys and replacements), lookups of present and absent keys,
// growth from empty past several doublings, and clears; keys include 0 and
// the largest packed message.
func TestPackedTable(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var tab packedTable[cacheEntry]
	want := map[uint64]cacheEntry{}
	key := func() uint64 {
		switch r.IntN(4) {
		case 0:
			return uint64(r.IntN(64)) // few small keys: replacements
		case 1:
			return packMessage([]byte{byte(r.IntN(256)), byte(r.IntN(256))})
		default:
			return r.Uint64() &^ (1 << 63)
		}
	}
	check := func(k uint64) {
		t.Helper()
		got, ok := tab.get(k)
		w, wok := want[k]
		if ok != wok || got != w {
			t.Fatalf("get(%#x) = %v, %v; want %v, %v", k, got, ok, w, wok)
		}
	}
	for round := range 3 {
		for i := range 5000 * (round + 1) {
			k := key()
			e := cacheEntry{start: uint32(i), n: uint32(round)}
			tab.put(k, e)
			want[k] = e
			check(k)
			check(key())
		}
		for _, k := range []uint64{0, packMessage([]byte("\xff\xff\xff\xff\xff\xff\xff"))} {
			check(k)
		}
		if tab.len() != len(want) {
			t.Fatalf("round %d: %d entries, want %d", round, tab.len(), len(want))
		}
		for k := range want {
			check(k)
		}
		tab.clear()
		clear(want)
		check(5)
	}
}
