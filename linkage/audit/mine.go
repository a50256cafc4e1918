package audit

import (
	"context"
	"sort"
)

// atom is a group of bit positions that are set together: in an unhardened
// CLK, the k positions one q-gram of one field hashes to. recs is the set of
// records in which every position of the atom is set, i.e. (up to chance
// coverage by other q-grams) the records whose value contains the q-gram.
type atom struct {
	pos     []int
	recs    bitset
	support int
}

// minerParams tune the frequent-itemset miner.
type minerParams struct {
	minSupport   int     // fewest records an atom must occur in
	minPositions int     // fewest positions an atom must have
	coSet        float64 // a position belongs to an atom if set in ≥ coSet of its records
	maxPasses    int     // residual passes over all seed positions
}

// mineAtoms finds the position groups of an encoded file, the first stage of
// the pattern-mining attack (Christen, Ranbaduge, Vatsalan and Schnell).
//
// The observation it exploits: a q-gram g of one field sets the same k
// positions P_g in every record that contains it, so the intersection of
// the columns of P_g is exactly the set of records holding g, while a
// position's column is the union of the record sets of every q-gram hashed
// there. Starting from a seed position p, the miner repeatedly intersects
// the current record set R with the column q that has the largest excess
// co-occurrence |R ∩ col_q| − |R|·f_q over independence; this walks to the
// most frequent q-gram at p, whose positions keep R intact while positions
// of other q-grams cut it. When R stops shrinking it has converged to that
// q-gram's records and P_g is every position set in (almost) all of R.
//
// Seeds run in passes: after each pass, the records explained at a position
// by atoms found so far are removed from its column, so the next pass walks
// to the next most frequent q-gram there.
func mineAtoms(ctx context.Context, x *matrix, prm minerParams) ([]*atom, error) {
	var atoms []*atom
	covered := make([]bitset, x.m) // per position: records explained by found atoms
	for p := range covered {
		covered[p] = newBitset(x.n)
	}
	counts := make([]int, x.m)
	for pass := 0; pass < prm.maxPasses; pass++ {
		type seed struct{ p, resid int }
		seeds := make([]seed, 0, x.m)
		for p := 0; p < x.m; p++ {
			if r := andNotCount(x.cols[p], covered[p]); r >= prm.minSupport {
				seeds = append(seeds, seed{p, r})
			}
		}
		sort.Slice(seeds, func(i, j int) bool {
			if seeds[i].resid != seeds[j].resid {
				return seeds[i].resid > seeds[j].resid
			}
			return seeds[i].p < seeds[j].p
		})
		used := make([]bool, x.m)
		found := 0
		for _, s := range seeds {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if used[s.p] {
				continue
			}
			R := newBitset(x.n)
			for i, w := range x.cols[s.p] {
				R[i] = w &^ covered[s.p][i]
			}
			a := grow(x, s.p, R, counts, prm)
			if a == nil {
				used[s.p] = true
				continue
			}
			for _, q := range a.pos {
				used[q] = true
			}
			if dup := findDuplicate(atoms, a); dup != nil {
				continue
			}
			atoms = append(atoms, a)
			found++
		}
		if found == 0 {
			break
		}
		for _, a := range atoms {
			for _, q := range a.pos {
				c := covered[q]
				for i, w := range a.recs {
					c[i] |= w
				}
			}
		}
	}
	return atoms, nil
}

