package linkage

import (
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// The cutoffs must be exactly dice's test: every And count at or above
// cutoffs[pa+pb] reaches t, every one below does not, for floors whose
// products round either way.
func TestCutoffsAreDiceTest(t *testing.T) {
	for _, floor := range []float64{0, 0.5, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1, 1.2} {
		cut := cutoffs(floor, 600)
		for pa := 0; pa <= 300; pa += 7 {
			for pb := 0; pb <= 300; pb++ {
				c := int(cut[pa+pb])
				if c > pa+pb+1 {
					t.Fatalf("cutoff for %d+%d at %v = %d beyond the sum", pa, pb, floor, c)
				}
				for and := 0; and <= min(pa, pb); and++ {
					if got, want := and >= c, dice(and, pa, pb) >= floor; got != want {
						t.Fatalf("t=%v pa=%d pb=%d and=%d: cutoff %d says %v, dice %v", floor, pa, pb, and, c, got, want)
					}
				}
			}
		}
	}
}

// sortKeys orders keys by their record bits, whichever digits are shared.
func TestSortKeys(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		n     int
		width uint
	}{{0, 13}, {1, 13}, {63, 13}, {64, 13}, {1000, 13}, {5000, 13}, {3000, 23}, {3000, 32}, {500, 1}} {
		ids := r.Perm(1 << min(tc.width, 20))[:min(tc.n, 1<<min(tc.width, 20))]
		keys := make([]uint64, len(ids))
		for i, id := range ids {
			if tc.width == 32 {
				id |= 0xAB << 24 // a shared top digit: its pass is skipped
			}
			keys[i] = uint64(uint32(id))<<16 | uint64(r.IntN(1<<16))
		}
		want := slices.Clone(keys)
		slices.Sort(want)
		got, _ := sortKeys(keys, nil, 16, tc.width)
		if !slices.Equal(got, want) {
			t.Errorf("n=%d width=%d: not sorted by record", tc.n, tc.width)
		}
	}
}

// TestOrderedPairs: chunks finished in any order are written in chunk
// order, the first chunk's share sizing the slice and later, larger chunks
// growing it; the fill sees exactly its own room. It fails if a chunk may
// write before the one before it, or if a growth loses written pairs.
func TestOrderedPairs(t *testing.T) {
	const chunks = 12
	sizes := make([]int, chunks)
	var want []Pair
	for c := range sizes {
		sizes[c] = c * c % 7 * 3 // 0 first: nothing to estimate from
		for k := range sizes[c] {
			want = append(want, Pair{A: uint32(c), B: uint32(k)})
		}
	}
	o := newOrderedPairs(chunks, 0)
	var wg sync.WaitGroup
	for c := chunks - 1; c >= 0; c-- { // the last chunks ready first
		wg.Go(func() {
			o.write(c, 1, sizes[c], func(dst []Pair) {
				if len(dst) != sizes[c] {
					t.Errorf("chunk %d: room for %d pairs, want %d", c, len(dst), sizes[c])
				}
				for k := range dst {
					dst[k] = Pair{A: uint32(c), B: uint32(k)}
				}
			})
		})
	}
	wg.Wait()
	if got := o.result(); !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if newOrderedPairs(3, 0).result() != nil {
		t.Error("no pairs written, yet a non-nil result")
	}
}
