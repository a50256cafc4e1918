package audit

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"
)

// label identifies a q-gram of one field: f is Forename or Surname, g the
// q-gram's index in that field's model. The unlabelled state is noLabel.
type label struct{ f, g int }

var noLabel = label{-1, -1}

// labelSpace flattens the labels of both fields into ids 0..size-1.
type labelSpace struct {
	fields [2]*fieldModel
	off    int // id of (Surname, 0)
}

func (s *labelSpace) size() int { return s.off + len(s.fields[Surname].grams) }

func (s *labelSpace) of(id int) label {
	if id < s.off {
		return label{Forename, id}
	}
	return label{Surname, id - s.off}
}

func (s *labelSpace) share(id int) float64 {
	l := s.of(id)
	return s.fields[l.f].share[l.g]
}

// pairShare is the expected share of people whose values contain both
// q-grams: from the name list for two q-grams of one field, and the product
// of shares across fields (forename and surname are taken as independent).
func (s *labelSpace) pairShare(a, b int) float64 {
	la, lb := s.of(a), s.of(b)
	if la.f == lb.f {
		return float64(s.fields[la.f].joint[la.g][lb.g])
	}
	return s.fields[la.f].share[la.g] * s.fields[lb.f].share[lb.g]
}

// coLabeller labels atoms with q-grams by frequency refined with
// co-occurrence consistency, as in Christen et al.'s pattern-mining attack:
// an atom's support must match its q-gram's share of the population, and its
// co-occurrence with every other labelled atom must match the joint share of
// the two q-grams (high for q-grams of the same names, near zero for q-grams
// that never meet in one name, the product of shares across fields).
//
// It works in three steps. (1) Field separation: atoms of one field depend
// on each other (they come from the same names), atoms of different fields
// are independent, so average-linkage clustering of the most frequent atoms
// on their dependence splits them by field (and sets aside other fields
// such as the date of birth). (2) Each large cluster is labelled once with
// each name list's q-grams and keeps the field that fits best, or none.
// (3) All atoms are labelled together, each restricted to its cluster's
// field, by iterated conditional modes with pairwise swaps.
type coLabeller struct {
	ls       *labelSpace
	atoms    []*atom
	n        float64
	partners []int   // atom indices used as context (the most frequent)
	co       [][]int // co[i][k]: |recs_i ∩ recs_partners[k]|
	near     [][]int // all candidate label ids per atom, nearest share first
	cands    [][]int // current candidate label ids per atom
	assign   []int   // label id per atom, -1 unlabelled
	labelled []int   // partner indices (= atom indices) currently labelled
	owner    []int   // atom per label id, -1 free
	maxCost  float64 // mean per-term cost above which an atom stays unlabelled
}

const (
	goodCost = 1.5 // an atom whose label costs less fits its name list
	minGain  = 3.0 // a field needs several well-fitting atoms

	maxPartners   = 250
	maxCandidates = 160
	costCap       = 25.0
	// linkCut is the average dependence (mean chi term) above which two
	// clusters of atoms are taken to belong to one field; independent atoms
	// average about 1, atoms of one field 4–6.
	linkCut = 2.0
)

// fieldCuts are the dependence cuts at which fieldOfAtoms tries the atoms'
// groups: linkCut first, then stricter ones. Fields that depend on each
// other (sex and year of birth on forenames, postcode on surnames within
// families) can join a name field's group at linkCut for some keys (about
// one in fifteen on synthetic health records: the forename group then fit
// no list, and the attack recovered 0.1% of forenames against about 90%
// for other keys); at a stricter cut the name field's atoms stand apart.
// An attacker can try every cut and keep the best fit without any truth.
var fieldCuts = []float64{linkCut, 3.0, 4.5}

