package benchmarks

import (
	"math/bits"
	"math/rand/v2"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/pprl/pprl/bloom"
)

// Dice comparison throughput, one query against many filters stored
// contiguously, beside a naive byte-by-byte baseline measured in the same
// run. cmp/s counts filter pairs compared per second of wall time by one
// goroutine; cmp/cpu-s divides by the CPU time of the benchmark's OS thread
// instead, which is the per-core rate even when other processes share the
// machine. Build with -tags purego to measure the portable kernel instead
// of AVX-512.

// diceFilters returns n random filters of nbits bits with CLK-like
// densities (25–45% of bits set).
func diceFilters(n, nbits int, seed uint64) [][]byte {
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([][]byte, n)
	for i := range out {
		f := make([]byte, nbits/8)
		d := 0.25 + 0.2*r.Float64()
		for j := 0; j < nbits; j++ {
			if r.Float64() < d {
				bloom.SetBit(f, j)
			}
		}
		out[i] = f
	}
	return out
}

// naiveDice is the baseline: popcounts byte by byte, every pair scored.
func naiveDice(a, b []byte) float64 {
	and, pa, pb := 0, 0, 0
	for i := range a {
		and += bits.OnesCount8(a[i] & b[i])
		pa += bits.OnesCount8(a[i])
		pb += bits.OnesCount8(b[i])
	}
	if pa+pb == 0 {
		return 0
	}
	return 2 * float64(and) / float64(pa+pb)
}

// threadCPU returns the CPU time used so far by the calling OS thread
// (getrusage RUSAGE_THREAD; Linux).
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// perCore runs body b.N times on a locked OS thread and reports perOp
// comparisons per op as cmp/s (wall) and cmp/cpu-s (thread CPU time).
func perCore(b *testing.B, perOp int, body func()) { perCoreUnit(b, perOp, "cmp", body) }

// perCoreUnit is perCore reporting unit/s and unit/cpu-s.
func perCoreUnit(b *testing.B, perOp int, unit string, body func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	t0 := threadCPU()
	for i := 0; i < b.N; i++ {
		body()
	}
	cpu := threadCPU() - t0
	b.StopTimer()
	total := float64(perOp) * float64(b.N)
	b.ReportMetric(total/b.Elapsed().Seconds(), unit+"/s")
	if cpu > 0 {
		b.ReportMetric(total/cpu.Seconds(), unit+"/cpu-s")
	}
}

var sinkF float64
var sinkN int

func BenchmarkDice(b *testing.B) {
	const n = 1 << 15
	for _, nbits := range []int{1024, 2048} {
		filters := diceFilters(n, nbits, 1)
		query := diceFilters(1, nbits, 2)[0]
		idx, err := bloom.NewIndex(nbits, filters)
		if err != nil {
			b.Fatal(err)
		}
		name := strconv.Itoa(nbits)
		b.Run(name+"/naive", func(b *testing.B) {
			perCore(b, n, func() {
				s := 0.0
				for _, f := range filters {
					if d := naiveDice(query, f); d >= 0.8 {
						s += d
					}
				}
				sinkF = s
			})
		})
		b.Run(name+"/pairwise", func(b *testing.B) {
			// bloom.Dice on separate []byte filters (popcounts recomputed).
			perCore(b, n, func() {
				s := 0.0
				for _, f := range filters {
					if d := bloom.Dice(query, f); d >= 0.8 {
						s += d
					}
				}
				sinkF = s
			})
		})
		b.Run(name+"/index_t0", func(b *testing.B) {
			// Index.Search at threshold 0: every filter is compared and
			// scored (no pruning), so this is the raw kernel rate.
			var dst []bloom.Match
			perCore(b, n, func() { dst = idx.Search(query, 0, dst[:0]) })
			sinkN = len(dst)
		})
		b.Run(name+"/kernel", func(b *testing.B) {
			// bloom.AndPopcountMany alone: the AND-popcount of the query
			// with every filter, no scoring.
			words := make([]uint64, 0, n*nbits/64)
			for _, f := range filters {
				for j := 0; j < len(f); j += 8 {
					words = append(words, leUint64(f[j:]))
				}
			}
			q := make([]uint64, 0, nbits/64)
			for j := 0; j < len(query); j += 8 {
				q = append(q, leUint64(query[j:]))
			}
			out := make([]uint32, n)
			perCore(b, n, func() { bloom.AndPopcountMany(q, words, out) })
		})
		b.Run(name+"/index_t0.8", func(b *testing.B) {
			// Threshold 0.8 with the popcount bound: cmp/s counts every
			// filter of the index as compared (pruned ones included).
			var dst []bloom.Match
			perCore(b, n, func() { dst = idx.Search(query, 0.8, dst[:0]) })
			sinkN = len(dst)
		})
	}
}

// BenchmarkDiceManyToMany compares 2,000 × 32,768 1024-bit filters with
// SearchIndex at Dice ≥ 0.8; cmp/s counts all pairs (pruned included).
func BenchmarkDiceManyToMany(b *testing.B) {
	const nbits = 1024
	as := diceFilters(2000, nbits, 3)
	bs := diceFilters(1<<15, nbits, 4)
	ia, _ := bloom.NewIndex(nbits, as)
	ib, _ := bloom.NewIndex(nbits, bs)
	var dst []bloom.Pair
	perCore(b, len(as)*len(bs), func() { dst = ib.SearchIndex(ia, 0.8, dst[:0]) })
	sinkN = len(dst)
}

func leUint64(b []byte) uint64 {
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}
