package bloom

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// naiveAndPopcount is the obviously-correct reference: byte by byte.
func naiveAndPopcount(a, b []byte) int {
	n := 0
	for i := range a {
		n += bits.OnesCount8(a[i] & b[i])
	}
	return n
}

func randFilter(r *rand.Rand, nbytes int, density float64) []byte {
	f := make([]byte, nbytes)
	for i := 0; i < nbytes*8; i++ {
		if r.Float64() < density {
			SetBit(f, i)
		}
	}
	return f
}

func TestKernelsAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, nbytes := range []int{0, 1, 7, 8, 24, 64, 128, 136, 256, 512} {
		for trial := 0; trial < 20; trial++ {
			a, b := randFilter(r, nbytes, r.Float64()), randFilter(r, nbytes, r.Float64())
			want := naiveAndPopcount(a, b)
			if got := AndPopcount(a, b); got != want {
				t.Fatalf("%d bytes: AndPopcount %d want %d", nbytes, got, want)
			}
			if got := andPopcountBytesGeneric(a, b); got != want {
				t.Fatalf("%d bytes: generic %d want %d", nbytes, got, want)
			}
			if got := Popcount(a); got != naiveAndPopcount(a, a) {
				t.Fatalf("%d bytes: Popcount %d", nbytes, got)
			}
		}
	}
}

func toWords(f []byte) []uint64 {
	w := make([]uint64, len(f)/8)
	for i := range w {
		w[i] = binary.LittleEndian.Uint64(f[i*8:])
	}
	return w
}

// FuzzAndPopcountMany proves the AVX-512 kernel (when the CPU has it) and
// the portable kernel identical on arbitrary data, filter lengths and
// counts, and AppendAtLeast (the fused kernel on 1024-bit filters) the
// same as filtering their counts.
func FuzzAndPopcountMany(f *testing.F) {
	// words = w−1: 1024, 512 and 2048 bits, and an odd 17 words.
	f.Add([]byte("seed"), uint8(15), uint8(3))
	f.Add(make([]byte, 300), uint8(7), uint8(1))
	f.Add([]byte{0xff, 0x01}, uint8(31), uint8(5))
	f.Add([]byte{0x5a}, uint8(16), uint8(19))
	f.Add([]byte{0x00, 0x80}, uint8(3), uint8(7))
	f.Fuzz(func(t *testing.T, seed []byte, words, n uint8) {
		w := int(words%40) + 1
		cnt := int(n % 40)
		data := make([]uint64, (cnt+1)*w)
		var s uint64 = 1469598103934665603
		for i := range data {
			for _, c := range seed {
				s = (s ^ uint64(c)) * 1099511628211
			}
			s ^= uint64(i) * 0x9E3779B97F4A7C15
			data[i] = s * 0xBF58476D1CE4E5B9
		}
		q, rows := data[:w], data[w:]
		got := make([]uint32, cnt)
		AndPopcountMany(q, rows, got)
		want := make([]uint32, cnt)
		andPopcountManyGeneric(q, rows, want)
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("filter %d of %d words: kernel %d, generic %d", i, w, got[i], want[i])
			}
		}
		// AppendAtLeast keeps the filters whose count reaches a cutoff
		// table derived from the input.
		pops, ids := make([]uint16, cnt), make([]uint32, cnt)
		for i := range cnt {
			pops[i] = uint16(andPopcountWords(rows[i*w:(i+1)*w], rows[i*w:(i+1)*w]))
			ids[i] = uint32(i * 7919)
		}
		cut := make([]uint32, w*64/2+1)
		for pb := range cut {
			cut[pb] = uint32((pb*int(words) + len(seed)) % (w*64 + 2))
		}
		var keep []uint64
		for i, c := range want {
			if c >= cut[min(int(pops[i]), len(cut)-1)] {
				keep = append(keep, uint64(ids[i])<<16|uint64(c))
			}
		}
		if got := AppendAtLeast(nil, q, rows, pops, ids, cut); !slices.Equal(got, keep) {
			t.Fatalf("AppendAtLeast, %d words, %d filters: %d keys, want %d", w, cnt, len(got), len(keep))
		}
		if hasAVX2 && w%4 == 0 && cnt > 0 {
			direct := make([]uint32, cnt)
			andPopcountManyAVX2(&q[0], &rows[0], w/4, cnt, &direct[0])
			for i := range direct {
				if direct[i] != want[i] {
					t.Fatalf("AVX2 filter %d: %d want %d", i, direct[i], want[i])
				}
			}
		}
		if useAVX512 && w%8 == 0 && cnt > 0 {
			direct := make([]uint32, cnt)
			andPopcountManyAVX512(&q[0], &rows[0], w/8, cnt, &direct[0])
			for i := range direct {
				if direct[i] != want[i] {
					t.Fatalf("AVX-512 filter %d: %d want %d", i, direct[i], want[i])
				}
			}
			qb := make([]byte, w*8)
			rb := make([]byte, w*8)
			for i := 0; i < w; i++ {
				binary.LittleEndian.PutUint64(qb[i*8:], q[i])
				binary.LittleEndian.PutUint64(rb[i*8:], rows[i])
			}
			if a, g := andPopcountBytesAVX512(&qb[0], &rb[0], w/8), andPopcountBytesGeneric(qb, rb); a != g {
				t.Fatalf("AVX-512 bytes kernel %d, generic %d", a, g)
			}
		}
	})
}