func newCoLabeller(atoms []*atom, ls *labelSpace, n int, workers int) *coLabeller {
	c := &coLabeller{ls: ls, atoms: atoms, n: float64(n), maxCost: 2}
	np := min(len(atoms), maxPartners)
	for i := range np { // atoms are sorted by descending support
		c.partners = append(c.partners, i)
	}
	c.co = make([][]int, len(atoms))
	var wg sync.WaitGroup
	next := make(chan int, len(atoms))
	for i := range atoms {
		next <- i
	}
	close(next)
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				row := make([]int, np)
				for k, j := range c.partners {
					row[k] = andCount(atoms[i].recs, atoms[j].recs)
				}
				c.co[i] = row
			}
		}()
	}
	wg.Wait()
	// Candidates: labels whose expected count e is close to the atom's
	// support o: |o−e| ≤ 0.25e + 3√e + 2, allowing a 25% mismatch between
	// list and file plus sampling noise. Nearest first.
	all := ls.size()
	c.near = make([][]int, len(atoms))
	for i, a := range atoms {
		type cd struct {
			id int
			d  float64
		}
		var cs []cd
		o := float64(a.support)
		for id := range all {
			e := c.n * ls.share(id)
			if math.Abs(o-e) <= 0.25*e+3*math.Sqrt(e)+2 {
				cs = append(cs, cd{id, math.Abs(math.Log(o / e))})
			}
		}
		sort.Slice(cs, func(x, y int) bool { return cs[x].d < cs[y].d })
		for _, x := range cs {
			c.near[i] = append(c.near[i], x.id)
		}
	}
	c.cands = make([][]int, len(atoms))
	c.assign = make([]int, len(atoms))
	c.owner = make([]int, all)
	c.reset()
	return c
}

// reset unlabels every atom.
func (c *coLabeller) reset() {
	for i := range c.assign {
		c.assign[i] = -1
	}
	for i := range c.owner {
		c.owner[i] = -1
	}
	c.labelled = c.labelled[:0]
}

// restrict sets atom i's candidates to the nearest labels of field f (-1:
// no candidates; 2: either field).
func (c *coLabeller) restrict(i, f int) {
	c.cands[i] = c.cands[i][:0]
	if f < 0 {
		return
	}
	for _, id := range c.near[i] {
		if f == 2 || c.ls.of(id).f == f {
			c.cands[i] = append(c.cands[i], id)
			if len(c.cands[i]) == maxCandidates {
				break
			}
		}
	}
}

// chi is a squared deviation of observed count o from expected count e,
// scaled by a variance that allows Poisson noise plus a 10% mismatch between
// the name list and the encoded population, and capped so that one bad pair
// cannot dominate.
func chi(o, e float64) float64 {
	d := o - e
	return min(d*d/(e+0.01*e*e+1), costCap)
}

// cost is the mean per-term cost of giving atom i label id, with every other
// atom keeping its current label (skip is an atom to treat as unlabelled).
func (c *coLabeller) cost(i, id, skip int) float64 {
	sum := chi(float64(c.atoms[i].support), c.n*c.ls.share(id))
	terms := 1.0
	for _, k := range c.labelled {
		j := c.partners[k]
		if j == i || j == skip {
			continue
		}
		sum += chi(float64(c.co[i][k]), c.n*c.ls.pairShare(id, c.assign[j]))
		terms++
	}
	return sum / terms
}

func (c *coLabeller) set(i, id int) {
	old := c.assign[i]
	if old >= 0 {
		c.owner[old] = -1
	}
	// Partners are atoms 0..len(partners)-1; keep the list of labelled ones.
	if i < len(c.partners) {
		if old < 0 && id >= 0 {
			c.labelled = append(c.labelled, i)
		} else if old >= 0 && id < 0 {
			for k, p := range c.labelled {
				if p == i {
					c.labelled = append(c.labelled[:k], c.labelled[k+1:]...)
					break
				}
			}
		}
	}
	c.assign[i] = id
	if id >= 0 {
		c.owner[id] = i
	}
}

// clusters groups the partner atoms by dependence (average linkage, merging
// while the average dependence between two groups exceeds linkCut) and
// returns the groups, largest first.
func (c *coLabeller) clusters() [][]int { return c.clustersAt(linkCut) }

