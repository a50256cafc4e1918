package audit

import (
	"math"
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

// labelByFrequency is the frequency-alignment labelling (Kuzu et al.;
// Niedermeyer et al. on q-gram atoms): atoms in descending support each take
// the unused label whose expected count is nearest, within a factor
// maxRatio; no co-occurrence information is used.
func labelByFrequency(atoms []*atom, ls *labelSpace, n int, maxRatio float64) []int {
	type cand struct {
		id   int
		dist float64
	}
	used := make([]bool, ls.size())
	out := make([]int, len(atoms))
	// Labels sorted by share let each atom search outward from its rank.
	ids := make([]int, ls.size())
	for i := range ids {
		ids[i] = i
	}
	sort.Slice(ids, func(a, b int) bool { return ls.share(ids[a]) > ls.share(ids[b]) })
	for i, a := range atoms {
		out[i] = -1
		best, bestD := -1, math.Log(maxRatio)
		for _, id := range ids {
			if used[id] {
				continue
			}
			d := math.Abs(math.Log(float64(a.support) / (float64(n) * ls.share(id))))
			if d < bestD {
				best, bestD = id, d
			}
		}
		if best >= 0 {
			used[best] = true
			out[i] = best
		}
	}
	return out
}

// coLabeller labels atoms with q-grams by frequency refined with
// co-occurrence consistency, as in Christen et al.'s pattern-mining attack:
// an atom's support must match its q-gram's share of the population, and its
// co-occurrence with every other labelled atom must match the joint share of
// the two q-grams (high for q-grams of the same names, near zero for q-grams
// that never meet in one name, the product of shares across fields). The
// assignment is found by iterated conditional modes with pairwise swaps.
type coLabeller struct {
	ls       *labelSpace
	atoms    []*atom
	n        float64
	partners []int   // atom indices used as context (the most frequent)
	co       [][]int // co[i][k]: |recs_i ∩ recs_partners[k]|
	cands    [][]int // candidate label ids per atom
	assign   []int   // label id per atom, -1 unlabelled
	owner    []int   // atom per label id, -1 free
	maxCost  float64 // mean per-term cost above which an atom stays unlabelled
}

const (
	maxPartners   = 250
	maxCandidates = 120
	costCap       = 25.0
)

func newCoLabeller(atoms []*atom, ls *labelSpace, n int, workers int) *coLabeller {
	c := &coLabeller{ls: ls, atoms: atoms, n: float64(n), maxCost: 3}
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
	// Candidates: labels whose expected count is within a factor 3 of the
	// atom's support, nearest first.
	all := ls.size()
	c.cands = make([][]int, len(atoms))
	for i, a := range atoms {
		type cd struct {
			id int
			d  float64
		}
		var cs []cd
		for id := range all {
			d := math.Abs(math.Log(float64(a.support) / (c.n * ls.share(id))))
			if d < math.Log(3) {
				cs = append(cs, cd{id, d})
			}
		}
		sort.Slice(cs, func(x, y int) bool { return cs[x].d < cs[y].d })
		if len(cs) > maxCandidates {
			cs = cs[:maxCandidates]
		}
		for _, x := range cs {
			c.cands[i] = append(c.cands[i], x.id)
		}
	}
	c.assign = make([]int, len(atoms))
	for i := range c.assign {
		c.assign[i] = -1
	}
	c.owner = make([]int, all)
	for i := range c.owner {
		c.owner[i] = -1
	}
	return c
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
	for k, j := range c.partners {
		if j == i || j == skip || c.assign[j] < 0 {
			continue
		}
		sum += chi(float64(c.co[i][k]), c.n*c.ls.pairShare(id, c.assign[j]))
		terms++
	}
	return sum / terms
}

func (c *coLabeller) set(i, id int) {
	if old := c.assign[i]; old >= 0 {
		c.owner[old] = -1
	}
	c.assign[i] = id
	if id >= 0 {
		c.owner[id] = i
	}
}

// run labels the atoms and returns the label id of each (-1: unlabelled).
//
// The start is "most confident first": every unlabelled atom keeps, for each
// candidate label, the running sum of its unary and pairwise costs against
// the atoms labelled so far; each step commits the atom whose best free
// label beats its second best by the widest margin, then adds that atom's
// pairwise terms to everyone else's sums. Early commits rest on frequency
// alone, so only clear-cut ones go first; each commit sharpens the context
// of the rest. Sweeps of single moves and pairwise swaps then repair what
// the start got wrong.
func (c *coLabeller) run(sweeps int) []int {
	sum := make([][]float64, len(c.atoms))
	terms := make([]float64, len(c.atoms))
	for i := range c.atoms {
		sum[i] = make([]float64, len(c.cands[i]))
		for k, id := range c.cands[i] {
			sum[i][k] = chi(float64(c.atoms[i].support), c.n*c.ls.share(id))
		}
		terms[i] = 1
	}
	done := make([]bool, len(c.atoms))
	np := len(c.partners)
	for {
		pick, pickLabel, pickMargin := -1, -1, -1.0
		for i := range c.atoms {
			if done[i] {
				continue
			}
			b1, b2, l1 := math.Inf(1), c.maxCost, -1
			for k, id := range c.cands[i] {
				if c.owner[id] >= 0 {
					continue
				}
				v := sum[i][k] / terms[i]
				if v < b1 {
					b1, b2, l1 = v, min(b1, b2), id
				} else if v < b2 {
					b2 = v
				}
			}
			if l1 < 0 || b1 >= c.maxCost {
				continue
			}
			if m := b2 - b1; m > pickMargin {
				pick, pickLabel, pickMargin = i, l1, m
			}
		}
		if pick < 0 {
			break
		}
		done[pick] = true
		c.set(pick, pickLabel)
		if pick >= np { // only partners inform the others
			continue
		}
		for i := range c.atoms {
			if done[i] {
				continue
			}
			for k, id := range c.cands[i] {
				sum[i][k] += chi(float64(c.co[i][pick]), c.n*c.ls.pairShare(id, pickLabel))
			}
			terms[i]++
		}
	}
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
			if cur >= 0 {
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
	return append([]int(nil), c.assign...)
}
