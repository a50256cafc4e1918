package benchmarks

import (
	"cmp"
	"slices"
	"testing"

	"github.com/pprl/pprl/bloom"
	"github.com/pprl/pprl/linkage"
	"github.com/pprl/pprl/tokenize"
)

// SearchFEBRLClkhash: the similarity search `pprl match --exhaustive`
// runs (and the cost model chooses for these inputs), on real CLKs: FEBRL4's
// 5,000 × 5,000 records encoded with a clkhash v3 schema (doubleHash, 20
// bits per token: dense filters, where a Dice floor of 0.8 admits about a
// fifth of all pairs, 5.6 million candidates). Beside it in the same run, a
// naive search: every pair's Dice with bloom.Dice, the qualifying pairs
// appended and sorted with slices.SortFunc. pairs/s counts the 25 million
// pairs covered per second; run with -cpu 1 for the per-core figure.
func BenchmarkSearchFEBRLClkhash(b *testing.B) {
	cs, err := tokenize.ParseClkhashSchema([]byte(febrlClkhashSchema))
	if err != nil {
		b.Fatal(err)
	}
	enc, err := cs.Encoder(clkBenchSecret)
	if err != nil {
		b.Fatal(err)
	}
	encode := func(name, file string) *linkage.Dataset {
		_, rows := readFEBRL(b, file)
		d := &linkage.Dataset{Name: name, Width: 128}
		for _, row := range rows {
			clk, err := enc.AppendEncode(d.CLKs, row)
			if err != nil {
				b.Fatal(err)
			}
			d.CLKs = clk
			d.RecordIDs = append(d.RecordIDs, row[0])
		}
		if err := d.Prepare(); err != nil {
			b.Fatal(err)
		}
		return d
	}
	A, B := encode("a", "dataset4a.csv"), encode("b", "dataset4b.csv")
	const floor = 0.8
	pairs := float64(A.Len()) * float64(B.Len())
	want, _ := linkage.Search(A, B, false, linkage.SearchOptions{MinDice: floor, Exhaustive: true})
	if got := naiveSearch(A, B, floor); !slices.Equal(got, want) {
		b.Fatalf("naive search found %d pairs, pprl %d", len(got), len(want))
	}
	report := func(b *testing.B, n int) {
		b.ReportMetric(pairs*float64(b.N)/b.Elapsed().Seconds(), "pairs/s")
		b.ReportMetric(float64(n), "candidates")
	}
	b.Run("pprl", func(b *testing.B) {
		var n int
		for b.Loop() {
			ps, _ := linkage.Search(A, B, false, linkage.SearchOptions{MinDice: floor, Exhaustive: true})
			n = len(ps)
		}
		report(b, n)
	})
	b.Run("naive", func(b *testing.B) {
		var n int
		for b.Loop() {
			n = len(naiveSearch(A, B, floor))
		}
		report(b, n)
	})
}

// naiveSearch is the exhaustive search written plainly.
func naiveSearch(A, B *linkage.Dataset, floor float64) []linkage.Pair {
	var out []linkage.Pair
	for i := range A.Len() {
		for j := range B.Len() {
			a, c := A.CLK(i), B.CLK(j)
			if bloom.Dice(a, c) >= floor {
				out = append(out, linkage.Pair{A: uint32(i), B: uint32(j), And: uint16(bloom.AndPopcount(a, c))})
			}
		}
	}
	slices.SortFunc(out, func(x, y linkage.Pair) int {
		return cmp.Or(cmp.Compare(x.A, y.A), cmp.Compare(x.B, y.B))
	})
	return out
}