func TestDice(t *testing.T) {
	a := []byte{0xF0, 0, 0, 0, 0, 0, 0, 0}
	b := []byte{0xC0, 0, 0, 0, 0, 0, 0, 1}
	// |a|=4 |b|=3 |a∧b|=2 → 4/7
	if got := Dice(a, b); got != 4.0/7.0 {
		t.Fatalf("Dice = %v", got)
	}
	if Dice(make([]byte, 8), make([]byte, 8)) != 0 {
		t.Fatal("Dice of empty filters is not 0")
	}
}

// TestIndexSearchMatchesBruteForce compares Search and SearchIndex with a
// brute-force scan at several thresholds, including the popcount pruning
// edges, for 1024- and 2048-bit filters.
func TestIndexSearchMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, nbits := range []int{64, 1024, 2048} {
		var as, bs [][]byte
		for i := 0; i < 60; i++ {
			as = append(as, randFilter(r, nbits/8, 0.05+0.5*r.Float64()))
		}
		for i := 0; i < 80; i++ {
			if i < 30 { // near-duplicates of as
				f := append([]byte(nil), as[i]...)
				for j := 0; j < 3; j++ {
					FlipBit(f, r.IntN(nbits))
				}
				bs = append(bs, f)
			} else {
				bs = append(bs, randFilter(r, nbits/8, r.Float64()))
			}
		}
		bs = append(bs, make([]byte, nbits/8)) // an empty filter
		ia, _ := NewIndex(nbits, as)
		ib, err := NewIndex(nbits, bs)
		if err != nil {
			t.Fatal(err)
		}
		for _, th := range []float64{0, 0.3, 0.5, 0.8, 0.95, 1} {
			var want []Pair
			for i, a := range as {
				for j, b := range bs {
					if s := Dice(a, b); s >= th {
						want = append(want, Pair{i, j, s})
					}
				}
			}
			SortPairs(want)
			got := ib.SearchIndex(ia, th, nil)
			if len(got) != len(want) {
				t.Fatalf("%d bits, t=%v: %d pairs, want %d", nbits, th, len(got), len(want))
			}
			for k := range got {
				if got[k] != want[k] {
					t.Fatalf("%d bits, t=%v: pair %d = %+v want %+v", nbits, th, k, got[k], want[k])
				}
			}
			// Search agrees for one query.
			ms := ib.Search(as[0], th, nil)
			sort.Slice(ms, func(x, y int) bool { return ms[x].ID < ms[y].ID })
			var wantM []Match
			for j, b := range bs {
				if s := Dice(as[0], b); s >= th {
					wantM = append(wantM, Match{j, s})
				}
			}
			if len(ms) != len(wantM) {
				t.Fatalf("Search: %d matches, want %d", len(ms), len(wantM))
			}
			for k := range ms {
				if ms[k] != wantM[k] {
					t.Fatalf("Search: %+v want %+v", ms[k], wantM[k])
				}
			}
		}
		// ScorePairs gives the brute-force scores.
		pairs := []Pair{{A: 0, B: 0}, {A: 5, B: 70}, {A: 59, B: len(bs) - 1}}
		ScorePairs(ia, ib, pairs)
		for _, p := range pairs {
			if p.Score != Dice(as[p.A], bs[p.B]) {
				t.Fatalf("ScorePairs %+v", p)
			}
		}
	}
}

