package linkage

import (
	"math/rand/v2"
	"testing"
)

// TestRulePatternMFromAllCandidates checks that a rule pattern whose true
// pairs all sit below Dice 0.9 still gets its share of the matches: under
// diffusion a changed postcode takes a true pair's Dice to about 0.65, so
// "name and date of birth agree, postcode differs" is almost absent among
// high-Dice candidates, and an m read from those alone made a moved child's
// duplicate score far below the within-dataset threshold.
func TestRulePatternMFromAllCandidates(t *testing.T) {
	rules := []string{"name_dob", "name_postcode"}
	const both = 0b11
	// Random pairs: a million, almost all at Dice 0.45–0.55, agreeing on
	// nothing; a handful agree on the postcode rule by chance.
	nb := len(diceEdges) + 1
	prior := &Model{Rules: rules, RuleU: []float64{1e-6, 5e-6}, DiceU: make([]float64, nb),
		patternU: map[pattern]float64{
			makePattern(0, both, 2, 0):    1e6 - 5,
			makePattern(0b10, both, 2, 0): 5,
		},
		bandCounts: make([]float64, nb), randomPairs: 1e6}
	prior.bandCounts[diceBand(0.45)] = 6e5
	prior.bandCounts[diceBand(0.52)] = 4e5
	for k := range nb {
		prior.DiceU[k] = prior.bandCounts[k] + 1
	}
	normalise(prior.DiceU)

	// Candidates: 7,000 true pairs with every field equal, 3,000 moved (the
	// postcode rule differs, Dice 0.66), and 40 strangers who share a name
	// and a birthday with nothing else alike (Dice 0.5).
	allAgree := makePattern(both, both, 2, diceBand(0.99))
	moved := makePattern(0b01, both, 2, diceBand(0.66))
	strangers := makePattern(0b01, both, 2, diceBand(0.5))
	pats := []pattern{allAgree, moved, strangers}
	counts := []int64{7000, 3000, 40}
	m := fitModel(rules, pats, counts, prior, 1e9, independence{}, false)

	var got RulePattern
	for _, p := range m.Patterns {
		if p.pattern == moved.rules() {
			got = p
		}
	}
	if got.M < 0.25 || got.M > 0.35 {
		t.Errorf("m of %v agree, %v differ = %.4f, want about 0.3 (3,000 of 10,000 matches)", got.Agree, got.Differ, got.M)
	}
	if w := m.weight(moved); w < 25 {
		t.Errorf("a moved pair scores %.1f, want at least 25: every identifying field agrees", w)
	}
	if w := m.weight(strangers); w > m.weight(moved)-5 {
		t.Errorf("strangers sharing a name and birthday at Dice 0.5 score %.1f, too close to a moved pair's %.1f", w, m.weight(moved))
	}
	if !m.Converged {
		t.Errorf("the fit did not converge")
	}
}

// TestWeakPatternMNotFedByDice checks that the re-reading of pattern m
// leaves alone the patterns that agree on no anchor: strangers who share a
// forename and a birthday have CLKs that share those bits, so their Dice
// (0.66 here) is one random pairs never reach, and a posterior that took
// that Dice at face value would call them matches and raise their
// pattern's m round after round.
func TestWeakPatternMNotFedByDice(t *testing.T) {
	rules := []string{"name_dob", "forename_dob"}
	const both = 0b11
	nb := len(diceEdges) + 1
	prior := &Model{Rules: rules, RuleU: []float64{1e-6, 2e-3}, DiceU: make([]float64, nb),
		patternU: map[pattern]float64{
			makePattern(0, both, 2, 0):    1e6 - 2000,
			makePattern(0b10, both, 2, 0): 2000,
		},
		bandCounts: make([]float64, nb), randomPairs: 1e6}
	prior.bandCounts[diceBand(0.45)] = 6e5
	prior.bandCounts[diceBand(0.52)] = 4e5
	for k := range nb {
		prior.DiceU[k] = prior.bandCounts[k] + 1
	}
	normalise(prior.DiceU)
	allAgree := makePattern(both, both, 2, diceBand(0.99))
	moved := makePattern(both, both, 2, diceBand(0.66)) // matches: Dice 0.66 is a match's too
	strangers := makePattern(0b10, both, 2, diceBand(0.66))
	m := fitModel(rules, []pattern{allAgree, moved, strangers}, []int64{10000, 3000, 3000}, prior, 1e9, independence{}, false)
	for _, p := range m.Patterns {
		if p.pattern == strangers.rules() && p.M > 0.001 {
			t.Errorf("m of %v agree alone = %.4f: the strangers' Dice made them matches", p.Agree, p.M)
		}
	}
}

