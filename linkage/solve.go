package linkage

import (
	"cmp"
	"sort"
)

// Link is a scored pair between record A of dataset DA and record B of
// dataset DB (DA ≤ DB; A < B when DA == DB: a within-dataset link, two
// records of one dataset held to be the same person).
type Link struct {
	DA, DB uint16
	A, B   uint32
	Rules  uint16
	Score  float64
	Dice   float64
}

// Within reports whether the link joins two records of the same dataset.
func (l Link) Within() bool { return l.DA == l.DB }

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
// the set of datasets its cluster holds records from, and threads each
// cluster's members on a circular list (next) so that they can be listed
// when two clusters that share a dataset are about to merge.
type clusters struct {
	parent   []uint32
	size     []uint32
	next     []uint32 // circular list of a cluster's members
	datasets []uint64 // at the root: bit d set when the cluster holds a record of dataset d
	offsets  []int
}

func newClusters(offsets []int) *clusters {
	n := offsets[len(offsets)-1]
	c := &clusters{parent: make([]uint32, n), size: make([]uint32, n), next: make([]uint32, n),
		datasets: make([]uint64, n), offsets: offsets}
	for d := 0; d+1 < len(offsets); d++ {
		for g := offsets[d]; g < offsets[d+1]; g++ {
			c.parent[g] = uint32(g)
			c.next[g] = uint32(g)
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

// dataset returns the dataset index of global record g.
func (c *clusters) dataset(g uint32) int {
	return sort.SearchInts(c.offsets, int(g)+1) - 1
}

// union merges the clusters of roots ra and rb (ra ≠ rb).
func (c *clusters) union(ra, rb uint32) {
	if c.size[ra] < c.size[rb] {
		ra, rb = rb, ra
	}
	c.parent[rb] = ra
	c.size[ra] += c.size[rb]
	c.datasets[ra] |= c.datasets[rb]
	c.next[ra], c.next[rb] = c.next[rb], c.next[ra] // splice the member lists
}

// members appends the records of the cluster whose root is r to dst.
func (c *clusters) members(dst []uint32, r uint32) []uint32 {
	g := r
	for {
		dst = append(dst, g)
		g = c.next[g]
		if g == r {
			return dst
		}
	}
}

// pairKey packs an unordered pair of global record indices.
func pairKey(x, y uint32) uint64 {
	if x > y {
		x, y = y, x
	}
	return uint64(x)<<32 | uint64(y)
}

// Solve decides which links to keep and groups records into entities.
//
// Links are considered from the highest score down (greedy, as anonlink
// solves one-to-one matching). A link inside one cluster is kept as
// corroboration. A link between two clusters merges them when the merged
// entity stays consistent:
//
//   - clusters that hold no dataset in common merge on the one link: each
//     record gains a partner from a dataset it had none in, which is
//     greedy one-to-one assignment between two datasets and entities of one
//     record per dataset across several;
//   - clusters that do share a dataset merge only when every two records
//     of a shared dataset, one from each side, are themselves linked
//     directly (complete linkage within a dataset). A within-dataset
//     duplicate joins its person's entity this way, while two people who
//     each resemble a third record (twins, siblings, strangers born on the
//     same day) are not chained together through it: their own pair scores
//     below the threshold.
//
// Deduplicating one dataset (spare set), the second condition spares one
// pair when the two clusters make at least minSparedPairs pairs of that
// dataset and every other pair is linked directly (or vouched for, or
// joined by a common record). Between several datasets a within-dataset
// pair can be vouched for by the person's records in the others
// (corroborate.go); in one file nothing can, and a group of one person's
// duplicates, each varied its own way, lost its fifth record to the one
// pair whose errors compounded below the bar: FEBRL2 (an independent
// generator, up to five duplicates of a record) entity F1 0.9853 -> 0.9943,
// FEBRL3 0.9838 -> 0.9935, precision unchanged; each agency of pprl synth
// deduplicated alone within 0.0013 of F1 at a million people, identical at
// 100,000. Between several datasets sparing a pair costs precision (a
// million people, four agencies: 965 false pairs more for 10 true ones),
// so it is not done there.
//
// ID numbers (CHI) overrule both conditions (idnumbers.go; solve's ids):
// a merge is refused when it would join two records of different datasets
// holding different numbers that are not linked directly, and made
// against the second condition when a directly linked pair across the
// clusters holds the same number.
//
// With chain set the second condition is lifted (single linkage, the
// behaviour of --allow-duplicates before link-and-dedupe existed).
// links must all be at or above the threshold. Solve sorts links in place
// and returns the kept ones (in consideration order) and the clusters.
func Solve(links []Link, offsets []int, chain bool) ([]Link, *clusters) {
	kept, c, _ := solve(links, offsets, chain, false, nil, nil, nil)
	return kept, c
}

// minSparedPairs is the fewest pairs of one dataset across two clusters
// among which one may go unlinked when deduplicating one dataset.
const minSparedPairs = 3

// solve is Solve, with corr and common (when not nil) relaxing the second
// condition for the within-dataset pairs corr vouches for (corroborate.go)
// and those common strongly links to a record of their dataset
// (commonrecord.go), spare relaxing it by one pair (one dataset), and
// ids (when not nil, and not chaining) reading the records' ID numbers
// (idnumbers.go). It returns the merges made by sparing a pair too.
func solve(links []Link, offsets []int, chain, spare bool, corr *corroboration, common *commonRecords, ids *idNumbers) ([]Link, *clusters, int) {
	sortLinks(links)
	c := newClusters(offsets)
	g := func(d uint16, i uint32) uint32 { return uint32(offsets[d]) + i }
	var direct map[uint64]struct{}
	if !chain {
		direct = make(map[uint64]struct{}, len(links))
		for _, l := range links {
			direct[pairKey(g(l.DA, l.A), g(l.DB, l.B))] = struct{}{}
		}
	}
	kept := make([]Link, 0, len(links)) // almost every link is kept
	var xs, ys []uint32
	spared := 0
	for _, l := range links {
		ra, rb := c.find(g(l.DA, l.A)), c.find(g(l.DB, l.B))
		if ra == rb {
			kept = append(kept, l)
			continue
		}
		shared := c.datasets[ra] & c.datasets[rb]
		if !chain && (shared != 0 || ids != nil) {
			xs, ys = c.members(xs[:0], ra), c.members(ys[:0], rb)
		}
		how := joinedDirect
		if !chain && shared != 0 {
			if how = linkedWithin(c, direct, corr, common, xs, ys, shared, spare); how == notJoined {
				if ids == nil || !ids.samePerson(c, direct, xs, ys, shared) {
					continue
				}
				how = joinedSameID
			}
		}
		// Checked last, so that refused counts the merges refused for
		// different ID numbers alone.
		if !chain && ids != nil && ids.conflict(c, direct, xs, ys) {
			ids.refused++
			continue
		}
		switch how {
		case joinedVouched:
			corr.joined++
		case joinedCommon:
			common.joined++
		case joinedSparing:
			spared++
		case joinedSameID:
			ids.joined++
		}
		c.union(ra, rb)
		kept = append(kept, l)
	}
	return kept, c, spared
}

// How linkedWithin let two entities that share a dataset merge.
const (
	notJoined     = iota
	joinedDirect  // every pair of a shared dataset is linked directly
	joinedVouched // some pair only through corroboration
	joinedCommon  // some pair only through a common record (and none vouched)
	joinedSparing // one pair not linked at all (spare)
	joinedSameID  // not linked, but a linked pair across holds the same ID number (idnumbers.go)
)

// linkedWithin reports whether every record of xs and every record of ys
// that belong to the same dataset, one in shared, are directly linked,
// vouched for by corr, or joined by common (with spare: all but one of at
// least minSparedPairs), and which of them it took.
func linkedWithin(c *clusters, direct map[uint64]struct{}, corr *corroboration, common *commonRecords, xs, ys []uint32, shared uint64, spare bool) int {
	how := joinedDirect
	pairs, unlinked := 0, 0
	for _, x := range xs {
		dx := c.dataset(x)
		if shared&(1<<dx) == 0 {
			continue
		}
		for _, y := range ys {
			if c.dataset(y) != dx {
				continue
			}
			pairs++
			if _, ok := direct[pairKey(x, y)]; ok {
				continue
			}
			switch {
			case corr.vouches(c, direct, x, y, xs, ys):
				how = joinedVouched
			case common.joins(x, y, xs, ys):
				if how == joinedDirect {
					how = joinedCommon
				}
			default:
				if unlinked++; !spare || unlinked > 1 {
					return notJoined
				}
			}
		}
	}
	if unlinked > 0 {
		if pairs < minSparedPairs {
			return notJoined
		}
		return joinedSparing
	}
	return how
}
