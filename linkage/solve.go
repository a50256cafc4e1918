package linkage

import (
	"cmp"
	"slices"
)

// Link is a scored pair between record A of dataset DA and record B of
// dataset DB (DA ≤ DB; A < B when DA == DB).
type Link struct {
	DA, DB uint16
	A, B   uint32
	Rules  uint16
	Score  float64
	Dice   float64
}

// linkOrder is the order in which the solver considers links: highest
// score first, then highest Dice, then by position, so that ties are broken
// the same way on every run.
func linkOrder(x, y Link) int {
	if c := cmp.Compare(y.Score, x.Score); c != 0 {
		return c
	}
	if c := cmp.Compare(y.Dice, x.Dice); c != 0 {
		return c
	}
	if c := cmp.Compare(x.DA, y.DA); c != 0 {
		return c
	}
	if c := cmp.Compare(x.A, y.A); c != 0 {
		return c
	}
	if c := cmp.Compare(x.DB, y.DB); c != 0 {
		return c
	}
	return cmp.Compare(x.B, y.B)
}

// clusters is a union-find over the records of all datasets (global index
// = offset of the dataset + record index) that remembers, for each root,
// the set of datasets its cluster holds records from.
type clusters struct {
	parent   []uint32
	size     []uint32
	datasets []uint64 // at the root: bit d set when the cluster holds a record of dataset d
}

func newClusters(offsets []int) *clusters {
	n := offsets[len(offsets)-1]
	c := &clusters{parent: make([]uint32, n), size: make([]uint32, n), datasets: make([]uint64, n)}
	for d := 0; d+1 < len(offsets); d++ {
		for g := offsets[d]; g < offsets[d+1]; g++ {
			c.parent[g] = uint32(g)
			c.size[g] = 1
			c.datasets[g] = 1 << d
		}
	}
	return c
}

func (c *clusters) find(x uint32) uint32 {
	for c.parent[x] != x {
		c.parent[x] = c.parent[c.parent[x]]
		x = c.parent[x]
	}
	return x
}

// Solve decides which links to keep. Links are considered from the highest
// score down (greedy, as anonlink solves one-to-one matching): a link
// between two clusters merges them unless both already hold a record of
// the same dataset and allowDuplicates is false; a link inside one cluster
// is kept as corroboration. Between two datasets this is greedy one-to-one
// assignment; across N datasets it builds entities with at most one record
// per dataset; within one dataset (deduplication) the per-dataset
// constraint does not apply. Solve sorts links in place and returns the
// kept ones (in consideration order) and the union-find of the result.
func Solve(links []Link, offsets []int, dedup, allowDuplicates bool) ([]Link, *clusters) {
	slices.SortFunc(links, linkOrder)
	c := newClusters(offsets)
	kept := links[:0:0]
	for _, l := range links {
		ra := c.find(uint32(offsets[l.DA]) + l.A)
		rb := c.find(uint32(offsets[l.DB]) + l.B)
		if ra == rb {
			kept = append(kept, l)
			continue
		}
		if !dedup && !allowDuplicates && c.datasets[ra]&c.datasets[rb] != 0 {
			continue
		}
		if c.size[ra] < c.size[rb] {
			ra, rb = rb, ra
		}
		c.parent[rb] = ra
		c.size[ra] += c.size[rb]
		c.datasets[ra] |= c.datasets[rb]
		kept = append(kept, l)
	}
	return kept, c
}
