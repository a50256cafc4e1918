package audit

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/pprl/pprl/internal/tokenfile"
)

func TestDiagFile(t *testing.T) {
	path := os.Getenv("DIAGFILE")
	if path == "" { t.Skip() }
	_, data, err := tokenfile.ReadFile(path, nil)
	if err != nil { t.Fatal(err) }
	tr, err := ReadTruth(os.Getenv("DIAGTRUTH"), 0, TruthColumns{"PATIENT_KEY", "FORENAME", "SURNAME"}, data.RecordIDs)
	if err != nil { t.Fatal(err) }
	norm := func(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }
	n := data.Len()
	x := newMatrix(data.CLKs, data.CLKBytes)
	prm := minerParams{minSupport: max(4, n/2000), minPositions: 3, coSet: 0.98, maxPasses: 4}
	atoms, _ := mineAtoms(context.Background(), x, prm)
	atoms = refineAtoms(x, atoms, prm)
	type key struct{ f int; g string }
	truth := map[key]bitset{}
	for r := 0; r < n; r++ {
		for f, v := range []string{norm(tr.Forenames[r]), norm(tr.Surnames[r])} {
			for _, g := range qgrams(v, 2, true) {
				k := key{f, g}
				if truth[k] == nil { truth[k] = newBitset(n) }
				truth[k].set(r)
			}
		}
	}
	fl, sl := loadList(t, os.Getenv("DIAGF")), loadList(t, os.Getenv("DIAGS"))
	res, err := Run(context.Background(), data.CLKs, data.CLKBytes, Config{Forenames: fl, Surnames: sl, Normalise: norm}, tr)
	if err != nil { t.Fatal(err) }
	for _, a := range res.Attacks { for _, f := range a.Fields { t.Logf("%s %s %.3f prec %.3f", a.Attack, f.Field, *f.RecoveryRate, *f.ConfidentPrecision) } }
	ls0 := &labelSpace{}; ls0.fields[0] = newFieldModel(fl, 2, true); ls0.fields[1] = newFieldModel(sl, 2, true); ls0.off = len(ls0.fields[0].grams)
	cl := newCoLabeller(atoms, ls0, n, 2)
	tf := make([]int, len(atoms))
	tl := make([]key, len(atoms))
	for i, a := range atoms {
		best, bj := key{}, 0.0
		for k, b := range truth {
			in := andCount(a.recs, b)
			j := float64(in) / float64(a.support+b.count()-in)
			if j > bj { best, bj = k, j }
		}
		tf[i] = best.f; tl[i] = best
		if bj < 0.9 { tf[i] = 2 }
	}
	for g, m := range cl.clusters() {
		if len(m) < 8 { continue }
		cnt := [3]int{}
		for _, i := range m { cnt[tf[i]]++ }
		t.Logf("group %d size %d: forename %d surname %d other %d", g, len(m), cnt[0], cnt[1], cnt[2])
	}
	for i, a := range atoms {
		if i > -1 { break }
		best, bj := key{}, 0.0
		for k, b := range truth {
			in := andCount(a.recs, b)
			j := float64(in) / float64(a.support+b.count()-in)
			if j > bj { best, bj = k, j }
		}
		t.Logf("atom %d sup=%d pos=%d best=%d:%q jac=%.2f", i, a.support, len(a.pos), best.f, best.g, bj)
	}
	_ = strings.ToUpper
}

func loadList(t *testing.T, p string) *NameList {
	f, err := os.Open(p)
	if err != nil { t.Fatal(err) }
	defer f.Close()
	l, err := ReadNameList(f)
	if err != nil { t.Fatal(err) }
	return l
}
