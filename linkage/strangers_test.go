package linkage

import (
	"math"
	"testing"
)

// TestStrangerPatterns: a pattern is flagged when fewer matches are
// expected with it than half its mutual-best candidates, and needs
// log2(2·(1−share)/share) bits of term-frequency evidence (odds of two to
// one); a pattern whose candidates are mostly matches, one with too few
// candidates to judge, one agreeing on the identifying ID rule and one
// agreeing on no rule are left alone. A pattern with too few candidates is
// judged with the patterns that agree on the same rules.
func TestStrangerPatterns(t *testing.T) {
	rules := []string{"name_dob", "forename_dob", "id"}
	const all = 0b111
	weak := makePattern(0b010, all, 3, 0).rules()   // forename + DOB alone
	strong := makePattern(0b011, all, 3, 0).rules() // names + DOB
	idOnly := makePattern(0b100, all, 3, 0).rules() // ID alone
	rare := makePattern(0b010, 0b011, 3, 0).rules() // forename + DOB, no ID held
	few := makePattern(0b001, all, 3, 0).rules()    // names + DOB alone, forename differing
	none := makePattern(0, all, 3, 0).rules()       // a candidate by its Dice alone
	m := &Model{Rules: rules, PatternMFrom: "id", Converged: true, ExpectedMatches: 100000,
		Patterns: []RulePattern{
			{Agree: []string{"forename_dob"}, Differ: []string{"name_dob", "id"}, M: 0.01, pattern: weak},
			{Agree: []string{"name_dob", "forename_dob"}, Differ: []string{"id"}, M: 0.5, pattern: strong},
			{Agree: []string{"id"}, Differ: []string{"name_dob", "forename_dob"}, M: 0.001, pattern: idOnly},
			{Agree: []string{"forename_dob"}, Differ: []string{"name_dob"}, M: 0.0001, pattern: rare},
			{Agree: []string{"name_dob"}, Differ: []string{"forename_dob", "id"}, M: 0.0001, pattern: few},
			{Differ: []string{"name_dob", "forename_dob", "id"}, M: 0.001, pattern: none},
		}}
	mutual := map[pattern]mutualCount{
		weak:   {n: 4000, tfSum: -4000}, // 1,000 matches expected: share 0.25; mean adjustment -1
		strong: {n: 60000},              // 50,000 expected: mostly matches
		idOnly: {n: 5000},               // 100 expected, but the ID agrees
		rare:   {n: 150},                // too few to judge alone: judged with weak
		few:    {n: 150},                // too few, and no other pattern agrees on name_dob alone
		none:   {n: 5000},               // 100 expected, but the Dice is the evidence
	}
	bars, list := strangerPatterns(m, mutual, namesakeCensus{}, minStrangerCandidates, rarePatterns{}, 0)
	if bars.len() != 2 || len(list) != 2 {
		t.Fatalf("bars %v, list %+v: want the weak pattern and, judged with it, the rare one", bars, list)
	}
	// rare, by the rules that agree: 1,010 matches expected among 4,150
	// candidates whose adjustments sum to -4,000.
	shareRare := 1010.0 / 4150
	if got, ok := bars.need(rare); !ok || math.Abs(got-(-4000.0/4150+math.Log2(2*(1-shareRare)/shareRare))) > 1e-9 {
		t.Errorf("rare pattern needs %.3f, %v", got, ok)
	}
	if sp := list[0]; !sp.ByAgreement || sp.Best != 4150 {
		t.Errorf("rare pattern's entry %+v: want judged by agreement over 4,150 candidates", sp)
	}
	want := -1 + math.Log2(2*0.75/0.25) // the mean adjustment, and the prior odds against brought to 2:1
	if got, ok := bars.need(weak | 7<<(2*MaxRules)); !ok || math.Abs(got-want) > 1e-9 {
		t.Errorf("weak pattern needs %.3f bits, want %.3f", got, want)
	}
	sp := list[1]
	if sp.Best != 4000 || sp.Expected != 1000 || math.Abs(sp.Share-0.25) > 1e-9 || sp.MeanTF != -1 || sp.Agree[0] != "forename_dob" {
		t.Errorf("summary entry %+v", sp)
	}

	// A pattern passing at even odds, but not with all its candidates
	// expected to match, needs even odds with its values' frequencies: the
	// strong pattern's 50,000 of 60,000, log2(1/5) bits below its mean (0).
	if got, ok := bars.need(strong | 3<<(2*MaxRules)); !ok || math.Abs(got-math.Log2(10000.0/50000)) > 1e-9 {
		t.Errorf("strong pattern needs %.3f, %v; want %.3f (even odds)", got, ok, math.Log2(10000.0/50000))
	}
	for _, p := range []pattern{idOnly, few, none} {
		if got, ok := bars.need(p); ok {
			t.Errorf("pattern %b needs %.3f", p, got)
		}
	}
	// Deduplicating one file, 150 mutual-best candidates are enough to
	// judge: the rare pattern's 10 expected matches make it strangers'
	// alone, and few's 10 too.
	oneFile, list := strangerPatterns(m, mutual, namesakeCensus{}, minOneFileCandidates, rarePatterns{}, 0)
	if _, ok := oneFile.need(few); !ok || oneFile.len() != 3 {
		t.Errorf("one file: %d patterns flagged, the few one %v; want the weak, the rare and the few", oneFile.len(), ok)
	}
	for _, sp := range list {
		if sp.ByAgreement {
			t.Errorf("one file, %+v judged by agreement with enough candidates of its own", sp)
		}
	}

	// In a small population the same pattern's candidates are matches.
	mutual[weak] = mutualCount{n: 1500}
	if bars, _ := strangerPatterns(m, mutual, namesakeCensus{}, minStrangerCandidates, rarePatterns{}, 0); bars.len() != 0 {
		t.Errorf("flagged with 1,000 of 1,500 expected to match: %v", bars)
	}
	// No fitted model, no bars.
	m.Converged = false
	mutual[weak] = mutualCount{n: 4000}
	if bars, _ := strangerPatterns(m, mutual, namesakeCensus{}, minStrangerCandidates, rarePatterns{}, 0); bars.len() != 0 {
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
	got := mutualBest(sets, []*Dataset{A, B}, weights, tfs, nil, false)
	// (a0,b0) is mutual; (a1,b0) is neither record's best; (a1,b1) is
	// both records' best, counted under its pattern (rules and band).
	if got[p1] != (mutualCount{1, -1}) || got[p3] != (mutualCount{1, -3}) || len(got) != 2 {
		t.Errorf("mutual best counts %v", got)
	}
}

// TestStrangerPatternBands: a pattern whose matches as a whole are most of
// its candidates, but whose candidates in one Dice band are not (a parent
// and child of one name at one address, beside a child whose birthday was
// mistyped), needs rare values in that band only, when its Dice is weighed
// given its rules (the ID rule missing).
func TestStrangerPatternBands(t *testing.T) {
	rules := []string{"name_sector", "name_dob", "id"}
	const noID = 0b011
	nb := len(diceEdges) + 1
	named := makePattern(0b001, noID, 3, 0).rules() // name + sector, birthday differs, no ID
	low, high := diceBand(0.45), diceBand(0.9)
	dm := make([]float64, nb)
	dm[low], dm[high] = 0.01, 0.99
	m := &Model{Rules: rules, PatternMFrom: "id", Converged: true, ExpectedMatches: 100000,
		Patterns:  []RulePattern{{Agree: []string{"name_sector"}, Differ: []string{"name_dob"}, M: 0.02, pattern: named}},
		diceGiven: map[pattern]diceGiven{named: {m: dm, u: dm}}, restRule: 2, restClear: 3 << 4}
	at := func(band int) pattern { return named | pattern(band)<<(2*MaxRules) }
	mutual := map[pattern]mutualCount{
		at(low):  {n: 1000, tfSum: -500}, // 20 matches expected among 1,000
		at(high): {n: 1900},              // 1,980 expected
	}
	bars, list := strangerPatterns(m, mutual, namesakeCensus{}, minStrangerCandidates, rarePatterns{}, 0)
	if bars.len() != 1 || len(list) != 1 || list[0].DiceBand != "[0.40, 0.50)" || list[0].Expected != 20 {
		t.Fatalf("bars %+v, list %+v: want the low band alone, 20 matches expected", bars, list)
	}
	want := -0.5 + math.Log2(2*0.98/0.02)
	if got, ok := bars.need(at(low)); !ok || math.Abs(got-want) > 1e-9 {
		t.Errorf("the low band needs %.3f bits, want %.3f", got, want)
	}
	if _, ok := bars.need(at(high)); ok {
		t.Error("the high band needs rare values")
	}
	// With the ID rule held by both records the Dice is not weighed given
	// the rules, and the pattern is judged as a whole.
	withID := named | 2<<4
	m.Patterns[0].pattern, m.Patterns[0].Differ = withID, []string{"name_dob", "id"}
	mutual = map[pattern]mutualCount{withID | pattern(low)<<(2*MaxRules): {n: 1000}, withID | pattern(high)<<(2*MaxRules): {n: 1900}}
	if bars, _ := strangerPatterns(m, mutual, namesakeCensus{}, minStrangerCandidates, rarePatterns{}, 0); bars.len() != 0 {
		t.Errorf("bars %+v for a pattern whose IDs differ", bars)
	}
}

// TestMutualBestWithin: deduplicating one dataset, a within-dataset pair
// counts when it is the best candidate of both its records, whichever side
// of the pair each is on; a link-and-dedupe run leaves within-dataset pairs
// to the within-dataset bar and counts none.
func TestMutualBestWithin(t *testing.T) {
	const all = 0b11
	weak := makePattern(0b01, all, 2, 0)   // forename + DOB alone
	strong := makePattern(0b11, all, 2, 0) // names + DOB
	weights := map[pattern]float64{weak: 10, strong: 30}
	ds := []*Dataset{{Name: "d", RecordIDs: make([]string, 6)}}
	// 0–1: the best of both (weak); 2–3 strong, and 3–4 weak: 4's best is
	// 3, but 3's is 2; 4–5 weak: 5's best, not 4's (4 prefers 3, first).
	s := pairSet{da: 0, db: 0,
		pairs: []Pair{{A: 0, B: 1}, {A: 2, B: 3}, {A: 3, B: 4}, {A: 4, B: 5}},
		pats:  []pattern{weak, strong, weak, weak}}
	tfs := [][]float32{{-1, 0, -2, -3}}
	got := mutualBest([]pairSet{s}, ds, weights, tfs, nil, true)
	if got[weak] != (mutualCount{n: 1, tfSum: -1}) || got[strong] != (mutualCount{n: 1}) || len(got) != 2 {
		t.Errorf("dedup: mutual best %+v, want one weak pair (0–1) and one strong (2–3)", got)
	}
	if got := mutualBest([]pairSet{s}, ds, weights, tfs, nil, false); len(got) != 0 {
		t.Errorf("link-and-dedupe: within-dataset pairs counted: %+v", got)
	}
	if best := bestWithin(&s, 6, weights, nil); best[4] != 2 || best[5] != 3 || best[3] != 1 {
		t.Errorf("bestWithin %v", best)
	}
}

// TestStrangerPatternsPooled: a pattern missing a rule that one dataset
// never holds (a middle name) is judged as if the rule were not there,
// together with the patterns that agree and disagree on it, so that an m
// read where the rule is mostly held does not refuse the pairs of the
// dataset without it; the patterns that hold the rule are judged alone.
func TestStrangerPatternsPooled(t *testing.T) {
	rules := []string{"forename_dob", "middle_dob"}
	missing := makePattern(0b01, 0b01, 2, 0).rules() // forename + DOB, middle missing
	agree := makePattern(0b11, 0b11, 2, 0).rules()   // and the middle agrees
	differ := makePattern(0b01, 0b11, 2, 0).rules()  // and it differs
	m := &Model{Rules: rules, Converged: true, ExpectedMatches: 10000,
		Patterns: []RulePattern{
			{Agree: []string{"forename_dob"}, M: 0.01, pattern: missing},
			{Agree: []string{"forename_dob", "middle_dob"}, M: 0.05, pattern: agree},
			{Agree: []string{"forename_dob"}, Differ: []string{"middle_dob"}, M: 0.001, pattern: differ},
		}}
	mutual := map[pattern]mutualCount{
		missing: {n: 400}, // 100 expected alone: share 0.25
		agree:   {n: 500}, // 500 expected: matches
		differ:  {n: 300}, // 10 expected: strangers
	}
	alone, _ := strangerPatterns(m, mutual, namesakeCensus{}, minStrangerCandidates, rarePatterns{}, 0)
	if _, ok := alone.rules[missing]; !ok {
		t.Error("without pooling the pattern missing the middle name is not flagged")
	}
	pooled, list := strangerPatterns(m, mutual, namesakeCensus{}, minStrangerCandidates, rarePatterns{}, 0b10)
	// Flagged (bars.rules) or held to even odds (softRules, for the pooled
	// pattern: 610 of 1,200 expected, just over half).
	if _, ok := pooled.rules[missing]; ok {
		t.Error("pooled (610 expected among 1,200), the pattern missing the middle name is flagged")
	}
	if need, ok := pooled.softRules[missing]; !ok || math.Abs(need-math.Log2(590.0/610)) > 1e-9 {
		t.Errorf("pooled, the pattern missing the middle name needs %.3f, %v; want %.3f (even odds)", need, ok, math.Log2(590.0/610))
	}
	if _, ok := pooled.rules[differ]; !ok {
		t.Error("the pattern whose middle names differ is not flagged")
	}
	if _, ok := pooled.need(agree); ok {
		t.Error("the pattern whose middle names agree is flagged")
	}
	for _, sp := range list {
		if len(sp.Pooled) != 0 {
			t.Errorf("a pattern holding the middle name is listed as pooled: %+v", sp)
		}
	}
	members, names := poolMembers(missing, 0b10, rules)
	if len(members) != 3 || members[0] != missing || len(names) != 1 || names[0] != "middle_dob" {
		t.Errorf("poolMembers = %v, %v", members, names)
	}
	if members, names := poolMembers(agree, 0b10, rules); len(members) != 1 || names != nil {
		t.Errorf("poolMembers of a pattern holding the rule = %v, %v", members, names)
	}
}

// TestPoolRules: the rules some dataset never holds while another does,
// less those over an ID number.
func TestPoolRules(t *testing.T) {
	// Rules: 0 names (all hold it), 1 middle (b lacks it), 2 id (b lacks
	// it; reads no CLK field), 3 id + dob (shares the ID's field).
	a := &Dataset{present: []uint16{0b1111, 0b0011}}
	b := &Dataset{present: []uint16{0b0001, 0b0001}}
	ind := independence{outside: 0b0100, shares: []uint16{0b0001, 0b0010, 0b1100, 0b1100}}
	m := &Model{Rules: []string{"names", "middle", "id", "id_dob"}}
	if got := poolRules([]*Dataset{a, b}, ind, m); got != 0b0010 {
		t.Errorf("poolRules = %04b, want 0010", got)
	}
	if got := poolRules([]*Dataset{a, a}, ind, m); got != 0 {
		t.Errorf("poolRules of datasets holding the same rules = %04b", got)
	}
	if got := poolRules([]*Dataset{a, b}, independence{}, m); got != 0 {
		t.Errorf("poolRules without the rules' fields = %04b", got)
	}
}

// TestLowDiceStrangers: in a one-file run, a pattern too rare to judge
// whole is judged on its pairs below lowDice, against the matches expected
// there (its expected matches times the match Dice share below lowDice):
// 30 candidates there where 3 matches are expected is strangers', its pairs
// at a match's Dice are left alone, and 12 there (12 − 2·√12 ≈ 5.1, not
// twice 3) or a run without few are not judged.
func TestLowDiceStrangers(t *testing.T) {
	rules := []string{"name_dob", "forename_dob"}
	const all = 0b11
	rare := makePattern(0b01, all, 2, 0).rules() // surname + initial + DOB alone
	nb := len(diceEdges) + 1
	diceM := make([]float64, nb)
	low := 0
	for k := 0; bandHigh(k) <= lowDice; k++ {
		low = k + 1
	}
	for k := range diceM {
		if k < low {
			diceM[k] = 0.1 / float64(low) // a tenth of matches below lowDice
		} else {
			diceM[k] = 0.9 / float64(nb-low)
		}
	}
	m := &Model{Rules: rules, Converged: true, ExpectedMatches: 300, DiceM: diceM,
		Patterns: []RulePattern{{Agree: []string{"name_dob"}, Differ: []string{"forename_dob"}, M: 0.1, pattern: rare}}}
	band := func(k int) pattern { return rare | pattern(k)<<(2*MaxRules) }
	lowBand, highBand := band(low-1), band(nb-1) // [0.55, 0.60) and the top band
	for _, c := range []struct {
		name    string
		lowN    int64
		few     int64
		refused bool
	}{
		{"many strangers below the line", 30, minFewCandidates, true},
		{"too few below the line to tell", 12, minFewCandidates, false},
		{"a run that does not judge rare patterns", 30, 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			mutual := map[pattern]mutualCount{lowBand: {n: c.lowN, tfSum: -float64(c.lowN)}, highBand: {n: 10}} // under minOneFileCandidates in all
			bars, list := strangerPatterns(m, mutual, namesakeCensus{}, minOneFileCandidates, rarePatterns{few: c.few}, 0)
			_, lowRefused := bars.need(lowBand)
			if lowRefused != c.refused {
				t.Fatalf("pairs below lowDice need rare values: %v, want %v (list %+v)", lowRefused, c.refused, list)
			}
			if _, ok := bars.need(highBand); ok {
				t.Error("pairs at a match's Dice judged too")
			}
			if c.refused {
				share := 3.0 / float64(c.lowN) // 300 × 0.1 × 0.1 matches expected below the line
				want := -1 + math.Log2(2*(1-share)/share)
				if got, _ := bars.need(band(0)); math.Abs(got-want) > 1e-9 {
					t.Errorf("band 0 needs %.3f, want %.3f", got, want)
				}
				if len(list) != 1 || list[0].Best != c.lowN || math.Abs(list[0].Expected-3) > 1e-9 {
					t.Errorf("summary entry %+v", list)
				}
			}
		})
	}
}
