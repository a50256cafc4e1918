package linkage

import (
	"cmp"
	"slices"
)

// Corroboration: one person split in two entities because two of their
// records in one dataset are not linked directly.
//
// The solver merges entities that share a dataset only when every two
// records of that dataset, one from each side, are linked above the
// within-dataset bar (complete linkage: twins and same-birthday strangers
// are not chained through a record they both resemble). A within-dataset
// pair is judged alone against the whole dataset's pairs, so a child's
// second record after a surname change or a move often falls below that
// bar; the complete-linkage condition then also keeps out every link of
// that record to the child's other agencies. At 5.5 million people a
// third of the true pairs missed were lost this way.
//
// Being vouched for is evidence only for some kinds of pair: strangers of
// one forename, birthday and area are vouched for by each other's
// partners as often as a renamed child's two records are. So the kinds
// are told apart by the pairs that hold the ID on both sides. Among the
// within-dataset candidates that share a partner (a record of another
// dataset linked to both above the bar), those agreeing on the ID rule
// (CHI) are one person and those differing are two; by the pattern of the
// other rules, a pattern is trusted when at least corroborationMinPairs of
// its vouched pairs hold the ID on both sides and most of those agree.
// Measured at a million people: agreeing on forename, birthday, sex and
// postcode sector (t6, t12, t14), 668 agree and 84 differ; the same
// without the sector (t6, t14), 136 agree and 7,354 differ.
//
// A pair lacking the ID on a side, below the within-dataset bar, of a
// trusted pattern, may then share an entity without a direct link when
// every record of the merged entity from other datasets is linked above
// the bar to both (vouches).
type corroboration struct {
	pairs  map[uint64]struct{} // eligible within-dataset pairs (pairKey)
	joined int                 // merges that relied on it
}

// corroborationMinPairs is the number of vouched pairs holding the ID on
// both sides a pattern needs before it can be trusted.
const corroborationMinPairs = 50

// withinCand is a within-dataset candidate that corroboration reads: one
// whose ID rule is held by both records, or that scored below the bar.
type withinCand struct {
	key   uint64  // pairKey of the global indices
	rest  pattern // its rules, the ID rules cleared (Model.restClear)
	id    int8    // the ID rule: 0 missing on a side, 1 agree, 2 differ
	below bool    // scored below the within-dataset bar
}

// newCorroboration reads the links above the bar (the solver's input)
// and the within-dataset candidates, and returns the eligible pairs.
func newCorroboration(links []Link, offsets []int, wc []withinCand) *corroboration {
	// Each record's partners: the links between datasets both ways, as
	// record<<32 | partner, sorted.
	g := func(d uint16, i uint32) uint64 { return uint64(offsets[d]) + uint64(i) }
	edges := make([]uint64, 0, 2*len(links))
	for _, l := range links {
		if !l.Within() {
			a, b := g(l.DA, l.A), g(l.DB, l.B)
			edges = append(edges, a<<32|b, b<<32|a)
		}
	}
	edges = parallelSort(edges, cmp.Compare[uint64])
	// Most within-dataset candidates have a record with no partner at all:
	// a bit per record answers them without a search.
	n := offsets[len(offsets)-1]
	has := make([]uint64, (n+63)/64)
	for _, e := range edges {
		x := e >> 32
		has[x>>6] |= 1 << (x & 63)
	}
	hasPartner := func(x uint32) bool { return has[x>>6]&(1<<(x&63)) != 0 }
	partners := func(x uint32) []uint64 {
		lo, _ := slices.BinarySearch(edges, uint64(x)<<32)
		hi, _ := slices.BinarySearch(edges, uint64(x+1)<<32)
		return edges[lo:hi]
	}
	sharePartner := func(k uint64) bool {
		if !hasPartner(uint32(k)) || !hasPartner(uint32(k>>32)) {
			return false
		}
		ys := partners(uint32(k))
		for _, z := range partners(uint32(k >> 32)) {
			for _, w := range ys {
				if uint32(w) == uint32(z) {
					return true
				}
			}
		}
		return false
	}
	shares := make([]bool, len(wc))
	parallelFor(len(wc), 1<<16, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			shares[i] = sharePartner(wc[i].key)
		}
	})
	type tally struct{ agree, differ int }
	byPattern := map[pattern]tally{}
	var cands []withinCand
	for i, c := range wc {
		if !shares[i] {
			continue
		}
		t := byPattern[c.rest]
		switch c.id {
		case 1:
			t.agree++
		case 2:
			t.differ++
		default:
			if c.below {
				cands = append(cands, c)
			}
		}
		byPattern[c.rest] = t
	}
	corr := &corroboration{pairs: map[uint64]struct{}{}}
	for _, c := range cands {
		if t := byPattern[c.rest]; t.agree+t.differ >= corroborationMinPairs && t.agree > t.differ {
			corr.pairs[c.key] = struct{}{}
		}
	}
	return corr
}

// vouches reports whether records x (of xs) and y (of ys), of one dataset
// and not linked directly, may share the merged entity: their pair is
// eligible and every record of xs and ys from another dataset is linked
// to both (direct holds the links above the bar).
func (corr *corroboration) vouches(c *clusters, direct map[uint64]struct{}, x, y uint32, xs, ys []uint32) bool {
	if corr == nil {
		return false
	}
	if _, ok := corr.pairs[pairKey(x, y)]; !ok {
		return false
	}
	d := c.dataset(x)
	n := 0
	for _, zs := range [2][]uint32{xs, ys} {
		for _, z := range zs {
			if c.dataset(z) == d {
				continue
			}
			_, okx := direct[pairKey(x, z)]
			_, oky := direct[pairKey(y, z)]
			if !okx || !oky {
				return false
			}
			n++
		}
	}
	return n > 0
}