// grow runs the greedy walk from seed position p with starting record set R
// (consumed) and returns the converged atom, or nil when none is found.
func grow(x *matrix, p int, R bitset, counts []int, prm minerParams) *atom {
	members := func(R bitset) []int {
		var m []int
		R.each(func(i int) { m = append(m, i) })
		return m
	}
	in := map[int]bool{p: true}
	size := R.count()
	stable := 0
	const maxSteps = 16
	for step := 0; step < maxSteps && size >= prm.minSupport; step++ {
		x.intersectCounts(counts, R, members(R))
		best, bestEx := -1, 0.0
		for q, c := range counts {
			if in[q] || c < prm.minSupport {
				continue
			}
			ex := float64(c) - float64(size)*float64(x.freq[q])/float64(x.n)
			if ex > bestEx {
				best, bestEx = q, ex
			}
		}
		if best < 0 {
			break
		}
		ratio := float64(counts[best]) / float64(size)
		if ratio < 0.5 && step >= 2 {
			break // no position left that shares most of R: R is as tight as it gets
		}
		in[best] = true
		for i, w := range x.cols[best] {
			R[i] &= w
		}
		size = counts[best]
		if ratio >= 0.995 {
			if stable++; stable >= 2 {
				break
			}
		} else {
			stable = 0
		}
	}
	if size < prm.minSupport {
		return nil
	}
	// Completion: every position set in (almost) all of R belongs to the atom.
	x.intersectCounts(counts, R, members(R))
	var pos []int
	for q, c := range counts {
		if float64(c) >= prm.coSet*float64(size) {
			pos = append(pos, q)
		}
	}
	if len(pos) < prm.minPositions || float64(stable) < 1 {
		return nil
	}
	return &atom{pos: pos, recs: R, support: size}
}

// findDuplicate returns an atom of atoms whose record set is nearly the same
// as a's (Jaccard ≥ 0.95), merging a's positions into it, or nil.
func findDuplicate(atoms []*atom, a *atom) *atom {
	for _, b := range atoms {
		lo, hi := a.support, b.support
		if lo > hi {
			lo, hi = hi, lo
		}
		if float64(lo) < 0.95*float64(hi) {
			continue
		}
		inter := andCount(a.recs, b.recs)
		if float64(inter) >= 0.95*float64(a.support+b.support-inter) {
			b.pos = unionSorted(b.pos, a.pos)
			return b
		}
	}
	return nil
}

func unionSorted(a, b []int) []int {
	out := make([]int, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && a[i] < b[j]):
			out = append(out, a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}

// refineAtoms turns mined atoms into the attack's q-gram candidates. An atom
// whose records are (almost) a subset of a more frequent atom's records also
// contains that atom's positions (every record of "xa" holds "al", "le" and
// "ex" too when "xa" occurs only in "alexander"); those borrowed positions
// are removed, leaving the atom's own core. Atoms whose core is too small
// are dropped. Record sets are then recomputed exactly as the records that
// have every core position set, over all records.
func refineAtoms(x *matrix, atoms []*atom, prm minerParams) []*atom {
	sort.Slice(atoms, func(i, j int) bool { return atoms[i].support > atoms[j].support })
	out := atoms[:0:0]
	for i, a := range atoms {
		borrowed := map[int]bool{}
		for _, b := range atoms[:i] {
			if float64(b.support) < 1.05*float64(a.support) {
				continue
			}
			if float64(andCount(a.recs, b.recs)) >= prm.coSet*float64(a.support) {
				for _, q := range b.pos {
					borrowed[q] = true
				}
			}
		}
		var core []int
		for _, q := range a.pos {
			if !borrowed[q] {
				core = append(core, q)
			}
		}
		if len(core) < prm.minPositions {
			continue
		}
		recs := newBitset(x.n)
		copy(recs, x.cols[core[0]])
		for _, q := range core[1:] {
			for w, v := range x.cols[q] {
				recs[w] &= v
			}
		}
		if s := recs.count(); s >= prm.minSupport {
			out = append(out, &atom{pos: core, recs: recs, support: s})
		}
	}
	// q-grams set about k positions each; groups far smaller than the
	// typical atom are chance coincidences, not q-grams.
	if len(out) > 0 {
		sizes := make([]int, len(out))
		for i, a := range out {
			sizes[i] = len(a.pos)
		}
		sort.Ints(sizes)
		cut := sizes[len(sizes)/2] / 2
		kept := out[:0]
		for _, a := range out {
			if len(a.pos) >= cut {
				kept = append(kept, a)
			}
		}
		out = kept
	}
	sort.Slice(out, func(i, j int) bool { return out[i].support > out[j].support })
	return out
}
