package audit

import (
	"sort"
	"strings"
)

// Fields the attack re-identifies.
const (
	Forename = 0
	Surname  = 1
)

var fieldNames = [2]string{"forename", "surname"}

// qgrams returns the distinct q-grams of s the way clkhash tokenises a
// string feature: with pad, q−1 spaces on each side; every length-q
// substring over code points.
func qgrams(s string, q int, pad bool) []string {
	if s == "" {
		return nil
	}
	if pad && q > 1 {
		p := strings.Repeat(" ", q-1)
		s = p + s + p
	}
	r := []rune(s)
	seen := map[string]bool{}
	var out []string
	for i := 0; i+q <= len(r); i++ {
		g := string(r[i : i+q])
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	sort.Strings(out)
	return out
}

// fieldModel is what the attacker derives from one field's name list: the
// q-gram vocabulary, each q-gram's share of people whose name contains it,
// the joint shares of q-gram pairs (people whose name contains both), and
// each name's q-grams.
type fieldModel struct {
	list   *NameList
	grams  []string       // vocabulary, by descending share
	index  map[string]int // gram → index in grams
	share  []float64      // share[g]: fraction of people whose name contains g
	joint  [][]float32    // joint[g][h]: fraction whose name contains g and h
	nameGs [][]int        // nameGs[v]: q-gram indices of list.Names[v], sorted
	weight []float64      // weight[v]: list.Counts[v] / total
}

func newFieldModel(l *NameList, q int, pad bool) *fieldModel {
	fm := &fieldModel{list: l, index: map[string]int{}}
	total := float64(l.Total())
	raw := make([][]string, l.Len())
	shares := map[string]float64{}
	for v, name := range l.Names {
		raw[v] = qgrams(name, q, pad)
		w := float64(l.Counts[v]) / total
		for _, g := range raw[v] {
			shares[g] += w
		}
	}
	for g := range shares {
		fm.grams = append(fm.grams, g)
	}
	sort.Slice(fm.grams, func(i, j int) bool {
		a, b := shares[fm.grams[i]], shares[fm.grams[j]]
		if a != b {
			return a > b
		}
		return fm.grams[i] < fm.grams[j]
	})
	fm.share = make([]float64, len(fm.grams))
	for i, g := range fm.grams {
		fm.index[g] = i
		fm.share[i] = shares[g]
	}
	G := len(fm.grams)
	fm.joint = make([][]float32, G)
	backing := make([]float32, G*G)
	for i := range fm.joint {
		fm.joint[i] = backing[i*G : (i+1)*G]
	}
	fm.nameGs = make([][]int, l.Len())
	fm.weight = make([]float64, l.Len())
	for v := range l.Names {
		ids := make([]int, len(raw[v]))
		for i, g := range raw[v] {
			ids[i] = fm.index[g]
		}
		sort.Ints(ids)
		fm.nameGs[v] = ids
		w := float64(l.Counts[v]) / total
		fm.weight[v] = w
		for _, a := range ids {
			for _, b := range ids {
				fm.joint[a][b] += float32(w)
			}
		}
	}
	return fm
}
