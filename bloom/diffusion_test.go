package bloom

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

// naiveDiffuse is the definition of the layer: output bit j is the XOR of the
// input bits at d.Indices(j). Apply must agree with it bit for bit.
func naiveDiffuse(d *Diffusion, src []byte) []byte {
	dst := make([]byte, d.OutBits()/8)
	for j := 0; j < d.OutBits(); j++ {
		var x byte
		for _, p := range d.Indices(j) {
			x ^= src[p/8] >> (7 - p%8) & 1
		}
		dst[j/8] |= x << (7 - j%8)
	}
	return dst
}

func randomFilter(r *rand.Rand, nbytes int, density float64) []byte {
	f := make([]byte, nbytes)
	for i := 0; i < nbytes*8; i++ {
		if r.Float64() < density {
			f[i/8] |= 0x80 >> (i % 8)
		}
	}
	return f
}

func TestDiffusionMatchesDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct{ in, out, t int }{
		{1024, 1024, 3}, {1024, 1024, 5}, {1024, 1024, 7}, {1024, 1024, 8}, {1024, 2048, 4}, {2048, 1024, 4}, {512, 256, 10}, {16, 8, 8}, {64, 64, 1},
		{4096, 4096, 4}, // too large for the mask table: the fan-out path
	} {
		t.Run(fmt.Sprintf("%d-%d-t%d", tc.in, tc.out, tc.t), func(t *testing.T) {
			d, err := NewDiffusion([]byte("k"), tc.in, tc.out, tc.t)
			if err != nil {
				t.Fatal(err)
			}
			for range 20 {
				src := randomFilter(r, tc.in/8, 0.4)
				dst := make([]byte, tc.out/8)
				d.Apply(dst, src)
				if want := naiveDiffuse(d, src); !bytes.Equal(dst, want) {
					t.Fatalf("Apply differs from definition (mask table: %v)", d.masks != nil)
				}
			}
		})
	}
}

func TestDiffusionInvariants(t *testing.T) {
	for _, tc := range []struct{ in, out, t int }{{1024, 1024, 3}, {1024, 1024, 5}, {1024, 512, 10}, {128, 64, 32}} {
		d, err := NewDiffusion([]byte("key"), tc.in, tc.out, tc.t)
		if err != nil {
			t.Fatal(err)
		}
		uses := make([]int, tc.in)
		for j := 0; j < tc.out; j++ {
			seen := map[int]bool{}
			for _, p := range d.Indices(j) {
				if seen[p] {
					t.Fatalf("%v: output bit %d reads position %d twice", tc, j, p)
				}
				seen[p] = true
				uses[p]++
			}
		}
		lo, hi := tc.out*tc.t/tc.in, (tc.out*tc.t+tc.in-1)/tc.in
		for p, u := range uses {
			if u < lo || u > hi {
				t.Fatalf("%v: input position %d used %d times, want %d..%d", tc, p, u, lo, hi)
			}
		}
	}
}

func TestDiffusionDeterministicAndKeyed(t *testing.T) {
	src := randomFilter(rand.New(rand.NewPCG(3, 4)), 128, 0.4)
	apply := func(key string) []byte {
		d, err := NewDiffusion([]byte(key), 1024, 1024, 5)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]byte, 128)
		d.Apply(out, src)
		return out
	}
	a1, a2, b := apply("alpha"), apply("alpha"), apply("beta")
	if !bytes.Equal(a1, a2) {
		t.Fatal("same key gave different output")
	}
	// Unrelated layers give outputs that agree on about half the bits.
	diff := 0
	for i := range a1 {
		diff += Popcount([]byte{a1[i] ^ b[i]})
	}
	if diff < 400 || diff > 624 {
		t.Fatalf("keys alpha and beta: outputs differ in %d of 1024 bits, want about 512", diff)
	}
	// Golden: the layer is part of the encoding contract, so its derivation
	// must not drift between versions.
	d, _ := NewDiffusion([]byte("golden"), 1024, 1024, 5)
	if got := fmt.Sprint(d.Indices(0), d.Indices(1023)); got != goldenDiffusionIndices {
		t.Fatalf("index derivation changed: got %s", got)
	}
}

// goldenDiffusionIndices pins NewDiffusion([]byte("golden"), 1024, 1024, 5).
const goldenDiffusionIndices = "[640 242 145 634 106] [318 664 292 1019 155]"