// clustersAt is clusters merging while the average dependence exceeds cut.
func (c *coLabeller) clustersAt(cut float64) [][]int {
	np := len(c.partners)
	sim := make([][]float64, np)
	for i := range np {
		sim[i] = make([]float64, np)
		for j := range np {
			if i != j {
				e := float64(c.atoms[i].support) * float64(c.atoms[j].support) / c.n
				sim[i][j] = chi(float64(c.co[i][j]), e)
			}
		}
	}
	groups := make([][]int, np)
	alive := make([]bool, np)
	for i := range np {
		groups[i] = []int{i}
		alive[i] = true
	}
	for {
		bi, bj, best := -1, -1, cut
		for i := range np {
			if !alive[i] {
				continue
			}
			for j := i + 1; j < np; j++ {
				if alive[j] && sim[i][j] > best {
					bi, bj, best = i, j, sim[i][j]
				}
			}
		}
		if bi < 0 {
			break
		}
		// Lance–Williams update for average linkage.
		a, b := float64(len(groups[bi])), float64(len(groups[bj]))
		for k := range np {
			if alive[k] && k != bi && k != bj {
				v := (a*sim[bi][k] + b*sim[bj][k]) / (a + b)
				sim[bi][k], sim[k][bi] = v, v
			}
		}
		groups[bi] = append(groups[bi], groups[bj]...)
		alive[bj] = false
	}
	var out [][]int
	for i := range np {
		if alive[i] {
			out = append(out, groups[i])
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// fieldOfAtoms separates the atoms by field: it returns, per atom, Forename,
// Surname, -1 (a cluster that fits neither name list, e.g. the date of
// birth) or 2 (too rare to place: either field), and the labels the
// winning trial gave each placed atom (a starting point; -1 elsewhere).
func (c *coLabeller) fieldOfAtoms() (field, start []int, gain float64) {
	field = make([]int, len(c.atoms))
	start = make([]int, len(c.atoms))
	for i := range field {
		field[i] = 2
		start[i] = -1
	}
	const minGroup = 8
	// The groups at every cut, each distinct group once: at linkCut first,
	// so that base[i] is the group at linkCut (and of atom i's field, or of
	// none) that holds atom i.
	var groups [][]int
	seen := map[string]bool{}
	base := make([]int, len(c.atoms))
	for i := range base {
		base[i] = -1
	}
	for k, cut := range fieldCuts {
		for _, members := range c.clustersAt(cut) {
			if len(members) < minGroup {
				continue
			}
			sorted := slices.Sorted(slices.Values(members))
			key := fmt.Sprint(sorted)
			if seen[key] {
				continue
			}
			seen[key] = true
			if k == 0 {
				for _, i := range members {
					base[i] = len(groups)
				}
			}
			groups = append(groups, members)
		}
	}
	// Try each large group with each field's labels; keep the better fit if
	// it beats leaving the group unlabelled.
	type fit struct {
		g, f int
		cost float64 // minus the gain
	}

	var fits []fit
	best := map[[2]int][]int{} // (group, field) → labels of the group's members
	for g := range groups {
		members := groups[g]
		for f := range 2 {
			if len(c.ls.fields[f].grams) == 0 {
				continue
			}
			// The greedy start anchors on one atom. A group may hold atoms
			// of other fields that depend on this one (sex and year of birth
			// on forenames, postcode on surnames within families), so the
			// anchor is tried among the group's five most frequent atoms that
			// have candidates, each with its two nearest labels, and without;
			// the run that labels the most atoms consistently wins.
			byS := append([]int(nil), members...)
			sort.Slice(byS, func(x, y int) bool { return c.atoms[byS[x]].support > c.atoms[byS[y]].support })
			type anchor struct{ atom, id int }
			starts := []anchor{{-1, -1}}
			tried := 0
			for _, a := range byS {
				c.restrict(a, f)
				if len(c.cands[a]) == 0 {
					continue
				}
				for _, id := range c.cands[a][:min(2, len(c.cands[a]))] {
					starts = append(starts, anchor{a, id})
				}
				if tried++; tried == 5 {
					break
				}
			}
			bestCost := math.Inf(1)
			for _, st := range starts {
				c.reset()
				for i := range c.atoms {
					c.restrict(i, -1)
				}
				for _, i := range members {
					c.restrict(i, f)
				}
				if st.atom >= 0 {
					c.set(st.atom, st.id)
				}
				c.icm(4)
				// Gain: how far below goodCost each labelled atom's cost is.
				total := 0.0
				for _, i := range members {
					if id := c.assign[i]; id >= 0 {
						total -= max(goodCost-c.cost(i, id, -1), 0)
					}
				}
				if total < bestCost {
					bestCost = total
					labels := make([]int, len(members))
					for k, i := range members {
						labels[k] = c.assign[i]
					}
					best[[2]int{g, f}] = labels
				}
			}
			fits = append(fits, fit{g, f, bestCost})
		}
	}
	sort.Slice(fits, func(i, j int) bool { return fits[i].cost < fits[j].cost })
	// The best fits first, each field once, on groups that share no atom
	// with a group already placed.
	placed := make([]bool, len(c.atoms))
	usedF := map[int]bool{}
	for _, ft := range fits {
		if usedF[ft.f] || -ft.cost < minGain || slices.ContainsFunc(groups[ft.g], func(i int) bool { return placed[i] }) {
			continue
		}
		usedF[ft.f] = true
		gain -= ft.cost
		for k, i := range groups[ft.g] {
			placed[i] = true
			field[i] = ft.f
			start[i] = best[[2]int{ft.g, ft.f}][k]
		}
	}
	// The rest of a large group at linkCut fits no name field (e.g. the
	// date of birth, or the sex atoms a stricter cut took from a forename
	// group); small groups and rare atoms stay open to either name field.
	for i, g := range base {
		if g >= 0 && !placed[i] {
			field[i] = -1
		}
	}
	return field, start, gain
}

// run labels the atoms and returns the label id of each (-1: unlabelled)
// and the fit gain of the fields found (how well the labelling explains the
// file: the sum over well-fitting atoms of how far their cost is below
// goodCost), which lets an attacker compare mining variants without truth.
func (c *coLabeller) run(sweeps int) ([]int, float64) {
	field, start, gain := c.fieldOfAtoms()
	c.reset()
	for i := range c.atoms {
		c.restrict(i, field[i])
	}
	// Start from the per-field labellings (labels are field-specific, so
	// they never collide), then label the rest and repair.
	for i, id := range start {
		if id >= 0 {
			c.set(i, id)
		}
	}
	c.icm(sweeps)
	return append([]int(nil), c.assign...), gain
}

// icm labels the atoms from the current candidates: a greedy start in
// support order (against the atoms labelled so far), then sweeps of single
// moves and pairwise swaps until nothing improves.
func (c *coLabeller) icm(sweeps int) {
	for i := range c.atoms {
		if c.assign[i] >= 0 {
			continue
		}
		best, bestCost := -1, c.maxCost
		for _, id := range c.cands[i] {
			if c.owner[id] >= 0 {
				continue
			}
			if k := c.cost(i, id, -1); k < bestCost {
				best, bestCost = id, k
			}
		}
		c.set(i, best)
	}
	defer func() {
		for i, id := range c.assign {
			if id >= 0 && c.cost(i, id, -1) >= c.maxCost {
				c.set(i, -1)
			}
		}
	}()
	for range sweeps {
		changed := 0
		for i := range c.atoms {
			cur := c.assign[i]
			curCost := c.maxCost
			if cur >= 0 {
				curCost = c.cost(i, cur, -1)
			}
			best, bestCost := -1, curCost
			for _, id := range c.cands[i] {
				if id == cur {
					continue
				}
				if k := c.cost(i, id, c.owner[id]); k < bestCost {
					best, bestCost = id, k
				}
			}
			if best < 0 {
				if cur >= 0 && curCost >= c.maxCost {
					c.set(i, -1)
					changed++
				}
				continue
			}
			j := c.owner[best]
			if j < 0 {
				c.set(i, best)
				changed++
				continue
			}
			// best belongs to atom j: swap if the pair's total cost falls.
			jCur := c.cost(j, best, -1)
			jNew := c.maxCost
			if cur >= 0 && containsInt(c.cands[j], cur) {
				jNew = c.cost(j, cur, i)
			}
			if bestCost+jNew < curCost+jCur {
				c.set(j, -1)
				c.set(i, best)
				if cur >= 0 && jNew < c.maxCost {
					c.set(j, cur)
				}
				changed++
			}
		}
		if changed == 0 {
			break
		}
	}
}

func containsInt(s []int, x int) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}
