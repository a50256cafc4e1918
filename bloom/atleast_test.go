package bloom

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// naiveAtLeast is AppendAtLeast written plainly.
func naiveAtLeast(q, data []uint64, pops []uint16, ids []uint32, cut []uint32) []uint64 {
	var out []uint64
	w := len(q)
	for k := range pops {
		c := andPopcountWords(q, data[k*w:(k+1)*w])
		if uint32(c) >= cut[min(int(pops[k]), len(cut)-1)] {
			out = append(out, uint64(ids[k])<<16|uint64(c))
		}
	}
	return out
}

// TestAppendAtLeast checks the kernel and the portable loop against the
// plain loop: 1024-bit filters (the vector kernel) and others, counts that
// are and are not multiples of 8, cutoffs that keep none, some and all, true
// popcounts and popcounts past the table's end, and keys appended after
// earlier ones.
func TestAppendAtLeast(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, w := range []int{16, 8, 4, 3, 32} {
		for _, n := range []int{0, 1, 7, 8, 9, 64, 250, 1027} {
			for _, mode := range []string{"dice", "none", "all", "random", "past-end"} {
				data := make([]uint64, (n+1)*w)
				density := r.Float64()
				for i := range data {
					for b := range 64 {
						if r.Float64() < density {
							data[i] |= 1 << b
						}
					}
				}
				q, rows := data[:w], data[w:]
				pops := make([]uint16, n)
				ids := make([]uint32, n)
				for k := range n {
					pops[k] = uint16(andPopcountWords(rows[k*w:(k+1)*w], rows[k*w:(k+1)*w]))
					ids[k] = r.Uint32()
				}
				pq := andPopcountWords(q, q)
				cut := make([]uint32, w*64+1)
				for pb := range cut {
					switch mode {
					case "dice", "past-end":
						cut[pb] = uint32(0.8 * float64(pq+pb) / 2)
					case "none":
						cut[pb] = uint32(w*64 + 1)
					case "random":
						cut[pb] = uint32(r.IntN(w*64 + 2))
					}
				}
				if mode == "past-end" {
					cut = cut[:len(cut)/2+1]
				}
				want := naiveAtLeast(q, rows, pops, ids, cut)
				prefix := []uint64{1, 2, 3}
				got := AppendAtLeast(slices.Clone(prefix), q, rows, pops, ids, cut)
				if !slices.Equal(got[:3], prefix) || !slices.Equal(got[3:], want) {
					t.Fatalf("%d words, %d filters, %s: %d keys, want %d", w, n, mode, len(got)-3, len(want))
				}
				if got := appendAtLeastPortable(nil, q, rows, pops, ids, cut); !slices.Equal(got, want) {
					t.Fatalf("%d words, %d filters, %s, portable: %d keys, want %d", w, n, mode, len(got), len(want))
				}
			}
		}
	}
}

// BenchmarkAppendAtLeast compares the fused kernel with the counts-then-
// test loop on 1024-bit random filters at a floor keeping about a fifth.
func BenchmarkAppendAtLeast(b *testing.B) {
	const n, w = 2048, 16
	r := rand.New(rand.NewPCG(1, 1))
	data := make([]uint64, (n+1)*w)
	for i := range data {
		data[i] = r.Uint64() | r.Uint64()
	}
	q, rows := data[:w], data[w:]
	pops := make([]uint16, n)
	ids := make([]uint32, n)
	for k := range n {
		pops[k] = uint16(andPopcountWords(rows[k*w:(k+1)*w], rows[k*w:(k+1)*w]))
		ids[k] = uint32(k)
	}
	pq := andPopcountWords(q, q)
	cut := make([]uint32, w*64+1)
	for pb := range cut {
		cut[pb] = uint32(0.755 * float64(pq+pb) / 2)
	}
	dst := make([]uint64, 0, n+8)
	run := func(name string, f func() []uint64) {
		b.Run(name, func(b *testing.B) {
			kept := 0
			for b.Loop() {
				kept = len(f())
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "cmp/s")
			b.ReportMetric(float64(kept)/n, "kept")
		})
	}
	run("fused", func() []uint64 { return AppendAtLeast(dst[:0], q, rows, pops, ids, cut) })
	run("portable", func() []uint64 { return appendAtLeastPortable(dst[:0], q, rows, pops, ids, cut) })
}