func TestDiffusionPreservesSimilarity(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, tt := range []int{3, 5} {
		d, _ := NewDiffusion([]byte("sim"), 1024, 1024, tt)
		var near, far float64
		const trials = 200
		for range trials {
			a := randomFilter(r, 128, 0.35)
			b := bytes.Clone(a)
			for range 20 { // flip 20 of 1024 bits: input Dice ≈ 0.95
				p := r.IntN(1024)
				b[p/8] ^= 0x80 >> (p % 8)
			}
			c := randomFilter(r, 128, 0.35)
			da, db, dc := make([]byte, 128), make([]byte, 128), make([]byte, 128)
			d.Apply(da, a)
			d.Apply(db, b)
			d.Apply(dc, c)
			near += Dice(da, db)
			far += Dice(da, dc)
		}
		near /= trials
		far /= trials
		// Output bits differ with probability (1-(1-2·20/1024)^t)/2 ≈ 0.06 (t=3)
		// or 0.09 (t=5), i.e. Dice ≈ 0.88–0.94; unrelated filters sit near 0.5.
		if near < 0.85 || far > 0.56 || near-far < 0.3 {
			t.Errorf("t=%d: mean Dice near-duplicates %.3f, unrelated %.3f", tt, near, far)
		}
	}
}

func TestNewDiffusionRejectsBadParameters(t *testing.T) {
	for _, tc := range []struct {
		key         string
		in, out, tt int
	}{
		{"", 1024, 1024, 3}, {"k", 0, 1024, 3}, {"k", 1020, 1024, 3}, {"k", 1024, 12, 3},
		{"k", 1024, 1024, 0}, {"k", 1024, 1024, 65}, {"k", 16, 16, 9}, {"k", 1 << 15, 1024, 3},
	} {
		if _, err := NewDiffusion([]byte(tc.key), tc.in, tc.out, tc.tt); err == nil {
			t.Errorf("NewDiffusion(%q, %d, %d, %d) accepted", tc.key, tc.in, tc.out, tc.tt)
		}
	}
}

func TestDiffusionApplyPanicsOnWrongLength(t *testing.T) {
	d, _ := NewDiffusion([]byte("k"), 1024, 1024, 3)
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	d.Apply(make([]byte, 128), make([]byte, 64))
}

func FuzzDiffusion(f *testing.F) {
	f.Add([]byte("key"), uint16(64), uint16(64), uint8(3), []byte("0123456789abcdef"))
	f.Add([]byte("k"), uint16(8), uint16(16), uint8(8), []byte{0xff})
	f.Fuzz(func(t *testing.T, key []byte, in, out uint16, tt uint8, data []byte) {
		inBits, outBits := int(in%1025), int(out%1025)
		d, err := NewDiffusion(key, inBits, outBits, int(tt))
		if err != nil {
			return
		}
		src := make([]byte, inBits/8)
		copy(src, data)
		dst := make([]byte, outBits/8)
		d.Apply(dst, src)
		if !bytes.Equal(dst, naiveDiffuse(d, src)) {
			t.Fatal("Apply differs from definition")
		}
		// XOR-linearity: D(a) ^ D(b) = D(a ^ b) ^ D(0), and D(0) = 0.
		zero := make([]byte, outBits/8)
		d.Apply(zero, make([]byte, inBits/8))
		if Popcount(zero) != 0 {
			t.Fatal("all-zero input gave non-zero output")
		}
	})
}

func BenchmarkDiffusion(b *testing.B) {
	src := randomFilter(rand.New(rand.NewPCG(1, 1)), 128, 0.4)
	dst := make([]byte, 128)
	for _, tt := range []int{3, 5, 10} {
		d, _ := NewDiffusion([]byte("bench"), 1024, 1024, tt)
		b.Run(fmt.Sprintf("t%d", tt), func(b *testing.B) {
			for b.Loop() {
				d.Apply(dst, src)
			}
		})
		b.Run(fmt.Sprintf("t%d-naive", tt), func(b *testing.B) {
			for b.Loop() {
				naiveDiffuse(d, src)
			}
		})
	}
}

// TestDiffusionInEncoder runs the layer as a hardening step of the Encoder,
// with an output longer than its input.
func TestDiffusionInEncoder(t *testing.T) {
	d, err := NewDiffusion([]byte("enc"), 512, 1024, 3)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.OutputBits(1024); err == nil {
		t.Fatal("OutputBits accepted the wrong input length")
	}
	var _ Hardening = d
	enc, err := NewEncoder(Config{Bits: 512, Hardening: []Hardening{d}, Fields: []Field{
		{Name: "name", Tokenizer: NGram{N: 2}, Hash: RandomHashing([]byte("0123456789abcdef0123456789abcdef")), BitsPerToken: 10},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if enc.Bits() != 1024 {
		t.Fatalf("encoder gives %d bits, want 1024", enc.Bits())
	}
	a, err := enc.Encode(nil, []string{"catherine"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := enc.Encode(nil, []string{"katherine"})
	c, _ := enc.Encode(nil, []string{"zbigniew"})
	if len(a) != 128 || Dice(a, b) <= Dice(a, c)+0.1 {
		t.Fatalf("len %d, Dice similar %.3f, unrelated %.3f", len(a), Dice(a, b), Dice(a, c))
	}
}
