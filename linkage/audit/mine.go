package audit

import (
	"context"
	"math"
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
	// tolerant mines filters whose q-gram positions are not always set
	// (XOR-folding cancels some, BLIP flips some): an atom's records are
	// those with at least tau of its positions set, and a position joins
	// an atom when it is set in at least minRho of the atom's records and
	// far more often than in the file as a whole.
	tolerant bool
	minRho   float64
	// needTab[s] is how many of an atom's s positions a record must have
	// set to hold it in tolerant mode (see tolerantNeeds).
	needTab []int
}

// tolerantNeeds returns, for every atom size s ≤ m, the smallest count of
// set positions that a record without the q-gram reaches by chance with
// probability at most alpha, when bits are set independently with the
// file's mean density: records above it hold the q-gram, even if folding or
// flipping cleared a few of its positions.
func tolerantNeeds(m int, density, alpha float64) []int {
	out := make([]int, m+1)
	for s := 1; s <= m; s++ {
		// Binomial(s, density) upper tail, from the top down.
		tail := 0.0
		need := s + 1
		for k := s; k >= 0; k-- {
			lg, _ := math.Lgamma(float64(s + 1))
			lk, _ := math.Lgamma(float64(k + 1))
			lsk, _ := math.Lgamma(float64(s - k + 1))
			pk := math.Exp(lg - lk - lsk + float64(k)*math.Log(density) + float64(s-k)*math.Log1p(-density))
			if tail+pk > alpha {
				break
			}
			tail += pk
			need = k
		}
		out[s] = min(max(need, (s+1)/2), s)
	}
	return out
}

// need returns how many of an atom's size positions a record must have set
// to hold the atom.
func (prm minerParams) need(size int) int {
	if !prm.tolerant || size >= len(prm.needTab) {
		return size
	}
	return prm.needTab[size]
}

// holders returns the records with at least prm.need(len(pos)) of pos set.
func holders(x *matrix, pos []int, prm minerParams) bitset {
	recs := newBitset(x.n)
	if !prm.tolerant {
		copy(recs, x.cols[pos[0]])
		for _, q := range pos[1:] {
			for w, v := range x.cols[q] {
				recs[w] &= v
			}
		}
		return recs
	}
	need := prm.need(len(pos))
	for r := range x.n {
		row := x.row(r)
		h := 0
		for _, q := range pos {
			h += int(row[q>>6] >> (q & 63) & 1)
		}
		if h >= need {
			recs.set(r)
		}
	}
	return recs
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
			var a *atom
			if prm.tolerant {
				a = growTolerant(x, s.p, R, counts, prm)
			} else {
				a = grow(x, s.p, R, counts, prm)
			}
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
			if float64(andCount(a.recs, b.recs)) >= min(prm.coSet, prm.minRho+0.2)*float64(a.support) {
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
		recs := holders(x, core, prm)
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

// growTolerant is grow for noisy filters. It keeps, for every record, the
// number of the walk's positions it has set, and takes as the record set
// those with at least prm.need of them, so a record that lost a few positions to
// folding or flipping stays in. The walk ends when that set stops changing.
func growTolerant(x *matrix, p int, R bitset, counts []int, prm minerParams) *atom {
	hits := make([]int32, x.n)
	x.cols[p].each(func(r int) { hits[r] = 1 })
	pos := []int{p}
	in := map[int]bool{p: true}
	size := R.count()
	stable := 0
	members := func(R bitset) []int {
		var m []int
		R.each(func(i int) { m = append(m, i) })
		return m
	}
	for step := 0; step < 24 && size >= prm.minSupport; step++ {
		x.intersectCounts(counts, R, members(R))
		best, bestEx := -1, 0.0
		for q, c := range counts {
			if in[q] || c < prm.minSupport {
				continue
			}
			if ex := float64(c) - float64(size)*float64(x.freq[q])/float64(x.n); ex > bestEx {
				best, bestEx = q, ex
			}
		}
		if best < 0 || float64(counts[best]) < prm.minRho*float64(size) && step >= 2 {
			break
		}
		in[best] = true
		pos = append(pos, best)
		x.cols[best].each(func(r int) { hits[r]++ })
		need := int32(prm.need(len(pos)))
		next := newBitset(x.n)
		for r, h := range hits {
			if h >= need {
				next.set(r)
			}
		}
		ns := next.count()
		if math.Abs(float64(ns-size)) <= 0.02*float64(size)+2 && len(pos) >= 6 {
			stable++
		} else {
			stable = 0
		}
		R, size = next, ns
		if stable >= 2 {
			break
		}
	}
	if stable < 2 || size < prm.minSupport {
		return nil
	}
	// Completion: positions set in most of R and far above their base rate.
	x.intersectCounts(counts, R, members(R))
	var core []int
	for q, c := range counts {
		rho := float64(c) / float64(size)
		if rho >= prm.minRho && rho-float64(x.freq[q])/float64(x.n) >= 0.25 {
			core = append(core, q)
		}
	}
	if len(core) < prm.minPositions {
		return nil
	}
	recs := holders(x, core, prm)
	return &atom{pos: core, recs: recs, support: recs.count()}
}
