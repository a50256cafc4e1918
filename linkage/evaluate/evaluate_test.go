package evaluate_test

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pprl/pprl/linkage/evaluate"
	"github.com/pprl/pprl/linkage/evaluate/evaluatetest"
)

// handCase is a tiny linkage whose figures are worked out by hand below.
//
// Truth (person: records; sex):
//
//	p1: A1 B1 C1  F        p4: A4  M
//	p2: A2 B2     M        p5: B5  F
//	p3: A3 C3     F        p6: A6 B6 C6  M   (B6 rejected at tokenize: not in outputs)
//
// C7 is in the outputs but not in the truth (a person of its own).
//
// Entities: E1 {A1 B1}, E2 {C1}, E3 {A2 B2 C3}, E4 {A3}, E5 {A4 B5}, E6 {A6 C6}, E7 {C7}.
// Links: A6-C6 .99, A1-B1 .95, A2-B2 .90, A2-C3 .85, A4-B5 .81; threshold .80;
// summary counts.candidates = 20.
//
// Three datasets, so the scope is cross-dataset. True pairs:
//
//	p1: A1B1 A1C1 B1C1 (3)  p2: A2B2 (1)  p3: A3C3 (1)  p6: A6B6 A6C6 B6C6 (3)  → 8
//
// Entity pairs: E1: A1B1; E3: A2B2 A2C3 B2C3; E5: A4B5; E6: A6C6 → 6, of which
// correct A1B1 A2B2 A6C6 → 3. Precision 3/6 = .5, recall 3/8 = .375,
// F1 = 2·.5·.375/.875 = 3/7.
// Links: 5 predicted, 3 correct: precision .6, recall .375, F1 = .45/.975 = 6/13.
//
// Clusters over the 12 output records: 7 people (C7 included), 4 with 2+
// records (p1 p2 p3 p6; B6 is not in the outputs); exactly found: p6 only;
// split: p1 (E1, E2) and p3 (E3, E4); merged entities: E3 (p2, p3) and E5 (p4, p5).
// B-cubed precision, |E∩P|/|E| per record: A1 1, B1 1, C1 1, A2 2/3, B2 2/3,
// C3 1/3, A3 1, A4 1/2, B5 1/2, A6 1, C6 1, C7 1 → 29/3 over 12 = 29/36.
// B-cubed recall, |E∩P|/|P|: A1 2/3, B1 2/3, C1 1/3, A2 1, B2 1, C3 1/2, A3 1/2,
// A4 1, B5 1, A6 1, C6 1, C7 1 → 29/3 over 12 = 29/36.
//
// Blocking: A has 5 records (A1 A2 A3 A4 A6), B 3 (B1 B2 B5), C 4 (C1 C3 C6 C7):
// space = 5·3 + 5·4 + 3·4 = 47, reduction ratio = 1 − 20/47 = 27/47.
// Pairs completeness from links (lower bound) = link recall = .375.
//
// By dataset pair: A–B true A1B1 A2B2 A6B6 (3), found 2, predicted A1B1 A2B2 A4B5 (3);
// A–C true A1C1 A3C3 A6C6 (3), found 1, predicted A2C3 A6C6 (2);
// B–C true B1C1 B6C6 (2), found 0, predicted B2C3 (1).
// By sex: F true p1 (3) + p3 (1) = 4, found A1B1 → .25; M true p2 (1) + p6 (3) = 4, found 2 → .5.
//
// Sweep: at .90 the links are A6C6 A1B1 A2B2, all correct: precision 1,
// recall 3/8, F1 = .75/1.375 = 6/11, the best over every score.
func handCase(t *testing.T) (string, *evaluate.Truth) {
	t.Helper()
	dir := t.TempDir()
	e := func(id, ds, rec string) evaluatetest.Entity {
		return evaluatetest.Entity{EntityID: id, Dataset: ds, RecordID: rec}
	}
	l := func(a, b string, s float64) evaluatetest.Link {
		return evaluatetest.Link{DatasetA: a[:1], RecordIDA: a, DatasetB: b[:1], RecordIDB: b, Score: s, Dice: s}
	}
	ents := []evaluatetest.Entity{
		e("E1", "A", "A1"), e("E1", "B", "B1"), e("E2", "C", "C1"),
		e("E3", "A", "A2"), e("E3", "B", "B2"), e("E3", "C", "C3"), e("E4", "A", "A3"),
		e("E5", "A", "A4"), e("E5", "B", "B5"), e("E6", "A", "A6"), e("E6", "C", "C6"),
		e("E7", "C", "C7"),
	}
	links := []evaluatetest.Link{l("A6", "C6", .99), l("A1", "B1", .95), l("A2", "B2", .90), l("A2", "C3", .85), l("A4", "B5", .81)}
	summary := map[string]any{
		"threshold": map[string]any{"value": 0.8, "method": "fixed", "why": "--threshold 0.8"},
		"counts":    map[string]any{"candidates": 20, "links": 5, "entities": 7},
	}
	if err := evaluatetest.Dir(dir, ents, links, summary); err != nil {
		t.Fatal(err)
	}
	truth := `dataset,record_id,person_id,sex,birth_year
A,A1,p1,F,2001
B,B1,p1,F,2001
C,C1,p1,F,2001
A,A2,p2,M,2002
B,B2,p2,M,2002
A,A3,p3,F,2003
C,C3,p3,F,2003
A,A4,p4,M,2004
B,B5,p5,F,2005
A,A6,p6,M,2006
B,B6,p6,M,2006
C,C6,p6,M,2006
`
	tr, err := evaluate.ReadTruth(strings.NewReader(truth))
	if err != nil {
		t.Fatal(err)
	}
	return dir, tr
}