func TestGreedyMatch(t *testing.T) {
	pairs := []Pair{{0, 0, 0.9}, {0, 1, 0.95}, {1, 1, 0.95}, {1, 0, 0.8}, {2, 2, 0.5}}
	got := GreedyMatch(pairs)
	var want []Pair
	// (0,1) and (1,1) tie at 0.95: A ascending wins, so (0,1); then (0,0)
	// and (1,1) are blocked, (1,0) is free.
	want = []Pair{{0, 1, 0.95}, {1, 0, 0.8}, {2, 2, 0.5}}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("got %+v want %+v", got, want)
		}
	}
}

// TestManyKernelsAgree runs every kernel the CPU has over filter lengths
// 1..40 words against the portable one.
func TestManyKernelsAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for w := 1; w <= 40; w++ {
		n := 1 + r.IntN(300)
		data := make([]uint64, (n+1)*w)
		for i := range data {
			data[i] = r.Uint64() & r.Uint64()
		}
		q, rows := data[:w], data[w:]
		want := make([]uint32, n)
		andPopcountManyGeneric(q, rows, want)
		for i := range want {
			if int(want[i]) != andPopcountWords(q, rows[i*w:(i+1)*w]) {
				t.Fatalf("unrolled generic kernel wrong at %d words", w)
			}
		}
		check := func(name string, got []uint32) {
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("%s, %d words, filter %d: %d want %d", name, w, i, got[i], want[i])
				}
			}
		}
		got := make([]uint32, n)
		AndPopcountMany(q, rows, got)
		check("AndPopcountMany", got)
		if hasAVX2 && w%4 == 0 {
			andPopcountManyAVX2(&q[0], &rows[0], w/4, n, &got[0])
			check("AVX2", got)
		}
		if useAVX512 && w%8 == 0 {
			andPopcountManyAVX512(&q[0], &rows[0], w/8, n, &got[0])
			check("AVX-512", got)
		}
	}
}

// BenchmarkKernels compares the AND-popcount kernels on 1024-bit filters.
// The cross-package benchmarks in ../benchmarks measure whichever kernel
// the CPU selects; this one runs each kernel the CPU has.
func BenchmarkKernels(b *testing.B) {
	const n, w = 1 << 14, 16
	r := rand.New(rand.NewPCG(1, 1))
	data := make([]uint64, (n+1)*w)
	for i := range data {
		data[i] = r.Uint64()
	}
	q, rows := data[:w], data[w:]
	out := make([]uint32, n)
	run := func(name string, ok bool, f func()) {
		if !ok {
			return
		}
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				f()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "cmp/s")
		})
	}
	run("generic", true, func() { andPopcountManyGeneric(q, rows, out) })
	run("avx2", hasAVX2, func() { andPopcountManyAVX2(&q[0], &rows[0], w/4, n, &out[0]) })
	run("avx512", useAVX512, func() { andPopcountManyAVX512(&q[0], &rows[0], w/8, n, &out[0]) })
}

// TestAndPopcountPairs: the pair kernel gives each pair's AndPopcount, at
// the 1024-bit width of the AVX-512 kernel (with runs longer than its
// prefetch distance, and repeated and extreme indices) and at others.
func TestAndPopcountPairs(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, width := range []int{128, 64, 256, 8} {
		for _, n := range []int{0, 1, 11, 12, 13, 100, 1000} {
			a := make([]byte, 50*width)
			b := make([]byte, 70*width)
			for i := range a {
				a[i] = byte(rng.Uint32())
			}
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			copy(a[:width], bytes.Repeat([]byte{0xff}, width)) // a full filter
			ia, ib := make([]uint32, n), make([]uint32, n)
			for k := range ia {
				ia[k], ib[k] = uint32(rng.IntN(50)), uint32(rng.IntN(70))
			}
			if n > 2 {
				ia[0], ib[0], ia[n-1], ib[n-1] = 0, 69, 49, 0
			}
			out := make([]uint16, n)
			AndPopcountPairs(a, b, width, ia, ib, out)
			for k := range ia {
				want := AndPopcount(a[int(ia[k])*width:][:width], b[int(ib[k])*width:][:width])
				if int(out[k]) != want {
					t.Fatalf("width %d, n %d, pair %d: %d, want %d", width, n, k, out[k], want)
				}
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("an index past the filters was accepted")
		}
	}()
	AndPopcountPairs(make([]byte, 256), make([]byte, 256), 128, []uint32{2}, []uint32{0}, make([]uint16, 1))
}
