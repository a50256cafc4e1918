package linkage

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestRuleIndependence(t *testing.T) {
	rules := []string{"name_dob", "id_dob", "id"}
	fields := [][]string{{"dob", "name"}, {"dob", "id"}, {"id"}}
	clk := []string{"dob", "name"}
	ds := func(rf [][]string, cf []string) *Dataset {
		return &Dataset{Rules: rules, RuleFields: rf, CLKFields: cf}
	}
	for _, c := range []struct {
		name    string
		in      []*Dataset
		outside uint16
		shares  []uint16
	}{
		{"recorded", []*Dataset{ds(fields, clk), ds(fields, clk)}, 0b100, []uint16{0b011, 0b111, 0b110}},
		{"an old file", []*Dataset{ds(fields, clk), ds(nil, nil)}, 0, nil},
		{"different CLK fields", []*Dataset{ds(fields, clk), ds(fields, []string{"dob", "id", "name"})}, 0, nil},
		{"no CLK", []*Dataset{ds(fields, nil)}, 0b111, []uint16{0b011, 0b111, 0b110}},
	} {
		ind := ruleIndependence(c.in)
		if ind.outside != c.outside || len(ind.shares) != len(c.shares) {
			t.Errorf("%s: outside %03b shares %v, want %03b %v", c.name, ind.outside, ind.shares, c.outside, c.shares)
			continue
		}
		for r := range c.shares {
			if ind.shares[r] != c.shares[r] {
				t.Errorf("%s: rule %s shares %03b, want %03b", c.name, rules[r], ind.shares[r], c.shares[r])
			}
		}
	}
}

// TestIDAgreementNotCapped: a duplicate whose surname and address changed
// but whose ID number is the same is far likelier a match than the random
// pairs can show (none of a million agree on the ID, so its pattern's u
// would be capped at about one in two million). With the ID rule known to
// read no CLK field, its u is the ID's chance rate times a stranger's, and
// the pair scores above log2 of the pair space, which a pair within one
// dataset must reach; the patterns without the ID keep their u.
func TestIDAgreementNotCapped(t *testing.T) {
	rules := []string{"name_dob", "id_dob", "id"}
	const all = 0b111
	nb := len(diceEdges) + 1
	prior := &Model{Rules: rules, RuleU: []float64{1e-6, 1e-6, 1e-6}, DiceU: make([]float64, nb),
		patternU: map[pattern]float64{
			makePattern(0, all, 3, 0):     1e6 - 20,
			makePattern(0b001, all, 3, 0): 20, // strangers sharing a name and a birthday
		},
		ruleObserved: []float64{1e6, 1e6, 1e6},
		bandCounts:   make([]float64, nb), randomPairs: 1e6}
	prior.bandCounts[diceBand(0.45)] = 6e5
	prior.bandCounts[diceBand(0.52)] = 4e5
	for k := range nb {
		prior.DiceU[k] = prior.bandCounts[k] + 1
	}
	normalise(prior.DiceU)
	allAgree := makePattern(all, all, 3, diceBand(0.99))
	renamed := makePattern(0b110, all, 3, diceBand(0.56)) // ID and birthday agree, the name changed
	strangers := makePattern(0b001, all, 3, diceBand(0.5))
	noID := makePattern(0b001, 0b001, 3, diceBand(0.99)) // a match, one side without an ID
	pats := []pattern{allAgree, renamed, strangers, noID}
	counts := []int64{9000, 300, 2000, 3000}
	const space = 1e10
	ind := independence{outside: 0b100, shares: []uint16{0b011, 0b111, 0b110}}
	without := fitModel(rules, pats, counts, prior, space, independence{}, false)
	with := fitModel(rules, pats, counts, prior, space, ind, false)
	if len(with.OutsideCLK) != 1 || with.OutsideCLK[0] != "id" {
		t.Errorf("OutsideCLK = %v, want [id]", with.OutsideCLK)
	}
	uOf := func(m *Model, p pattern) float64 {
		for _, rp := range m.Patterns {
			if rp.pattern == p.rules() {
				return rp.U
			}
		}
		t.Fatalf("no pattern %v", p)
		return 0
	}
	// The ID's chance rate: no lone ID agreement among the candidates, so
	// half a pair over the 1e10 pairs that both hold an ID; the rest of
	// the pattern (the name rule differs; id_dob shares the ID and is left
	// out) is what almost every random pair shows.
	rest := (prior.patternU[makePattern(0, 0b001, 3, 0)] + 0.5) / (1e6 + 0.5*float64(len(with.Patterns)+1))
	if want, got := 0.5/space*rest, uOf(with, renamed); math.Abs(got-want) > 1e-3*want {
		t.Errorf("u of the renamed pattern %.3g, want %.3g", got, want)
	}
	if w := with.weight(renamed); w < math.Log2(space) {
		t.Errorf("renamed duplicate with the same ID scores %.1f, want above log2(space) = %.1f (without independence: %.1f)", w, math.Log2(space), without.weight(renamed))
	}
	// (Only the match share, refitted, may move the strangers' u a little.)
	if a, b := uOf(with, strangers), uOf(without, strangers); math.Abs(a-b) > 0.01*b {
		t.Errorf("strangers' u changed: %.4g against %.4g", a, b)
	}
	t.Logf("renamed duplicate: %.1f bits with independence, %.1f without; strangers %.1f", with.weight(renamed), without.weight(renamed), with.weight(strangers))
}

