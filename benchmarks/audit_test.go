package benchmarks

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/pprl/pprl/bloom"
	"github.com/pprl/pprl/linkage/audit"
)

// The privacy audit (pprl audit): the whole attack pipeline on plain CLKs of
// synthetic people, as records audited per second, and the keyed diffusion
// layer beside a naive bit-by-bit baseline. The attack has no naive
// counterpart worth running (a textbook Apriori itemset miner over 1024
// positions does not finish at these sizes); its scaling from 5,000 to
// 20,000 records is the figure to watch: the miner's cost grows about
// linearly in the number of records.

// auditList reads a FEBRL-derived name-frequency list from the audit
// package's test data.
func auditList(b *testing.B, name string) *audit.NameList {
	f, err := os.Open("../linkage/audit/testdata/" + name)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	l, err := audit.ReadNameList(f)
	if err != nil {
		b.Fatal(err)
	}
	return l
}

// auditCLKs encodes n people drawn from the lists' frequencies (forename,
// surname and an 8-digit date of birth, bigrams, k=20, random hashing, one
// 1024-bit filter) with package bloom's encoder.
func auditCLKs(b *testing.B, n int, fl, sl *audit.NameList) []byte {
	enc, err := bloom.NewEncoder(bloom.Config{Bits: 1024, Fields: []bloom.Field{
		{Name: "forename", Tokenizer: bloom.NGram{N: 2}, Hash: bloom.RandomHashing([]byte("bench-forename-key-0123456789abc")), BitsPerToken: 20},
		{Name: "surname", Tokenizer: bloom.NGram{N: 2}, Hash: bloom.RandomHashing([]byte("bench-surname-key-0123456789abcd")), BitsPerToken: 20},
		{Name: "dob", Tokenizer: bloom.NGram{N: 2}, Hash: bloom.RandomHashing([]byte("bench-dob-key-0123456789abcdefgh")), BitsPerToken: 20},
	}})
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(uint64(n), 3))
	pick := func(l *audit.NameList) string {
		var t int64
		for _, c := range l.Counts {
			t += c
		}
		x := r.Int64N(t)
		for i, c := range l.Counts {
			if x -= c; x < 0 {
				return l.Names[i]
			}
		}
		return l.Names[0]
	}
	out := make([]byte, 0, n*128)
	for range n {
		dob := strconv.Itoa(19500101 + r.IntN(60)*10000 + r.IntN(12)*100 + r.IntN(28))
		if out, err = enc.Encode(out, []string{pick(fl), pick(sl), dob}); err != nil {
			b.Fatal(err)
		}
	}
	return out
}

func BenchmarkAuditRun(b *testing.B) {
	fl, sl := auditList(b, "forenames.csv"), auditList(b, "surnames.csv")
	for _, n := range []int{5000, 20000} {
		clks := auditCLKs(b, n, fl, sl)
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := audit.Run(context.Background(), clks, 128, audit.Config{Forenames: fl, Surnames: sl}, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// naiveDiffusion is the textbook form of the diffusion layer: per output
// bit, read each of its t input bits with a division and a shift.
func naiveDiffusion(d *bloom.Diffusion, idx [][]int, dst, src []byte) {
	clear(dst)
	for j, g := range idx {
		var x byte
		for _, p := range g {
			x ^= src[p/8] >> (7 - p%8) & 1
		}
		dst[j/8] |= x << (7 - j%8)
	}
}

func BenchmarkDiffusionApply(b *testing.B) {
	src := diceFilters(1, 1024, 9)[0]
	dst := make([]byte, 128)
	for _, t := range []int{3, 5} {
		d, err := bloom.NewDiffusion([]byte("bench-diffusion-key"), 1024, 1024, t)
		if err != nil {
			b.Fatal(err)
		}
		idx := make([][]int, 1024)
		for j := range idx {
			idx[j] = d.Indices(j)
		}
		b.Run(fmt.Sprintf("t=%d/pprl", t), func(b *testing.B) {
			for b.Loop() {
				d.Apply(dst, src)
			}
		})
		b.Run(fmt.Sprintf("t=%d/naive", t), func(b *testing.B) {
			for b.Loop() {
				naiveDiffusion(d, idx, dst, src)
			}
		})
	}
}
