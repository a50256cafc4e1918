package audit

// The measurements behind the hardened default (README table). They take
// minutes, so they run only with PPRL_AUDIT_MEASURE=1:
//
//	PPRL_AUDIT_MEASURE=1 go test -run TestMeasure -v -timeout 60m ./linkage/audit
//
// PPRL_AUDIT_MEASURE_ONLY=sub1,sub2 limits the settings to names containing
// one of the substrings; PPRL_AUDIT_100K=1
// adds the 100,000-record runs.

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pprl/pprl/bloom"
)

func febrlDir() string { return filepath.Join("..", "..", "testdata", "febrl") }

// readFEBRL returns the people of a FEBRL file, in row order.
func readFEBRL(tb testing.TB, name string) []person {
	f, err := os.Open(filepath.Join(febrlDir(), "clean", name))
	if err != nil {
		tb.Fatalf("FEBRL data (testdata/febrl): %v", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	var out []person
	for _, r := range rows[1:] {
		out = append(out, person{
			forename: NormaliseName(r[col["given_name"]]),
			surname:  NormaliseName(r[col["surname"]]),
			dob:      strings.TrimSpace(r[col["date_of_birth"]]),
		})
	}
	return out
}

// febrlTruthPairs returns FEBRL4's true pairs (row in 4a, row in 4b).
func febrlTruthPairs(tb testing.TB) map[[2]int]bool {
	f, err := os.Open(filepath.Join(febrlDir(), "truth", "febrl4_truth.csv"))
	if err != nil {
		tb.Fatalf("FEBRL truth (testdata/febrl): %v", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	out := map[[2]int]bool{}
	for _, r := range rows[1:] {
		i, _ := strconv.Atoi(r[0])
		j, _ := strconv.Atoi(r[1])
		out[[2]int{i, j}] = true
	}
	return out
}

// listsOf builds the "same population" name lists from the people
// themselves.
func listsOf(people []person) (*NameList, *NameList) {
	fc, sc := map[string]int64{}, map[string]int64{}
	for _, p := range people {
		fc[p.forename]++
		sc[p.surname]++
	}
	return NameListFromCounts(fc), NameListFromCounts(sc)
}

// bestF1 links a to b by exhaustive Dice, greedy one-to-one in descending
// Dice, and returns the best F1 over thresholds (each threshold keeps a
// prefix of the greedy links) and the threshold.
func bestF1(a, b []byte, width int, truth map[[2]int]bool) (float64, float64) {
	na, nb := len(a)/width, len(b)/width
	type pair struct {
		i, j int
		d    float64
	}
	const keep = 3 // top candidates per record of a
	var cands []pair
	top := make([]pair, 0, keep+1)
	for i := range na {
		fa := a[i*width : (i+1)*width]
		top = top[:0]
		for j := range nb {
			d := bloom.Dice(fa, b[j*width:(j+1)*width])
			if len(top) < keep || d > top[len(top)-1].d {
				top = append(top, pair{i, j, d})
				sort.Slice(top, func(x, y int) bool { return top[x].d > top[y].d })
				if len(top) > keep {
					top = top[:keep]
				}
			}
		}
		cands = append(cands, top...)
	}
	sort.Slice(cands, func(x, y int) bool { return cands[x].d > cands[y].d })
	usedA, usedB := make([]bool, na), make([]bool, nb)
	tp, links := 0, 0
	best, bestT := 0.0, 0.0
	for _, c := range cands {
		if usedA[c.i] || usedB[c.j] {
			continue
		}
		usedA[c.i], usedB[c.j] = true, true
		links++
		if truth[[2]int{c.i, c.j}] {
			tp++
		}
		p, r := float64(tp)/float64(links), float64(tp)/float64(len(truth))
		if f := 2 * p * r / (p + r + 1e-12); f > best {
			best, bestT = f, c.d
		}
	}
	return best, bestT
}

// measureSettings are the encodings compared. Every one puts forename,
// surname and date of birth into one 1024-bit filter with padded bigrams.
var measureSettings = []encoding{
	{name: "plain CLK, double hashing, k=20", bits: 1024, k: 20, double: true},
	{name: "plain CLK, random hashing, k=20", bits: 1024, k: 20},
	{name: "plain CLK, random hashing, k=10", bits: 1024, k: 10},
	{name: "plain CLK, random hashing, k=30", bits: 1024, k: 30},
	{name: "xor-fold (2048→1024), k=20", bits: 1024, k: 20, xorFold: true},
	{name: "balancing (512+complement), k=10", bits: 1024, k: 10, balance: true},
	{name: "BLIP f=0.05, k=20", bits: 1024, k: 20, blip: 0.05},
	{name: "salting by year of birth, k=20", bits: 1024, k: 20, saltYear: true},
	{name: "diffusion t=3, k=20", bits: 1024, k: 20, diffusionT: 3},
	{name: "diffusion t=5, k=20", bits: 1024, k: 20, diffusionT: 5},
	{name: "diffusion t=7, k=20", bits: 1024, k: 20, diffusionT: 7},
	{name: "diffusion t=2, k=20", bits: 1024, k: 20, diffusionT: 2},
	{name: "salting + diffusion t=2, k=20", bits: 1024, k: 20, saltYear: true, diffusionT: 2},
	{name: "salting + diffusion t=3, k=20", bits: 1024, k: 20, saltYear: true, diffusionT: 3},
	{name: "salting + diffusion t=3, k=10", bits: 1024, k: 10, saltYear: true, diffusionT: 3},
	{name: "diffusion t=3, k=10", bits: 1024, k: 10, diffusionT: 3},
	{name: "plain CLK, random hashing, k=8", bits: 1024, k: 8},
	{name: "diffusion t=3, k=8", bits: 1024, k: 8, diffusionT: 3},
	{name: "salting + diffusion t=3, k=8", bits: 1024, k: 8, saltYear: true, diffusionT: 3},
	{name: "salting, k=8", bits: 1024, k: 8, saltYear: true},
	{name: "diffusion t=4, k=8", bits: 1024, k: 8, diffusionT: 4},
	{name: "diffusion t=4, k=10", bits: 1024, k: 10, diffusionT: 4},
	{name: "salting + diffusion t=5, k=20", bits: 1024, k: 20, saltYear: true, diffusionT: 5},
}

func matchesAny(name, list string) bool {
	for _, s := range strings.Split(list, ",") {
		if s != "" && strings.Contains(name, s) {
			return true
		}
	}
	return false
}

func auditRates(tb testing.TB, e encoding, people []person, fl, sl *NameList) (string, time.Duration) {
	clks := e.encodeAll(tb, []byte("measure-secret"), people)
	t0 := time.Now()
	res, err := Run(context.Background(), clks, e.bits/8, Config{Forenames: fl, Surnames: sl}, truthOf(people))
	if err != nil {
		tb.Fatal(err)
	}
	el := time.Since(t0)
	var cells []string
	for _, a := range res.Attacks {
		for _, f := range a.Fields {
			cells = append(cells, fmt.Sprintf("%5.1f%% (p %3.0f%%)", 100**f.RecoveryRate, 100**f.ConfidentPrecision))
		}
	}
	return strings.Join(cells, " | "), el
}

func TestMeasure(t *testing.T) {
	if os.Getenv("PPRL_AUDIT_MEASURE") == "" {
		t.Skip("set PPRL_AUDIT_MEASURE=1 to run the hardening measurements (minutes)")
	}
	only := os.Getenv("PPRL_AUDIT_MEASURE_ONLY")
	fa, fb := readFEBRL(t, "dataset4a.csv"), readFEBRL(t, "dataset4b.csv")
	truth := febrlTruthPairs(t)
	ffl, fsl := listsOf(fa)
	pfl, psl := loadTestList(t, "forenames.csv"), loadTestList(t, "surnames.csv")
	synth := synthPeople(5000, 42, pfl, psl)
	t.Log("cells: recovery (precision of confident guesses); FA = frequency alignment, PM = pattern mining")
	t.Log("setting | FEBRL4a FA fore | FA sur | PM fore | PM sur || synth5k FA fore | FA sur | PM fore | PM sur || FEBRL4 best F1, mean of 3 keys (each key)")
	for _, e := range measureSettings {
		if only != "" && !matchesAny(e.name, only) {
			continue
		}
		fr, el1 := auditRates(t, e, fa, ffl, fsl)
		sr, el2 := auditRates(t, e, synth, pfl, psl)
		// F1 varies with the key (which bits collide); average three keys.
		var f1s []string
		mean := 0.0
		for _, key := range []string{"measure-secret", "second-key", "third-key"} {
			ea := e.encodeAll(t, []byte(key), fa)
			eb := e.encodeAll(t, []byte(key), fb)
			f1, _ := bestF1(ea, eb, e.bits/8, truth)
			mean += f1 / 3
			f1s = append(f1s, fmt.Sprintf("%.4f", f1))
		}
		t.Logf("%s || %s || %s || %.4f (%s) [audit %.1fs, %.1fs]", e.name, fr, sr, mean, strings.Join(f1s, " "), el1.Seconds(), el2.Seconds())
	}
	if os.Getenv("PPRL_AUDIT_100K") != "" {
		big := synthPeople(100000, 43, pfl, psl)
		for _, e := range []encoding{measureSettings[1], DefaultHardening()} {
			r, el := auditRates(t, e, big, pfl, psl)
			t.Logf("100k synth: %s || %s [audit %.1fs]", e.name, r, el.Seconds())
		}
	}
}