// TestIDDisagreementCapsPattern: namesakes born on the same day whose ID
// numbers differ are never seen among random pairs and feed their own
// anchor pattern's m; with the ID rule known to read no CLK field their
// pattern weighs at most the ID's disagreement plus the same pattern with
// the ID unknown.
func TestIDDisagreementCapsPattern(t *testing.T) {
	rules := []string{"name_dob", "id_dob", "id"}
	const all = 0b111
	nb := len(diceEdges) + 1
	prior := &Model{Rules: rules, RuleU: []float64{1e-6, 1e-6, 1e-6}, DiceU: make([]float64, nb),
		patternU:     map[pattern]float64{makePattern(0, all, 3, 0): 1e6},
		ruleObserved: []float64{1e6, 1e6, 1e6},
		bandCounts:   make([]float64, nb), randomPairs: 1e6}
	prior.bandCounts[diceBand(0.45)] = 1e6
	for k := range nb {
		prior.DiceU[k] = prior.bandCounts[k] + 1
	}
	normalise(prior.DiceU)
	allAgree := makePattern(all, all, 3, diceBand(0.99))
	typo := makePattern(0b001, all, 3, diceBand(0.95))      // one person, ID mistyped: rare
	namesakes := makePattern(0b001, all, 3, diceBand(0.62)) // two people, different IDs
	noID := makePattern(0b001, 0b001, 3, diceBand(0.62))    // the same, one side without an ID
	noIDMatch := makePattern(0b001, 0b001, 3, diceBand(0.99))
	pats := []pattern{allAgree, typo, namesakes, noID, noIDMatch}
	counts := []int64{9000, 20, 2000, 2000, 3000}
	ind := independence{outside: 0b100, shares: []uint16{0b001, 0b110, 0b110}}
	without := fitModel(rules, pats, counts, prior, 1e10, independence{}, false)
	with := fitModel(rules, pats, counts, prior, 1e10, ind, false)
	cap := math.Log2((1-with.RuleM[2])/(1-with.RuleU[2])) + with.patternW[noID.rules()]
	if got := with.patternW[namesakes.rules()]; got > cap+1e-9 {
		t.Errorf("namesakes with different IDs weigh %.2f, want at most %.2f (the ID's disagreement plus the pattern without it)", got, cap)
	}
	if w, w0 := with.patternW[namesakes.rules()], without.patternW[namesakes.rules()]; w > w0-3 {
		t.Errorf("namesakes with different IDs weigh %.2f with independence, %.2f without: want it at least 3 bits lower", w, w0)
	}
	// The matches without an ID agree on the name rule as the ID pairs do,
	// so reading its m from the ID pairs (restM, then held) rather than
	// from the high-Dice candidates (then re-read by EM) changes little.
	if w, w0 := with.patternW[noID.rules()], without.patternW[noID.rules()]; math.Abs(w-w0) > 0.5 {
		t.Errorf("a pattern without an ID changed: %.2f against %.2f", w, w0)
	}
	t.Logf("namesakes, IDs differ: %.1f bits (without independence %.1f); without an ID %.1f; ID m %.4f",
		with.patternW[namesakes.rules()], without.patternW[namesakes.rules()], with.patternW[noID.rules()], with.RuleM[2])
}

