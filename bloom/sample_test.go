package bloom

import (
	"math/rand/v2"
	"testing"
)

// naiveKey is BitSampler.Key written from the definition.
func naiveKey(f []byte, pos []int) uint32 {
	var k uint32
	for j, p := range pos {
		if Bit(f, p) {
			k |= 1 << j
		}
	}
	return k
}

// TestBitSampler checks Key and Keys (the vector kernel on 1024-bit
// filters, the loop elsewhere) against the definition: 0 to 32 sampled
// bits, repeated and edge positions, several filter widths and counts.
func TestBitSampler(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, bits := range []int{1024, 512, 2048, 8} {
		for b := 0; b <= MaxSampledBits; b++ {
			pos := make([]int, b)
			for j := range pos {
				switch r.IntN(5) {
				case 0:
					pos[j] = 0
				case 1:
					pos[j] = bits - 1
				default:
					pos[j] = r.IntN(bits)
				}
			}
			s, err := NewBitSampler(pos, bits)
			if err != nil {
				t.Fatal(err)
			}
			n := r.IntN(40)
			filters := make([]byte, n*bits/8)
			for i := range filters {
				filters[i] = byte(r.Uint32())
			}
			keys := s.Keys([]uint32{7}, filters)
			if len(keys) != n+1 || keys[0] != 7 {
				t.Fatalf("%d bits, %d sampled: Keys returned %d keys", bits, b, len(keys)-1)
			}
			for i := range n {
				f := filters[i*bits/8 : (i+1)*bits/8]
				want := naiveKey(f, pos)
				if got := s.Key(f); got != want {
					t.Fatalf("%d bits, %d sampled, filter %d: Key %#x, want %#x", bits, b, i, got, want)
				}
				if keys[i+1] != want {
					t.Fatalf("%d bits, %d sampled, filter %d: Keys %#x, want %#x", bits, b, i, keys[i+1], want)
				}
			}
		}
	}
}

func TestNewBitSamplerRejects(t *testing.T) {
	for _, c := range []struct {
		pos  []int
		bits int
	}{
		{make([]int, 33), 1024}, {[]int{1024}, 1024}, {[]int{-1}, 1024}, {[]int{0}, 12}, {[]int{0}, 0},
	} {
		if _, err := NewBitSampler(c.pos, c.bits); err == nil {
			t.Errorf("NewBitSampler(%d positions, %d bits) accepted", len(c.pos), c.bits)
		}
	}
}

// BenchmarkBitSampler compares the kernel with the loop on 13 sampled bits
// of 1024-bit filters (a usual LSH band), 4,096 filters (in cache, as a
// chunk of queries is).
func BenchmarkBitSampler(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	pos := make([]int, 13)
	for j := range pos {
		pos[j] = r.IntN(1024)
	}
	s, _ := NewBitSampler(pos, 1024)
	const n = 4096
	filters := make([]byte, n*128)
	for i := range filters {
		filters[i] = byte(r.Uint32())
	}
	keys := make([]uint32, 0, n)
	b.Run("keys", func(b *testing.B) {
		for b.Loop() {
			keys = s.Keys(keys[:0], filters)
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "filters/s")
	})
	b.Run("loop", func(b *testing.B) {
		for b.Loop() {
			keys = keys[:0]
			for i := range n {
				keys = append(keys, s.Key(filters[i*128:(i+1)*128]))
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "filters/s")
	})
}
