package linkage

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// radixSortEntries orders entries as a stable sort by key does (records of
// one key in record order), at sizes on both sides of its small-slice
// fallback and with repeated keys.
func TestRadixSortEntries(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{0, 1, 10, 255, 256, 5000} {
		for _, keys := range []int{3, 1 << 40} {
			es := make([]tokenEntry, n)
			for i := range es {
				es[i] = tokenEntry{key: rng.Uint64N(uint64(keys)) * 0x9e3779b97f4a7c15, idx: uint32(i)}
			}
			want := slices.Clone(es)
			slices.SortStableFunc(want, func(x, y tokenEntry) int { return cmp.Compare(x.key, y.key) })
			radixSortEntries(es)
			if !slices.Equal(es, want) {
				t.Errorf("n=%d, %d key values: radix order differs from the stable sort", n, keys)
			}
		}
	}
}