// TestIDPairsGiveRestM: a changed surname lowers the Dice and breaks the
// name rule together, so among high-Dice candidates the pattern "forename
// and birthday agree, the rest differs" is all but absent, and without an
// ID its m was a smoothing count. The pairs agreeing on an ID number show
// how often matches have it, whatever their Dice.
func TestIDPairsGiveRestM(t *testing.T) {
	rules := []string{"name_dob", "id_dob", "id", "fore_dob"}
	const all = 0b1111
	nb := len(diceEdges) + 1
	prior := &Model{Rules: rules, RuleU: []float64{1e-6, 1e-6, 1e-6, 1e-5}, DiceU: make([]float64, nb),
		patternU:     map[pattern]float64{makePattern(0, all, 4, 0): 1e6},
		ruleObserved: []float64{1e6, 1e6, 1e6, 1e6},
		bandCounts:   make([]float64, nb), randomPairs: 1e6}
	prior.bandCounts[diceBand(0.45)] = 1e6
	for k := range nb {
		prior.DiceU[k] = prior.bandCounts[k] + 1
	}
	normalise(prior.DiceU)
	const noID = 0b1001 // present without an ID
	same := makePattern(all, all, 4, diceBand(0.99))
	renamedID := makePattern(0b1110, all, 4, diceBand(0.55))
	sameNoID := makePattern(noID, noID, 4, diceBand(0.99))
	renamedNoID := makePattern(0b1000, noID, 4, diceBand(0.55))
	// Strangers sharing a forename and a birthday: the rule is not
	// identifying, so its lone agreements make no anchor.
	strangers := makePattern(0b1000, all, 4, diceBand(0.45))
	pats := []pattern{same, renamedID, sameNoID, renamedNoID, strangers}
	counts := []int64{7000, 3000, 2000, 900, 5000}
	ind := independence{outside: 0b0100, shares: []uint16{0b1011, 0b1111, 0b0110, 0b1011}}
	without := fitModel(rules, pats, counts, prior, 1e10, independence{}, false)
	with := fitModel(rules, pats, counts, prior, 1e10, ind, false)
	mOf := func(m *Model, p pattern) float64 {
		for _, rp := range m.Patterns {
			if rp.pattern == p.rules() {
				return rp.M
			}
		}
		t.Fatalf("no pattern %v", p)
		return 0
	}
	if with.PatternMFrom != "id" || with.PatternMPairs != 10000 || without.PatternMFrom != "" {
		t.Errorf("pattern m from %q (%d pairs), %q without independence: want id (10000), none", with.PatternMFrom, with.PatternMPairs, without.PatternMFrom)
	}
	// Among the ID pairs 3 renamed for every 7 not: so without an ID too.
	if got, want := mOf(with, renamedNoID)/mOf(with, sameNoID), 3000.0/7000; math.Abs(got-want) > 0.05*want {
		t.Errorf("m(renamed)/m(same) without an ID = %.3f, want %.3f as among the ID pairs", got, want)
	}
	if got := mOf(without, renamedNoID) / mOf(without, sameNoID); got > 0.01 {
		t.Errorf("without independence m(renamed)/m(same) = %.3f: the test no longer shows the high-Dice bias", got)
	}
	if w, w0 := with.weight(renamedNoID), without.weight(renamedNoID); w < w0+5 {
		t.Errorf("renamed pair without an ID weighs %.1f, %.1f before: want at least 5 bits more", w, w0)
	}
	t.Logf("renamed, no ID: %.1f bits (%.1f reading m above Dice 0.9)", with.weight(renamedNoID), without.weight(renamedNoID))
}