// TestDiceGivenAgreement checks that once most of a rule's agreements are
// chance (strangers sharing a surname, an initial and a birthday), a pair
// that agrees on a rule has its Dice weighed against those strangers'
// Dice, not against random pairs': the strangers' CLKs share the rule's
// bits, so their Dice (0.6 here) is one random pairs never reach.
func TestDiceGivenAgreement(t *testing.T) {
	rules := []string{"name_dob", "surname_initial_dob"}
	const both = 0b11
	nb := len(diceEdges) + 1
	prior := &Model{Rules: rules, RuleU: []float64{1e-7, 1e-6}, DiceU: make([]float64, nb),
		patternU: map[pattern]float64{
			makePattern(0, both, 2, 0): 1e6,
		},
		bandCounts: make([]float64, nb), randomPairs: 1e6}
	prior.bandCounts[diceBand(0.45)] = 6e5
	prior.bandCounts[diceBand(0.52)] = 4e5
	for k := range nb {
		prior.DiceU[k] = prior.bandCounts[k] + 1
	}
	normalise(prior.DiceU)
	allAgree := makePattern(both, both, 2, diceBand(0.99))
	moved := makePattern(both, both, 2, diceBand(0.66))
	strangers := makePattern(0b10, both, 2, diceBand(0.61))
	fit := func(nStrangers int64) *Model {
		return fitModel(rules, []pattern{allAgree, moved, strangers}, []int64{7000, 3000, nStrangers}, prior, 1e12, independence{}, false)
	}
	m := fit(15000) // 60% of the rule's agreements are lone: chance
	if m.DiceUAgree == nil {
		t.Fatal("15,000 lone agreements of a chance-heavy rule: no Dice u given an agreement")
	}
	if w := m.diceWeight(strangers, true); w > 1 {
		t.Errorf("strangers' Dice 0.61 weighs %+.1f, want at most +1: it is what strangers who agree on a rule have", w)
	}
	noRule := makePattern(0, both, 2, diceBand(0.66))
	if w := m.diceWeight(noRule, true); w < 10 {
		t.Errorf("Dice 0.66 with no rule agreeing weighs %+.1f, want at least +10 (random pairs never reach it)", w)
	}
	if w := m.diceWeight(allAgree, true); w < 5 {
		t.Errorf("Dice 0.99 with rules agreeing weighs %+.1f, want strongly positive", w)
	}
	if w, between := m.diceWeight(strangers, false), m.diceWeight(strangers, true); w <= between {
		t.Errorf("between datasets the strangers' Dice weighs %+.1f, want the random-pair weight, above %+.1f", w, between)
	}
	if m := fit(100); m.DiceUAgree != nil {
		t.Error("100 lone agreements: too few (and too few of the rule's agreements) to read a distribution from, want none")
	}
	if m := fit(4000); m.DiceUAgree != nil {
		t.Error("4,000 lone agreements of 14,000: mostly matches, want no Dice u given an agreement")
	}
}

// weightLookup returns what the map returns, absent patterns (0) included,
// whichever patterns share a cache slot.
func TestWeightLookup(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	m := map[pattern]float64{}
	var ps []pattern
	for range 2000 {
		p := pattern(rng.Uint64N(1 << 40))
		m[p] = rng.NormFloat64() * 10
		ps = append(ps, p, pattern(rng.Uint64N(1<<40))) // and one the map lacks
	}
	c := newWeightLookup(m)
	for range 100000 {
		p := ps[rng.IntN(len(ps))]
		if got, want := c.of(p), m[p]; got != want {
			t.Fatalf("pattern %x: weight %v, want %v", p, got, want)
		}
	}
}

// patternCounter's counts are a map's, whichever patterns share a slot.
func TestPatternCounter(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	var c patternCounter
	if got := c.counts(); len(got) != 0 {
		t.Fatalf("empty counter: %v", got)
	}
	want := map[pattern]int64{}
	ps := make([]pattern, 3000)
	for i := range ps {
		ps[i] = pattern(rng.Uint64N(1 << 40))
	}
	for i := range 200000 {
		p := ps[rng.IntN(len(ps))]
		if i%3 == 0 {
			p = ps[rng.IntN(4)] // runs of a few common patterns
		}
		c.add(p)
		want[p]++
	}
	got := c.counts()
	if len(got) != len(want) {
		t.Fatalf("%d patterns counted, want %d", len(got), len(want))
	}
	for p, n := range want {
		if got[p] != n {
			t.Fatalf("pattern %x counted %d, want %d", p, got[p], n)
		}
	}
	if again := c.counts(); len(again) != 0 {
		t.Errorf("counter not empty after counts: %d patterns", len(again))
	}
}

// TestRandomDraws: where a dataset pair has no more pairs than the samples
// asked, each pair is taken exactly once (a < b within one dataset), so the
// prior's rates are exact; otherwise samples pairs are drawn, never a
// record with itself.
func TestRandomDraws(t *testing.T) {
	for _, c := range []struct {
		name    string
		n, m    int
		self    bool
		samples int
		all     bool // every pair once
	}{
		{"two small datasets", 30, 20, false, 1000, true},
		{"exactly the samples", 25, 40, false, 1000, true},
		{"one small dataset", 45, 45, true, 1000, true}, // 990 unordered pairs
		{"too many pairs", 50, 50, false, 1000, false},
		{"one dataset, too many pairs", 46, 46, true, 1000, false}, // 1,035
	} {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			draws := randomDraws(rng, c.n, c.m, c.self, c.samples)
			seen := map[[2]uint32]int{}
			for _, d := range draws {
				if int(d[0]) >= c.n || int(d[1]) >= c.m {
					t.Fatalf("draw %v outside %d × %d", d, c.n, c.m)
				}
				if c.self && d[0] == d[1] {
					t.Fatalf("record %d drawn with itself", d[0])
				}
				seen[d]++
			}
			if !c.all {
				if len(draws) > c.samples || len(draws) < c.samples*9/10 {
					t.Errorf("%d draws, want about %d", len(draws), c.samples)
				}
				return
			}
			want := c.n * c.m
			if c.self {
				want = c.n * (c.n - 1) / 2
			}
			if len(draws) != want || len(seen) != want {
				t.Fatalf("%d draws of %d distinct pairs, want each of %d once", len(draws), len(seen), want)
			}
			for d := range seen {
				if c.self && d[0] > d[1] {
					t.Fatalf("pair %v drawn as (b, a)", d)
				}
			}
		})
	}
}
