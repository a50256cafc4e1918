package audit

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

// alignSignatures is the frequency-alignment attack (Kuzu et al., with their
// length constraint), applied to bit-pattern clusters rather than whole
// filters, because a filter that encodes several fields is unique to its
// person while its part for one field is not.
//
// The atoms are separated by field without any labels (c.clusters: atoms of
// one field depend on each other, atoms of different fields do not). A
// record's signature in a field is the set of that field's atoms it holds:
// every record with the same name has the same signature. Signatures are
// counted and, in descending count, each takes the unused name of the list
// whose number of distinct q-grams equals the signature's number of atoms
// and whose expected count is nearest (within a factor 1.5). The field of a
// cluster is the list whose count distribution aligns best. No q-gram is
// ever labelled: only frequencies and lengths are used.
func alignSignatures(c *coLabeller, ls *labelSpace, n int) (guesses [2][]guess, aligned int) {
	for f := range guesses {
		guesses[f] = make([]guess, n)
		for r := range guesses[f] {
			guesses[f][r].name = -1
		}
	}
	const minGroup = 8
	type sigStat struct {
		key   string
		size  int
		count int
		recs  []int
	}
	type groupSigs struct {
		sigs []*sigStat
	}
	var groups []groupSigs
	for _, members := range c.clusters() {
		if len(members) < minGroup {
			continue
		}
		sort.Ints(members)
		held := make([][]int, n)
		for _, a := range members {
			c.atoms[a].recs.each(func(r int) { held[r] = append(held[r], a) })
		}
		byKey := map[string]*sigStat{}
		for r, h := range held {
			if len(h) == 0 {
				continue
			}
			var b strings.Builder
			for _, a := range h {
				b.WriteString(strconv.Itoa(a))
				b.WriteByte(',')
			}
			k := b.String()
			s := byKey[k]
			if s == nil {
				s = &sigStat{key: k, size: len(h)}
				byKey[k] = s
			}
			s.count++
			s.recs = append(s.recs, r)
		}
		var gs groupSigs
		for _, s := range byKey {
			gs.sigs = append(gs.sigs, s)
		}
		sort.Slice(gs.sigs, func(i, j int) bool {
			if gs.sigs[i].count != gs.sigs[j].count {
				return gs.sigs[i].count > gs.sigs[j].count
			}
			return gs.sigs[i].key < gs.sigs[j].key
		})
		groups = append(groups, gs)
	}
	// Field of each group: compare the top signature shares with the top
	// name shares of each list (sum of absolute log ratios over 20 ranks).
	const ranks = 20
	dist := func(gs groupSigs, fm *fieldModel) float64 {
		if fm.list.Len() == 0 {
			return math.Inf(1)
		}
		d := 0.0
		for i := 0; i < ranks; i++ {
			var a, b float64 = 0.5, 0.5 // pseudo-counts
			if i < len(gs.sigs) {
				a += float64(gs.sigs[i].count)
			}
			if i < len(fm.weight) {
				b += fm.weight[i] * float64(n)
			}
			d += math.Abs(math.Log(a / b))
		}
		return d
	}
	type fit struct {
		g, f int
		d    float64
	}
	var fits []fit
	for g := range groups {
		for f := range 2 {
			fits = append(fits, fit{g, f, dist(groups[g], ls.fields[f])})
		}
	}
	sort.Slice(fits, func(i, j int) bool { return fits[i].d < fits[j].d })
	usedG, usedF := map[int]bool{}, map[int]bool{}
	for _, ft := range fits {
		if usedG[ft.g] || usedF[ft.f] || math.IsInf(ft.d, 1) || ft.d > ranks*math.Log(2) {
			continue
		}
		usedG[ft.g], usedF[ft.f] = true, true
		fm := ls.fields[ft.f]
		used := make([]bool, fm.list.Len())
		for _, s := range groups[ft.g].sigs {
			best, bestD, second := -1, math.Log(1.5), math.Inf(1)
			for v := range fm.list.Names {
				if used[v] || len(fm.nameGs[v]) < s.size || len(fm.nameGs[v]) > s.size+2 {
					continue
				}
				d := math.Abs(math.Log(float64(s.count) / (fm.weight[v] * float64(n))))
				if d < bestD {
					if best >= 0 {
						second = min(second, bestD)
					}
					best, bestD = v, d
				} else {
					second = min(second, d)
				}
			}
			if best < 0 {
				continue
			}
			used[best] = true
			aligned++
			conf := s.count >= 5 && bestD < 0.2 && second > 0.4
			for _, r := range s.recs {
				guesses[ft.f][r] = guess{name: int32(best), confident: conf}
			}
		}
	}
	return guesses, aligned
}
