package evaluate

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchData makes n records in 4 datasets: people of 1 to 4 records, and
// entities that mostly follow the people with some splits and merges.
func benchData(n int) (ds, person, entity []int32) {
	r := rand.New(rand.NewPCG(1, 2))
	ds, person, entity = make([]int32, n), make([]int32, n), make([]int32, n)
	p, e := int32(0), int32(0)
	for i := 0; i < n; {
		k := 1 + r.IntN(4)
		for j := 0; j < k && i < n; j++ {
			ds[i], person[i] = int32(j), p
			if r.IntN(10) == 0 {
				e++ // a split
			}
			entity[i] = e
			i++
		}
		p++
		if r.IntN(20) != 0 {
			e++ // else merged with the next person
		}
	}
	return ds, person, entity
}

// BenchmarkPairCount counts correct entity pairs by sorting on (entity,
// person): O(n log n), no pair ever materialised.
func BenchmarkPairCount(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		ds, person, entity := benchData(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				m := pairMatrix(n, func(i int) (key128, bool) { return key128{uint64(entity[i]), uint64(person[i])}, true }, nil, 1, ds, 4)
				_ = sumScope(m[0], false)
			}
		})
	}
}

// BenchmarkPairCountNaive is the baseline: enumerate every pair of each
// entity into a set and look each up in the set of true pairs.
func BenchmarkPairCountNaive(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		ds, person, entity := benchData(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				members := map[int32][]int32{}
				for i := range entity {
					members[entity[i]] = append(members[entity[i]], int32(i))
				}
				truePairs := map[[2]int32]bool{}
				byPerson := map[int32][]int32{}
				for i := range person {
					byPerson[person[i]] = append(byPerson[person[i]], int32(i))
				}
				for _, m := range byPerson {
					for x := range m {
						for y := x + 1; y < len(m); y++ {
							truePairs[[2]int32{m[x], m[y]}] = true
						}
					}
				}
				tp := 0
				for _, m := range members {
					for x := range m {
						for y := x + 1; y < len(m); y++ {
							if ds[m[x]] != ds[m[y]] && truePairs[[2]int32{m[x], m[y]}] {
								tp++
							}
						}
					}
				}
				_ = tp
			}
		})
	}
}

// TestPairCountAgreesWithNaive checks the sort-based count against the
// naive enumeration on the benchmark data.
func TestPairCountAgreesWithNaive(t *testing.T) {
	n := 20_000
	ds, person, entity := benchData(n)
	m := pairMatrix(n, func(i int) (key128, bool) { return key128{uint64(entity[i]), uint64(person[i])}, true }, nil, 1, ds, 4)
	got := sumScope(m[0], false)
	var want int64
	members := map[int32][]int{}
	for i := range entity {
		members[entity[i]] = append(members[entity[i]], i)
	}
	for _, mm := range members {
		for x := range mm {
			for y := x + 1; y < len(mm); y++ {
				if ds[mm[x]] != ds[mm[y]] && person[mm[x]] == person[mm[y]] {
					want++
				}
			}
		}
	}
	if got != want || want == 0 {
		t.Fatalf("sorted count %d, naive %d", got, want)
	}
}