func near(t *testing.T, name string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-12 {
		t.Errorf("%s = %.15g, want %.15g", name, got, want)
	}
}

func TestHandCase(t *testing.T) {
	dir, tr := handCase(t)
	o, err := evaluate.LoadOutputs(dir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := evaluate.Evaluate(o, tr, evaluate.Options{MaxGroups: 5})
	if err != nil {
		t.Fatal(err)
	}
	if r.Scope != evaluate.ScopeCross {
		t.Errorf("scope %q", r.Scope)
	}
	if got := r.Entities; got.TruePairs != 8 || got.Predicted != 6 || got.TruePositives != 3 {
		t.Errorf("entity counts %+v", got)
	}
	near(t, "entities precision", r.Entities.Precision, 0.5)
	near(t, "entities recall", r.Entities.Recall, 0.375)
	near(t, "entities F1", r.Entities.F1, 3.0/7)
	if got := r.Links; got.TruePairs != 8 || got.Predicted != 5 || got.TruePositives != 3 {
		t.Errorf("link counts %+v", got)
	}
	near(t, "links precision", r.Links.Precision, 0.6)
	near(t, "links recall", r.Links.Recall, 0.375)
	near(t, "links F1", r.Links.F1, 6.0/13)

	c := r.Clusters
	if c.Entities != 7 || c.People != 7 || c.LinkablePeople != 4 || c.ExactPeople != 1 || c.SplitPeople != 2 || c.MergedEntities != 2 {
		t.Errorf("clusters %+v", c)
	}
	near(t, "exact rate", c.ExactRate, 0.25)
	near(t, "B-cubed precision", c.BCubedPrecision, 29.0/36)
	near(t, "B-cubed recall", c.BCubedRecall, 29.0/36)

	b := r.Blocking
	if b.Candidates != 20 || b.ComparisonSpace != 47 || b.Exact {
		t.Errorf("blocking %+v", b)
	}
	near(t, "reduction ratio", b.ReductionRatio, 27.0/47)
	near(t, "pairs completeness", b.PairsCompleteness, 0.375)

	wantPairs := []struct {
		group                string
		truePairs, found, pr int64
	}{{"A – B", 3, 2, 3}, {"A – C", 3, 1, 2}, {"B – C", 2, 0, 1}}
	if len(r.ByDatasetPair) != len(wantPairs) {
		t.Fatalf("by dataset pair: %+v", r.ByDatasetPair)
	}
	for i, w := range wantPairs {
		g := r.ByDatasetPair[i]
		if g.Group != w.group || g.TruePairs != w.truePairs || g.Found != w.found || g.Predicted != w.pr {
			t.Errorf("dataset pair %d: %+v, want %+v", i, g, w)
		}
	}
	// birth_year has 6 values > MaxGroups 5: left out, with a note.
	if len(r.BySubgroup) != 1 || r.BySubgroup[0].Column != "sex" {
		t.Fatalf("subgroups: %+v", r.BySubgroup)
	}
	sex := r.BySubgroup[0].Groups
	if len(sex) != 2 || sex[0].Group != "F" || sex[0].TruePairs != 4 || sex[0].Found != 1 || sex[1].Group != "M" || sex[1].TruePairs != 4 || sex[1].Found != 2 {
		t.Errorf("by sex: %+v", sex)
	}
	near(t, "F recall", sex[0].Recall, 0.25)
	near(t, "M recall", sex[1].Recall, 0.5)

	s := r.Sweep
	if s.Source != "links" || s.Threshold != 0.8 {
		t.Errorf("sweep source %q threshold %v", s.Source, s.Threshold)
	}
	if s.Best.Threshold != 0.9 || s.Best.Links != 3 {
		t.Errorf("best %+v", s.Best)
	}
	near(t, "best F1", s.Best.F1, 6.0/11)
	found := false
	for _, row := range s.Rows {
		if row.Threshold == 0.8 {
			found = true
			if row.Links != 5 || row.TruePositives != 3 {
				t.Errorf("row at threshold: %+v", row)
			}
		}
	}
	if !found {
		t.Errorf("sweep rows lack match's threshold: %+v", s.Rows)
	}
	if len(s.Curve) != 101 || s.Curve[0].Links != 5 || s.Curve[100].Links != 1 {
		t.Errorf("curve: %d points, first %+v, last %+v", len(s.Curve), s.Curve[0], s.Curve[len(s.Curve)-1])
	}
}

func TestWriteText(t *testing.T) {
	dir, tr := handCase(t)
	o, err := evaluate.LoadOutputs(dir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := evaluate.Evaluate(o, tr, evaluate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := evaluate.WriteText(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"entities (pairs in one entity)  0.5000     0.3750  0.4286",
		"links (links.parquet)           0.6000     0.3750  0.4615",
		"B-cubed precision / recall / F1  0.8056 / 0.8056 / 0.8056",
		"reduction ratio         0.574468",
		"pairs completeness      ≥ 0.3750 (lower bound from the links: match kept no candidates file)",
		"← match threshold",
		"best F1 0.5455 at threshold 0.9 (3 pairs)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	for _, id := range []string{"A1", "B6", "C7", "p1"} {
		if strings.Contains(out, id) {
			t.Errorf("text output contains record or person ID %q", id)
		}
	}
}

func TestDedupScope(t *testing.T) {
	// One dataset: within-dataset pairs count. Person x: D1 D2 D3; y: D4.
	// Entity F1 {D1 D2}, F2 {D3 D4}. True pairs 3 (D1D2 D1D3 D2D3), predicted
	// 2 (D1D2, D3D4), correct 1: precision .5, recall 1/3.
	dir := t.TempDir()
	e := func(id, rec string) evaluatetest.Entity {
		return evaluatetest.Entity{EntityID: id, Dataset: "D", RecordID: rec}
	}
	ents := []evaluatetest.Entity{e("F1", "D1"), e("F1", "D2"), e("F2", "D3"), e("F2", "D4")}
	links := []evaluatetest.Link{
		{DatasetA: "D", RecordIDA: "D1", DatasetB: "D", RecordIDB: "D2", Score: 0.9},
		{DatasetA: "D", RecordIDA: "D4", DatasetB: "D", RecordIDB: "D3", Score: 0.85},
		{DatasetA: "D", RecordIDA: "D2", DatasetB: "D", RecordIDB: "D1", Score: 0.9}, // repeat, reversed
	}
	if err := evaluatetest.Dir(dir, ents, links, map[string]any{"threshold": 0.8}); err != nil {
		t.Fatal(err)
	}
	// A FEBRL-style pair list over row indices with record IDs from the extract.
	ids, err := evaluate.ReadRowIDs(strings.NewReader("rec_id,name\nD1,a\nD2,b\nD3,c\nD4,d\n"), "rec_id")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := evaluate.ReadTruthPairs(strings.NewReader("i,j\n0,1\n1,2\n"), evaluate.PairFormat{DatasetA: "D", IDsA: ids})
	if err != nil {
		t.Fatal(err)
	}
	o, err := evaluate.LoadOutputs(dir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := evaluate.Evaluate(o, tr, evaluate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Scope != evaluate.ScopeAll {
		t.Errorf("scope %q", r.Scope)
	}
	if got := r.Entities; got.TruePairs != 3 || got.Predicted != 2 || got.TruePositives != 1 {
		t.Errorf("entities %+v", got)
	}
	if got := r.Links; got.Predicted != 2 || got.TruePositives != 1 {
		t.Errorf("links %+v (repeated link should count once)", got)
	}
	if r.Blocking.ComparisonSpace != 6 {
		t.Errorf("comparison space %d, want C(4,2) = 6", r.Blocking.ComparisonSpace)
	}
	// Cross scope forced: no pairs at all.
	r, err = evaluate.Evaluate(o, tr, evaluate.Options{Scope: evaluate.ScopeCross})
	if err != nil {
		t.Fatal(err)
	}
	if r.Entities.TruePairs != 0 || len(r.Notes) == 0 {
		t.Errorf("cross scope on one dataset: %+v, notes %q", r.Entities, r.Notes)
	}
}

func TestCandidatesFile(t *testing.T) {
	dir, tr := handCase(t)
	// Candidates: the links plus a correct pair below the threshold (A1-C1 at .5)
	// and a wrong one (A3-B5 at .4). Pairs completeness = 4/8.
	cands := []evaluatetest.Link{
		{DatasetA: "A", RecordIDA: "A6", DatasetB: "C", RecordIDB: "C6", Score: .99},
		{DatasetA: "A", RecordIDA: "A1", DatasetB: "B", RecordIDB: "B1", Score: .95},
		{DatasetA: "A", RecordIDA: "A2", DatasetB: "B", RecordIDB: "B2", Score: .90},
		{DatasetA: "A", RecordIDA: "A2", DatasetB: "C", RecordIDB: "C3", Score: .85},
		{DatasetA: "A", RecordIDA: "A4", DatasetB: "B", RecordIDB: "B5", Score: .81},
		{DatasetA: "A", RecordIDA: "A1", DatasetB: "C", RecordIDB: "C1", Score: .5},
		{DatasetA: "A", RecordIDA: "A3", DatasetB: "B", RecordIDB: "B5", Score: .4},
	}
	if err := evaluatetest.WriteLinks(filepath.Join(dir, evaluate.CandidatesFile), cands); err != nil {
		t.Fatal(err)
	}
	o, err := evaluate.LoadOutputs(dir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := evaluate.Evaluate(o, tr, evaluate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Blocking.Exact || r.Sweep.Source != "candidates" {
		t.Errorf("blocking %+v, sweep source %q", r.Blocking, r.Sweep.Source)
	}
	near(t, "pairs completeness", r.Blocking.PairsCompleteness, 0.5)
	// The sweep now reaches below match's threshold: at .4 all 7 pairs, 4 correct.
	if first := r.Sweep.Curve[0]; first.Threshold != 0.4 || first.Links != 7 || first.TruePositives != 4 {
		t.Errorf("curve start %+v", first)
	}
}
