package bloom

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestFiltersAppendAtLeast checks Filters.AppendAtLeast in both layouts,
// interleaved (the vector kernel and the portable loop) and back to back,
// against the plain loop: 1024-bit filters (the kernel) and other widths,
// ranges that start and end inside a group, inside one group, on group
// edges and empty, cutoffs that keep none, some and all, popcounts past the
// table's end, keys appended after earlier ones; and that Row gives back
// what Set stored.
func TestFiltersAppendAtLeast(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, w := range []int{16, 8, 3, 32} {
		for _, n := range []int{0, 1, 7, 8, 9, 64, 250, 1027} {
			rows := make([]uint64, n*w)
			density := r.Float64()
			for i := range rows {
				for b := range 64 {
					if r.Float64() < density {
						rows[i] |= 1 << b
					}
				}
			}
			pops := make([]uint16, n)
			ids := make([]uint32, n)
			for k := range n {
				row := rows[k*w : (k+1)*w]
				pops[k] = uint16(andPopcountWords(row, row))
				ids[k] = r.Uint32()
			}
			layouts := []*Filters{newFilters(w, n, true), newFilters(w, n, false), NewFilters(w, n)}
			for _, x := range layouts {
				for k := range n {
					x.Set(k, rows[k*w:(k+1)*w], ids[k])
				}
				for k := range n {
					if got := x.Row(nil, k); !slices.Equal(got, rows[k*w:(k+1)*w]) || x.Popcount(k) != int(pops[k]) || x.ID(k) != ids[k] {
						t.Fatalf("%d words, interleaved %v, filter %d of %d: Row, Popcount or ID differs from what was set", w, x.interleaved, k, n)
					}
				}
			}
			x := layouts[0]
			q := make([]uint64, w)
			for i := range q {
				q[i] = r.Uint64() | r.Uint64()
			}
			pq := andPopcountWords(q, q)
			spans := [][2]int{{0, n}, {0, 0}}
			for range 12 {
				lo := r.IntN(n + 1)
				spans = append(spans, [2]int{lo, lo + r.IntN(n-lo+1)})
			}
			for _, mode := range []string{"dice", "none", "all", "random", "past-end"} {
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
				for _, sp := range spans {
					lo, hi := sp[0], sp[1]
					want := naiveAtLeast(q, rows[lo*w:hi*w], pops[lo:hi], ids[lo:hi], cut)
					prefix := []uint64{1, 2, 3}
					for _, x := range layouts {
						got := x.AppendAtLeast(slices.Clone(prefix), q, lo, hi, cut)
						if !slices.Equal(got[:3], prefix) || !slices.Equal(got[3:], want) {
							t.Fatalf("%d words, interleaved %v, filters [%d, %d) of %d, %s: %d keys, want %d", w, x.interleaved, lo, hi, n, mode, len(got)-3, len(want))
						}
					}
					if lo < hi {
						if got := x.appendAtLeastPortable(nil, q, lo, hi, cut); !slices.Equal(got, want) {
							t.Fatalf("%d words, filters [%d, %d) of %d, %s, portable: %d keys, want %d", w, lo, hi, n, mode, len(got), len(want))
						}
					}
				}
			}
		}
	}
}

// BenchmarkFiltersAppendAtLeast compares the layouts over the same
// 1024-bit random filters at a floor keeping about a fifth: interleaved
// (the AVX-512 kernel where the CPU has it), back to back (AppendAtLeast's
// kernels) and the interleaved portable loop.
func BenchmarkFiltersAppendAtLeast(b *testing.B) {
	const n, w = 2048, 16
	r := rand.New(rand.NewPCG(1, 1))
	q := make([]uint64, w)
	for i := range q {
		q[i] = r.Uint64() | r.Uint64()
	}
	inter, flat := newFilters(w, n, true), newFilters(w, n, false)
	row := make([]uint64, w)
	for k := range n {
		for i := range row {
			row[i] = r.Uint64() | r.Uint64()
		}
		inter.Set(k, row, uint32(k))
		flat.Set(k, row, uint32(k))
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
	run("interleaved", func() []uint64 { return inter.AppendAtLeast(dst[:0], q, 0, n, cut) })
	run("back-to-back", func() []uint64 { return flat.AppendAtLeast(dst[:0], q, 0, n, cut) })
	run("interleaved-portable", func() []uint64 { return inter.appendAtLeastPortable(dst[:0], q, 0, n, cut) })
}