// TestIDDiffersDice: namesakes born the same day with different IDs share
// their names' CLK bits, so their Dice, worth many bits against random
// pairs, is weighed against theirs; a mistyped ID between two records of
// one person (Dice 0.99, rare among namesakes) keeps its weight.
func TestIDDiffersDice(t *testing.T) {
	rules := []string{"name_dob", "id_dob", "id"}
	const all = 0b111
	nb := len(diceEdges) + 1
	prior := &Model{Rules: rules, RuleU: []float64{1e-6, 1e-6, 1e-6}, DiceU: make([]float64, nb),
		patternU:     map[pattern]float64{makePattern(0, all, 3, 0): 1e6},
		ruleObserved: []float64{1e6, 1e6, 1e6},
		bandCounts:   make([]float64, nb), randomPairs: 1e6}
	prior.bandCounts[diceBand(0.45)] = 1e6
	for k := range nb {
		prior.DiceU[k] = prior.bandCounts[k] + 1
	}
	normalise(prior.DiceU)
	allAgree := makePattern(all, all, 3, diceBand(0.99))
	typo := makePattern(0b001, all, 3, diceBand(0.99))
	namesakes := makePattern(0b001, all, 3, diceBand(0.62))
	moved := makePattern(0b111, all, 3, diceBand(0.62)) // one person, new address
	noIDMatch := makePattern(0b001, 0b001, 3, diceBand(0.99))
	pats := []pattern{allAgree, typo, namesakes, moved, noIDMatch}
	counts := []int64{9000, 10, 2000, 1000, 3000}
	ind := independence{outside: 0b100, shares: []uint16{0b001, 0b110, 0b110}}
	without := fitModel(rules, pats, counts, prior, 1e10, independence{}, false)
	with := fitModel(rules, pats, counts, prior, 1e10, ind, false)
	if with.IDRule != "id" || with.DiceUIDDiffers == nil {
		t.Fatalf("ID rule %q, Dice u given differing IDs %v: want id and a distribution", with.IDRule, with.DiceUIDDiffers)
	}
	if w, w0 := with.diceWeight(namesakes, false), without.diceWeight(namesakes, false); w > w0-10 || w > 0 {
		t.Errorf("namesakes' Dice weighs %.1f, %.1f against random pairs: want it at most 0 and 10 bits lower", w, w0)
	}
	if w := with.diceWeight(typo, false); w < 5 {
		t.Errorf("a mistyped ID's Dice 0.99 weighs %.1f: want it still strong", w)
	}
	if w, w0 := with.diceWeight(moved, false), without.diceWeight(moved, false); math.Abs(w-w0) > 0.1 {
		t.Errorf("the Dice of a pair whose IDs agree moved: %.2f against %.2f", w, w0)
	}
	// The waterfall says so, and adds up to the score.
	e := with.explain(namesakes, 0, false, "namesakes", "a", "b", 0, "")
	if !strings.Contains(e.Steps[len(e.Steps)-1].Evidence, "weighed against namesakes") || math.Abs(e.Score-with.weight(namesakes)) > 1e-3 {
		t.Errorf("waterfall %+v: want the Dice weighed against namesakes and a score of %.2f", e, with.weight(namesakes))
	}
	// A model read back from summary.json scores as the run did.
	js, err := json.Marshal(with)
	if err != nil {
		t.Fatal(err)
	}
	var back Model
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if err := back.restore(); err != nil {
		t.Fatal(err)
	}
	for _, p := range pats {
		if a, b := back.weight(p), with.weight(p); a != b {
			t.Errorf("pattern %x: %.4f read back, %.4f fitted", p, a, b)
		}
	}
	back.IDRule = "nope"
	if err := back.restore(); err == nil {
		t.Error("a model naming an ID rule it lacks was restored")
	}
}

// TestIDDiffersBar: with an identifying ID rule a pair whose IDs differ is
// judged alone (log2((1−λ)/λ)); without one, or with a higher threshold
// given, nothing changes.
func TestIDDiffersBar(t *testing.T) {
	m := &Model{Rules: []string{"name_dob", "id"}, Lambda: 1.0 / (1 << 20), PatternMFrom: "id"}
	th := ThresholdChoice{Value: 0}
	if r := idDiffersBar(&th, m); r != 1 || th.IDDiffers == nil || math.Abs(*th.IDDiffers-20) > 1e-3 || th.IDDiffersWhy == "" {
		t.Errorf("rule %d, bar %v: want rule 1 and about 20 bits, with a reason", r, th.IDDiffers)
	}
	th = ThresholdChoice{Value: 30}
	if idDiffersBar(&th, m); *th.IDDiffers != 30 {
		t.Errorf("bar %.2f under a threshold of 30", *th.IDDiffers)
	}
	for _, m := range []*Model{
		{Rules: m.Rules, Lambda: m.Lambda},                        // no ID rule
		{Rules: m.Rules, PatternMFrom: "id"},                      // no fitted match share
		{Rules: m.Rules, Lambda: m.Lambda, PatternMFrom: "other"}, // not one of its rules
	} {
		th := ThresholdChoice{}
		if r := idDiffersBar(&th, m); r != -1 || th.IDDiffers != nil {
			t.Errorf("model %+v: rule %d, bar %v: want none", m, r, th.IDDiffers)
		}
	}
}

