package audit

import (
	"math/rand/v2"
	"testing"
)

// TestIntersectCounts: |R ∩ column| for every bit position, by whichever
// plan intersectCounts picks (a scan of R's rows for small sets, one
// AND-popcount of R against the padded columns for large ones), equals a
// plain count, for record counts that do and do not fill the columns'
// words.
func TestIntersectCounts(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 63, 64, 65, 511, 700, 4096} {
		const width = 128 // bytes: 1024-bit filters
		data := make([]byte, n*width)
		for i := range data {
			data[i] = byte(rng.Uint32() & rng.Uint32()) // about a quarter of the bits set
		}
		x := newMatrix(data, width)
		for _, share := range []float64{0, 0.001, 0.01, 0.2, 1} {
			R := newBitset(n)
			var members []int
			for r := range n {
				if rng.Float64() < share {
					R.set(r)
					members = append(members, r)
				}
			}
			counts := make([]int, x.m)
			x.intersectCounts(counts, R, members)
			for p := range x.m {
				want := 0
				for _, r := range members {
					if data[r*width+p/8]>>(p%8)&1 != 0 {
						want++
					}
				}
				if counts[p] != want {
					t.Fatalf("n %d, %d members: position %d counts %d, want %d", n, len(members), p, counts[p], want)
				}
			}
		}
	}
}
