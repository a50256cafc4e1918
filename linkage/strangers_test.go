package linkage

import (
	"math"
	"testing"
)

// TestStrangerPatterns: a pattern is flagged when fewer matches are
// expected with it than half its mutual-best candidates, and needs
// log2((1−share)/share) bits of term-frequency evidence; a pattern whose
// candidates are mostly matches, one with too few candidates to judge, one
// agreeing on the identifying ID rule and one agreeing on no rule are left
// alone.
func TestStrangerPatterns(t *testing.T) {
	rules := []string{"name_dob", "forename_dob", "id"}
	const all = 0b111
	weak := makePattern(0b010, all, 3, 0).rules()   // forename + DOB alone
	strong := makePattern(0b011, all, 3, 0).rules() // names + DOB
	idOnly := makePattern(0b100, all, 3, 0).rules() // ID alone
	rare := makePattern(0b010, 0b011, 3, 0).rules() // forename + DOB, no ID held
	none := makePattern(0, all, 3, 0).rules()       // a candidate by its Dice alone
	m := &Model{Rules: rules, PatternMFrom: "id", Converged: true, ExpectedMatches: 100000,
		Patterns: []RulePattern{
			{Agree: []string{"forename_dob"}, Differ: []string{"name_dob", "id"}, M: 0.01, pattern: weak},
			{Agree: []string{"name_dob", "forename_dob"}, Differ: []string{"id"}, M: 0.5, pattern: strong},
			{Agree: []string{"id"}, Differ: []string{"name_dob", "forename_dob"}, M: 0.001, pattern: idOnly},
			{Agree: []string{"forename_dob"}, Differ: []string{"name_dob"}, M: 0.0001, pattern: rare},
			{Differ: []string{"name_dob", "forename_dob", "id"}, M: 0.001, pattern: none},
		}}
	mutual := map[pattern]mutualCount{
		weak:   {n: 4000, tfSum: -4000}, // 1,000 matches expected: share 0.25; mean adjustment -1
		strong: {n: 60000},              // 50,000 expected: mostly matches
		idOnly: {n: 5000},               // 100 expected, but the ID agrees
		rare:   {n: 150},                // too few to judge
		none:   {n: 5000},               // 100 expected, but the Dice is the evidence
	}
	bars, list := strangerPatterns(m, mutual)
	if len(bars) != 1 || len(list) != 1 {
		t.Fatalf("bars %v, list %+v: want the weak pattern alone", bars, list)
	}
	want := -1 + math.Log2(0.75/0.25) // the mean adjustment plus the prior odds against
	if got, ok := bars[weak]; !ok || math.Abs(got-want) > 1e-9 {
		t.Errorf("weak pattern needs %.3f bits, want %.3f", got, want)
	}
	sp := list[0]
	if sp.Best != 4000 || sp.Expected != 1000 || math.Abs(sp.Share-0.25) > 1e-9 || sp.MeanTF != -1 || sp.Agree[0] != "forename_dob" {
		t.Errorf("summary entry %+v", sp)
	}

	// In a small population the same pattern's candidates are matches.
	mutual[weak] = mutualCount{n: 1500}
	if bars, _ := strangerPatterns(m, mutual); len(bars) != 0 {
		t.Errorf("flagged with 1,000 of 1,500 expected to match: %v", bars)
	}
	// No fitted model, no bars.
	m.Converged = false
	mutual[weak] = mutualCount{n: 4000}
	if bars, _ := strangerPatterns(m, mutual); bars != nil {
		t.Error("bars from an unconverged model")
	}
}

// TestMutualBest counts a pair only when it is the best candidate of both
// its records.
func TestMutualBest(t *testing.T) {
	p1 := makePattern(0b1, 0b1, 1, 5)
	p2 := makePattern(0b0, 0b1, 1, 5)
	p3 := makePattern(0b0, 0b1, 1, 6) // p2's rules, a higher Dice band
	weights := map[pattern]float64{p1: 10, p2: 2, p3: 5}
	A := &Dataset{Name: "A", RecordIDs: []string{"a0", "a1"}}
	B := &Dataset{Name: "B", RecordIDs: []string{"b0", "b1"}}
	sets := []pairSet{{da: 0, db: 1,
		pairs: []Pair{{A: 0, B: 0}, {A: 1, B: 0}, {A: 1, B: 1}},
		pats:  []pattern{p1, p2, p3}}}
	tfs := [][]float32{{-1, -2, -3}}
	got := mutualBest(sets, []*Dataset{A, B}, weights, tfs)
	// (a0,b0) is mutual; (a1,b0) is neither record's best; (a1,b1) is
	// both records' best, counted under its rule pattern.
	if got[p1.rules()] != (mutualCount{1, -1}) || got[p2.rules()] != (mutualCount{1, -3}) || len(got) != 2 {
		t.Errorf("mutual best counts %v", got)
	}
}
