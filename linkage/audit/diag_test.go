package audit

import (
	"context"
	"os"
	"strconv"
	"testing"
)

func TestDiag(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("DIAGN"))
	if n == 0 { t.Skip() }
	fl, sl := loadTestList(t, "forenames.csv"), loadTestList(t, "surnames.csv")
	people := synthPeople(n, 1, fl, sl)
	e := encoding{bits: 1024, k: 20}
	clks := e.encodeAll(t, []byte("secret"), people)
	x := newMatrix(clks, 128)
	prm := minerParams{minSupport: max(4, n/2000), minPositions: 3, coSet: 0.98, maxPasses: 4}
	atoms, _ := mineAtoms(context.Background(), x, prm)
	atoms = refineAtoms(x, atoms, prm)
	// true record sets
	type key struct{ f int; g string }
	truth := map[key]bitset{}
	for r, p := range people {
		for f, v := range []string{p.forename, p.surname, p.dob} {
			for _, g := range qgrams(v, 2, true) {
				k := key{f, g}
				if truth[k] == nil { truth[k] = newBitset(n) }
				truth[k].set(r)
			}
		}
	}
	ls := &labelSpace{}
	ls.fields[0] = newFieldModel(fl, 2, true)
	ls.fields[1] = newFieldModel(sl, 2, true)
	ls.off = len(ls.fields[0].grams)
	cl := newCoLabeller(atoms, ls, n, 2)
	trueLab := make([]int, len(atoms))
	for i, a := range atoms {
		best, bj := key{}, 0.0
		for k, b := range truth {
			in := andCount(a.recs, b)
			j := float64(in) / float64(a.support+b.count()-in)
			if j > bj { best, bj = k, j }
		}
		trueLab[i] = -1
		if best.f < 2 && bj > 0.9 {
			if g, ok := ls.fields[best.f].index[best.g]; ok {
				id := g
				if best.f == 1 { id += ls.off }
				if cl.owner[id] < 0 { cl.set(i, id); trueLab[i] = id }
			}
		}
	}
	for i := range atoms {
		if trueLab[i] < 0 || i > 150 { continue }
		c := cl.cost(i, trueLab[i], -1)
		bestAlt, bc := -1, 1e9
		for _, id := range cl.cands[i] {
			if id == trueLab[i] { continue }
			if k := cl.cost(i, id, cl.owner[id]); k < bc { bestAlt, bc = id, k }
		}
		incand := false
		for _, id := range cl.cands[i] { if id == trueLab[i] { incand = true } }
		l := ls.of(trueLab[i])
		t.Logf("atom %d true %d:%q sup=%d exp=%.0f cost=%.2f alt=%d cost=%.2f incand=%v", i, l.f, ls.fields[l.f].grams[l.g], atoms[i].support, float64(n)*ls.share(trueLab[i]), c, bestAlt, bc, incand)
	}
	// dependence clustering diag
	{
		np := min(250, len(atoms))
		tf := make([]int, np)
		for i := 0; i < np; i++ {
			best, bj := key{}, 0.0
			for k, b := range truth {
				in := andCount(atoms[i].recs, b)
				j := float64(in) / float64(atoms[i].support+b.count()-in)
				if j > bj { best, bj = k, j }
			}
			tf[i] = best.f
			if bj < 0.9 { tf[i] = 3 }
		}
		var within, across [4]float64; var nw, na [4]float64
		for i := 0; i < np; i++ { for j := 0; j < np; j++ { if i==j {continue}
			e := float64(atoms[i].support)*float64(atoms[j].support)/float64(n)
			d := chi(float64(cl.co[i][j]), e)
			if tf[i]==tf[j] { within[tf[i]]+=d; nw[tf[i]]++ } else { across[tf[i]]+=d; na[tf[i]]++ }
		}}
		for f := 0; f < 4; f++ { t.Logf("field %d: mean D within %.2f across %.2f (n %v %v)", f, within[f]/nw[f], across[f]/na[f], nw[f], na[f]) }
	}
	assign := newCoLabeller(atoms, ls, n, 2).run(6)
	good := [4]int{}; tot := [4]int{}; lab := [4]int{}
	for i, a := range atoms {
		best, bj := key{}, 0.0
		for k, b := range truth {
			in := andCount(a.recs, b)
			j := float64(in) / float64(a.support+b.count()-in)
			if j > bj { best, bj = k, j }
		}
		tot[best.f]++
		l := ""
		if assign[i] >= 0 {
			lab[best.f]++
			ll := ls.of(assign[i]); l = strconv.Itoa(ll.f) + ":" + ls.fields[ll.f].grams[ll.g]
			if ll.f == best.f && ls.fields[ll.f].grams[ll.g] == best.g { good[best.f]++ }
		}
		if i < 60 || (best.f == 1 && i < 200) {
			t.Logf("atom %d sup=%d pos=%d true=%d:%q jac=%.2f label=%q", i, a.support, len(a.pos), best.f, best.g, bj, l)
		}
	}
	t.Logf("per true field: atoms %v labelled %v correct %v", tot, lab, good)
}