// TestDiceGivenRulePattern: a parent and child of one name at one address
// agree on the name-and-sector rule and on nothing with the date of birth,
// as a true pair with a mistyped birthday does; their Dice (names salted
// with different years) is a namesake's, the true pair's is high. Read
// from the pairs whose ID agrees (matches) and differs (namesakes) with
// that pattern, a low Dice lowers the score of a pair without IDs; a high
// one changes nothing, nor does a pattern with too few pairs to read.
func TestDiceGivenRulePattern(t *testing.T) {
	rules := []string{"name_sector", "name_dob", "id"}
	const all = 0b111
	nb := len(diceEdges) + 1
	prior := &Model{Rules: rules, RuleU: []float64{1e-6, 1e-6, 1e-6}, DiceU: make([]float64, nb),
		patternU:     map[pattern]float64{makePattern(0, all, 3, 0): 1e6},
		ruleObserved: []float64{1e6, 1e6, 1e6},
		bandCounts:   make([]float64, nb), randomPairs: 1e6}
	prior.bandCounts[diceBand(0.45)] = 1e6
	for k := range nb {
		prior.DiceU[k] = prior.bandCounts[k] + 1
	}
	normalise(prior.DiceU)
	const noID = 0b011
	same := makePattern(all, all, 3, diceBand(0.99))
	typoID := makePattern(0b101, all, 3, diceBand(0.9))    // birthday mistyped, IDs agree
	parentID := makePattern(0b001, all, 3, diceBand(0.45)) // parent and child, IDs differ
	parent := makePattern(0b001, noID, 3, diceBand(0.45))  // the same without IDs
	typo := makePattern(0b001, noID, 3, diceBand(0.9))     // a mistyped birthday without IDs
	renamed := makePattern(0b010, noID, 3, diceBand(0.55)) // too few ID pairs to read
	renamedID := makePattern(0b110, all, 3, diceBand(0.55))
	pats := []pattern{same, typoID, parentID, parent, typo, renamed, renamedID}
	counts := []int64{9000, 300, 400, 500, 200, 100, 20}
	ind := independence{outside: 0b100, shares: []uint16{0b001, 0b010, 0b100}}
	without := fitModel(rules, pats, counts, prior, 1e10, independence{}, false)
	with := fitModel(rules, pats, counts, prior, 1e10, ind, false)
	if len(with.DiceGiven) != 1 || !slices.Equal(with.DiceGiven[0].Agree, []string{"name_sector"}) || with.DiceGiven[0].Matches != 300 {
		t.Fatalf("Dice given rule patterns %+v: want one, name_sector agreeing, from 300 matches", with.DiceGiven)
	}
	if w, _, _ := with.diceGivenWeight(parent); w > -3 {
		t.Errorf("a parent and child's Dice, given their rules, weighs %.1f more: want at most -3", w)
	}
	if d := with.weight(parent) - without.weight(parent); d > -3 {
		t.Errorf("a parent and child score %.1f more than weighed against all matches: want at most -3", d)
	}
	for _, p := range []pattern{typo, renamed, same} {
		if w, _, _ := with.diceGivenWeight(p); w != 0 {
			t.Errorf("pattern %x: its Dice given its rules weighs %.2f more, want 0", p, w)
		}
	}
	e := with.explain(parent, 0, false, "parent", "a", "b", 0, "")
	if !strings.Contains(e.Steps[len(e.Steps)-1].Evidence, "namesakes whose rules other than id") || math.Abs(e.Score-with.weight(parent)) > 1e-3 {
		t.Errorf("waterfall %+v: want the Dice weighed given the rules and a score of %.2f", e, with.weight(parent))
	}
	js, err := json.Marshal(with)
	if err != nil {
		t.Fatal(err)
	}
	var back Model
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if err := back.restore(); err != nil {
		t.Fatal(err)
	}
	for _, p := range pats {
		if a, b := back.weight(p), with.weight(p); a != b {
			t.Errorf("pattern %x: %.4f read back, %.4f fitted", p, a, b)
		}
	}
	back.DiceGivenWithout = []string{"nope"}
	if err := back.restore(); err == nil {
		t.Error("a model leaving out a rule it lacks was restored")
	}
}
