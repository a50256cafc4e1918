package linkage

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// StrangerPattern is a rule pattern whose candidates between datasets (or
// within the one dataset of a deduplication) are mostly strangers: fewer
// matches are expected with it, over the whole run, than there are
// candidates with it that the solver would choose among.
type StrangerPattern struct {
	Agree  []string `json:"agree"`
	Differ []string `json:"disagree"`
	// DiceBand, when set, limits the entry to the pattern's pairs with a
	// Dice in that band (bandStrangers), e.g. "[0.40, 0.50)".
	DiceBand string `json:"dice_band,omitempty"`
	// Pooled names the rules the pattern misses that some dataset never
	// holds (poolRules): its candidates and expected matches are counted
	// together with those of the patterns that agree or disagree on them,
	// as if the rules were not there.
	Pooled []string `json:"judged_without,omitempty"`
	// ByAgreement is set when the pattern had too few mutual-best
	// candidates to be judged alone (minCandidates) and was judged with
	// every pattern agreeing on the same rules (sameAgreement).
	ByAgreement bool `json:"judged_by_agreeing_rules,omitempty"`
	// Expected is the matches expected with the pattern: its m times the
	// model's expected matches (times the band's share of them, for a
	// band).
	Expected float64 `json:"expected_matches"`
	// Best is the between-dataset candidates with the pattern that are the
	// best of both their records (mutualBest); deduplicating one dataset,
	// its within-dataset candidates.
	Best int64 `json:"mutual_best_candidates"`
	// Share is Expected / Best, at most the share of matches among them.
	Share float64 `json:"match_share"`
	// MeanTF is the mean term-frequency adjustment of those candidates (0
	// or less: common values lower a score, unique ones leave it).
	MeanTF float64 `json:"mean_term_frequency"`
	// TFNeeded is MeanTF + log2(strangerOdds·(1 − Share)/Share): the
	// term-frequency adjustment a pair with the pattern needs to be linked,
	// its values that much rarer than the pattern's average. Above 0, no
	// pair can reach it.
	TFNeeded float64 `json:"term_frequency_needed"`
	// Namesakes, for a band refused by the namesake census (only family
	// rules agree), is the namesakes expected among its Candidates (every
	// between-dataset candidate with the pattern and band, the ID rules'
	// outcomes left out), read from the pairs within datasets. Best and
	// MeanTF are then 0, Expected is Candidates − Namesakes, and every
	// pair of the band is refused (counts.refused_as_namesakes).
	Namesakes  float64 `json:"namesakes_expected,omitempty"`
	Candidates int64   `json:"candidates,omitempty"`
}

// maxStrangerPatterns bounds the list kept in summary.json (the largest
// counts first); every pattern found is applied.
const maxStrangerPatterns = 20

// strangerPatterns finds the rule patterns whose best candidates between
// datasets are mostly strangers and returns, for each, the term-frequency
// weight a pair needs to be linked, with the list for summary.json.
//
// The one-to-one solver accepts a record's best candidate at a likelihood
// ratio of 1, because a stranger must beat the true partner to be kept.
// That holds only for a record that has a partner in the other dataset.
// A record without one (a child too young for school, say) keeps its best
// stranger, and in a large population a weak pattern has many: at 5.5
// million people (pprl synth), 20,187 pairs agreeing only on surname,
// forename and birthday with another year were each other's best
// candidates, where the model expects 3,341 matches with that pattern.
// The model says how many matches a pattern should hold (its m times the
// expected matches, all datasets together); the candidates say how many
// pairs the solver would choose among. When the first is less than half
// the second, the pattern's prior odds among those candidates are below
// one, and a pair needs evidence the pattern does not carry: values rarer
// than its candidates' average, by a term-frequency adjustment at least
// log2(strangerOdds·(1 − share)/share) above their mean (adjustments only
// lower a score, so unique values score the most).
// The Dice band is left out of both counts: for a weak pattern it is not
// independent of the rules (a renamed child's Dice is a stranger's). A
// pattern in which no rule agrees is left alone: its pairs are candidates
// for their Dice alone, which is their evidence; so is one agreeing on the
// identifying ID rule.
// In a small population a weak pattern's best candidates are mostly
// matches, and nothing changes.
//
// A pattern that passes as a whole is judged again band by band when its
// Dice is weighed given its rules (bandStrangers): the matches expected in
// a band are the pattern's times the share of its matches in that band
// (DiceGiven), against the mutual-best candidates in the band.
//
// minCandidates is the fewest mutual-best candidates of a pattern (or band)
// for it to be judged: minStrangerCandidates, or minOneFileCandidates when
// deduplicating one dataset.
//
// pool holds the rules some dataset of the run never holds (poolRules): a
// pattern missing such a rule is judged as if the rule were not there,
// together with the patterns that agree or disagree on it (poolMembers).
func strangerPatterns(m *Model, mutual map[pattern]mutualCount, census namesakeCensus, minCandidates int64, rare rarePatterns, pool uint16) (strangerBars, []StrangerPattern) {
	bars := strangerBars{rules: map[pattern]float64{}, bands: map[pattern]float64{}, softRules: map[pattern]float64{}, softBands: map[pattern]float64{}}
	if !m.Converged || m.ExpectedMatches <= 0 {
		return bars, nil
	}
	byRules := map[pattern]mutualCount{}
	for p, c := range mutual {
		r := byRules[p.rules()]
		r.n += c.n
		r.tfSum += c.tfSum
		byRules[p.rules()] = r
	}
	idr := slices.Index(m.Rules, m.PatternMFrom)
	mOf := make(map[pattern]float64, len(m.Patterns))
	for _, rp := range m.Patterns {
		mOf[rp.pattern] = rp.M
	}
	var list []StrangerPattern
	judge := func(rp RulePattern, pooled []string, coarse bool, expected float64, mc mutualCount, band string) (float64, bool) {
		c := mc.n
		if c < minCandidates || expected >= 0.5*float64(c) {
			return 0, false
		}
		share := max(expected, 0.5) / float64(c)
		mean := mc.tfSum / float64(c)
		need := mean + math.Log2(strangerOdds*(1-share)/share)
		list = append(list, StrangerPattern{Agree: rp.Agree, Differ: rp.Differ, Pooled: pooled, ByAgreement: coarse, DiceBand: band, Expected: round4(expected),
			Best: c, Share: round9(share), MeanTF: round9(mean), TFNeeded: round9(need)})
		return need, true
	}
	sum := func(members []pattern, band int) (expected float64, mc mutualCount) {
		for _, q := range members {
			e := mOf[q] * m.ExpectedMatches
			c := byRules[q]
			if band >= 0 {
				g, ok := m.bandStrangers(q)
				if !ok {
					g, _ = m.bandStrangers(members[0])
				}
				if band < len(g.m) {
					e *= g.m[band]
				}
				c = mutual[q|pattern(band)<<(2*MaxRules)]
			}
			expected += e
			mc.n += c.n
			mc.tfSum += c.tfSum
		}
		return expected, mc
	}
	for _, rp := range m.Patterns {
		if len(rp.Agree) == 0 || (idr >= 0 && rp.pattern.rule(idr) == 1) {
			continue
		}
		members, pooled := poolMembers(rp.pattern, pool, m.Rules)
		expected, mc := sum(members, -1)
		coarse := mc.n < minCandidates
		if coarse {
			members = sameAgreement(m.Patterns, members)
			expected, mc = sum(members, -1)
		}
		if need, ok := judge(rp, pooled, coarse, expected, mc, ""); ok {
			bars.rules[rp.pattern] = need
			continue
		}
		if coarse && rare.few > 0 && rp.pattern.agreeMask(len(m.Rules))&rare.skip == 0 {
			if need, sp, ok := lowDiceStrangers(m, mutual, rp, members, expected, rare.few); ok {
				for k := 0; bandHigh(k) <= lowDice; k++ {
					bars.bands[rp.pattern|pattern(k)<<(2*MaxRules)] = need
				}
				sp.Pooled = pooled
				list = append(list, sp)
				continue
			}
		}
		g, ok := m.bandStrangers(rp.pattern)
		if !ok {
			if need, ok := evenOdds(expected, mc, minCandidates); ok {
				bars.softRules[rp.pattern] = need
			}
			continue
		}
		for k := range g.m {
			p := rp.pattern | pattern(k)<<(2*MaxRules)
			expected, mc := sum(members, k)
			if need, ok := judge(rp, pooled, coarse, expected, mc, bandName(k)); ok {
				bars.bands[p] = need
			} else if need, ok := evenOdds(expected, mc, minCandidates); ok {
				bars.softBands[p] = need
			}
		}
	}
	list = append(list, namesakeBands(m, census)...)
	slices.SortFunc(list, func(x, y StrangerPattern) int {
		if c := cmp.Compare(y.Best+y.Candidates, x.Best+x.Candidates); c != 0 {
			return c
		}
		if c := slices.Compare(x.Agree, y.Agree); c != 0 {
			return c
		}
		if c := slices.Compare(x.Differ, y.Differ); c != 0 {
			return c
		}
		return cmp.Compare(x.DiceBand, y.DiceBand)
	})
	return bars, list[:min(len(list), maxStrangerPatterns)]
}

// lowDiceStrangers judges the pairs of a pattern too rare to be judged
// whole (its group by agreement, members, holds fewer mutual-best
// candidates than the minimum) that have a stranger's Dice, below
// lowDice, all such bands together: the matches expected there are the
// group's (expected) times the share of matches' Dice below lowDice
// (Model.DiceM), and the pattern is refused there, unless its values are
// rarer than the candidates', when at least few candidates lie there and,
// less two standard deviations of their count (√c, Poisson), they are
// still more than twice the matches expected. Its pairs at a match's Dice
// are left alone: a small group of renamed children agreeing on the same
// rules as strangers has their Dice, not the strangers'.
func lowDiceStrangers(m *Model, mutual map[pattern]mutualCount, rp RulePattern, members []pattern, expected float64, few int64) (float64, StrangerPattern, bool) {
	var e float64
	var mc mutualCount
	for k := 0; bandHigh(k) <= lowDice; k++ {
		for _, q := range members {
			c := mutual[q|pattern(k)<<(2*MaxRules)]
			mc.n += c.n
			mc.tfSum += c.tfSum
		}
		e += expected * m.DiceM[k]
	}
	n := float64(mc.n)
	if mc.n < few || e >= 0.5*(n-2*math.Sqrt(n)) {
		return 0, StrangerPattern{}, false
	}
	share := max(e, 0.5) / n
	mean := mc.tfSum / n
	need := mean + math.Log2(strangerOdds*(1-share)/share)
	return need, StrangerPattern{Agree: rp.Agree, Differ: rp.Differ, ByAgreement: true, DiceBand: fmt.Sprintf("[0.00, %.2f)", lowDice),
		Expected: round4(e), Best: mc.n, Share: round9(share), MeanTF: round9(mean), TFNeeded: round9(need)}, true
}

// rarePatterns says how a one-file run judges patterns too rare to be
// judged whole (lowDiceStrangers).
type rarePatterns struct {
	// few is the fewest mutual-best candidates below lowDice to judge
	// from; 0 where rare patterns are not judged (runs of several files,
	// and files where most records have a duplicate: maxFewShare).
	few int64
	// skip holds the rules whose agreement leaves a match with a
	// stranger's Dice, so that no pattern agreeing on one is judged by
	// its Dice: a rule reading its components in either order (t10,
	// names swapped) agrees where the CLK, whose names are hashed field by
	// field, does not. pprl synth, hearings alone, 1M people: 31 pairs
	// agreeing on t10 alone at Dice 0.51, every one a match.
	skip uint16
}

// lowDice is the top of the Dice bands lowDiceStrangers judges together:
// native filters' random pairs lie at 0.49 ± 0.02, strangers agreeing on a
// rule's fields at 0.52–0.57 (pprl synth), a match with one field changed
// at 0.65 and above.
const lowDice = 0.6

// minFewCandidates is the fewest mutual-best candidates below lowDice
// from which lowDiceStrangers judges a rare pattern of a one-file run.
const minFewCandidates = 10

// maxFewShare: a one-file run judges rare patterns (lowDiceStrangers) only
// where fewer than this share of its records are expected to have a
// duplicate. Where most records have one (FEBRL1–3: 40–100%), a rare
// pattern's expected matches can be far off (FEBRL1: 17 pairs agreeing on
// the SSN, the names and the postcode, all matches, were expected to hold
// 2.1) and its candidates are mostly matches anyway; in agencies' extracts
// (pprl synth: 1–4%) most records' best candidate is a stranger.
const maxFewShare = 0.1

// poolRules returns the rules that some dataset of the run never holds
// while another does, a field one agency does not record (children's
// hearings hold no middle names), less the rules over an ID number (a rule
// reading no CLK field, such as CHI, and every rule sharing a field with it
// or with the model's ID rule), whose missing and agreeing pairs are
// different evidence by design. It is 0 when the token files do not say
// which fields their rules read.
//
// A pattern's m is read from all the candidates together, and, for the
// patterns without the ID rule, from the pairs that agree on it (restM),
// which come from the agencies that record an ID. Where a rule is missing
// by an agency's design rather than by a record's gap, the share of the
// matches missing it differs from one pair of agencies to another, and
// that m is far from the pattern's share among the pairs of the agency
// without the field. Measured with a rule on forename, first middle name
// and birthday (pprl synth: hearings hold no middle names) at 100,000
// people: forename, birthday and sex agreeing alone with that rule missing
// was read as 120 matches expected among 274 mutual-best candidates, and
// refused, where the pattern without the rule passes: recall 0.9823 ->
// 0.9812.
func poolRules(ds []*Dataset, ind independence, m *Model) uint16 {
	if ind.shares == nil {
		return 0
	}
	var any uint16
	all := ^uint16(0)
	for _, d := range ds {
		var held uint16
		for _, p := range d.present {
			held |= p
		}
		any |= held
		all &= held
	}
	pool := any &^ all
	for r := range ind.shares {
		if ind.outside&(1<<r) != 0 {
			pool &^= ind.shares[r]
		}
	}
	if idr := slices.Index(m.Rules, m.PatternMFrom); idr >= 0 && idr < len(ind.shares) {
		pool &^= ind.shares[idr]
	}
	return pool
}

// sameAgreement returns the patterns of ps that agree on the same rules as
// one of members (whatever the outcomes of the others), members[0] first:
// what a pattern with too few mutual-best candidates to judge is judged
// with.
//
// A rule that most records lack splits every pattern in two, missing and
// disagreeing (a middle name: half of health's records and a third of
// social work's hold none), and a pattern of strangers whose candidates
// were enough to judge falls below the minimum in both halves. Measured
// deduplicating one agency alone at 100,000 people with a rule on forename,
// middle name and birthday: surname + forename + day and month of birth
// alone (t8), 159 mutual-best candidates judged strangers, split 113 and
// under 50, and 52 false pairs were linked with it; judged by the rules
// that agree, entity F1 education 0.7309 -> 0.8567, social work 0.9127 ->
// 0.9310, health 0.9763 -> 0.9995. Between files (200 candidates at least)
// it changed nothing measurable at 20,000 to 5.5 million people, FEBRL
// included.
func sameAgreement(ps []RulePattern, members []pattern) []pattern {
	want := map[pattern]bool{}
	for _, q := range members {
		want[agreeBits(q)] = true
	}
	out := []pattern{members[0]}
	for _, rp := range ps {
		if rp.pattern != members[0] && want[agreeBits(rp.pattern)] {
			out = append(out, rp.pattern)
		}
	}
	return out
}

// poolMembers returns the patterns that p is judged with: p itself and p
// with any of the rules of pool that it misses read as agreeing or
// disagreeing, with the names of those rules (nil when there are none).
func poolMembers(p pattern, pool uint16, rules []string) ([]pattern, []string) {
	members := []pattern{p.rules()}
	var names []string
	for r := range rules {
		if pool&(1<<r) == 0 || p.rule(r) != 0 {
			continue
		}
		names = append(names, rules[r])
		for _, q := range members {
			members = append(members, q|1<<(2*r), q|2<<(2*r))
		}
	}
	return members, names
}

// evenOdds returns the adjustment a pair needs for even odds in a pattern
// (or band) that passed at even odds as a whole but not with all its
// mutual-best candidates expected to match (strangerBars.softRules, softBands).
func evenOdds(expected float64, mc mutualCount, minCandidates int64) (float64, bool) {
	if mc.n < minCandidates || expected >= float64(mc.n) {
		return 0, false
	}
	s := max(expected, 0.5) / float64(mc.n)
	return mc.tfSum/float64(mc.n) + math.Log2((1-s)/s), true
}

// namesakeBands lists the Dice bands of the patterns agreeing on family
// rules alone that the namesake census refuses: their between-dataset
// candidates are expected to be at least half namesakes.
func namesakeBands(m *Model, census namesakeCensus) []StrangerPattern {
	var list []StrangerPattern
	for p := range census.between {
		if census.verdict(p) != familyRefused {
			continue
		}
		c, ns := census.namesakes(p)
		share := max(float64(c)-ns, 0.5) / float64(c)
		sp := StrangerPattern{DiceBand: bandName(p.band()), Expected: round4(float64(c) - ns), Share: round9(share),
			TFNeeded: round9(math.Log2(strangerOdds * (1 - share) / share)), Namesakes: round4(ns), Candidates: c}
		for r := range m.Rules {
			switch p.rule(r) {
			case 1:
				sp.Agree = append(sp.Agree, m.Rules[r])
			case 2:
				sp.Differ = append(sp.Differ, m.Rules[r])
			}
		}
		list = append(list, sp)
	}
	return list
}

// bandStrangers returns the Dice distributions given rule pattern p's
// outcomes (DiceGiven) when its pairs' Dice is weighed with them
// (diceGivenWeight: the ID rule missing), so that strangerPatterns can
// judge the pattern band by band.
//
// A pattern's matches and its strangers can differ in their Dice alone: a
// parent and child of one name at one address agree on the name and
// postcode sector rule and on nothing with the birthday, as one child with
// a mistyped birthday does, but the child's Dice is near 0.9 and the
// parent and child's near 0.45. The pattern holds enough matches to pass
// as a whole; its pairs at 0.45 are mostly strangers, and a pair there
// needs values rarer than theirs.
func (m *Model) bandStrangers(p pattern) (diceGiven, bool) {
	if m.diceGiven == nil || p.rule(m.restRule) != 0 {
		return diceGiven{}, false
	}
	g, ok := m.diceGiven[p.rules()&^m.restClear]
	return g, ok
}

// bandName names Dice band k, e.g. "[0.40, 0.50)".
func bandName(k int) string {
	return fmt.Sprintf("[%.2f, %.2f)", bandLow(k), bandHigh(k))
}

// bandHigh is the upper edge of Dice band k (1 for the last).
func bandHigh(k int) float64 {
	if k < len(diceEdges) {
		return diceEdges[k]
	}
	return 1
}

// strangerBars are the term-frequency adjustments the pairs of a stranger
// pattern need to be linked: by rule pattern, or by rule pattern and Dice
// band (full patterns).
//
// softRules and softBands hold, for the rule patterns (or, where their Dice is weighed given
// their rules, the bands) that pass at even odds (at least half their
// mutual-best candidates expected to match) but not all, the adjustment a
// pair needs for even odds itself: the pattern's mean plus
// log2((1 − share)/share), below the mean. Without it the bar fell off a
// cliff at one half: at 5.5 million people forename + birthday + sex
// alone sat at an estimated 0.475, every pair refused; anything that moved
// it over one half (the ninth session's family rule, counted among the
// mutual-best candidates) let every pair through, 30,000 more strangers.
// With it, crossing one half moves the bar by one bit (two-to-one to even
// odds), and only the pairs of values commoner than the pattern's are
// refused: that crossing gave precision 0.9865, not 0.9840. As the run is
// now, 5.5 million people 0.9891 / 0.9698 / 0.9793 → 0.9893 / 0.9697 /
// 0.9794 (entity P / R / F1); 20,000 to a million and FEBRL4 the same
// within 0.0001 of F1.
type strangerBars struct {
	rules, bands         map[pattern]float64
	softRules, softBands map[pattern]float64
}

// need returns the adjustment a pair with pattern p needs, and whether it
// needs one: a pattern's or a band's bar, else its even-odds bar.
func (b strangerBars) need(p pattern) (float64, bool) {
	if v, ok := b.rules[p.rules()]; ok {
		return v, true
	}
	if v, ok := b.bands[p]; ok {
		return v, true
	}
	if v, ok := b.softBands[p]; ok {
		return v, true
	}
	v, ok := b.softRules[p.rules()]
	return v, ok
}

// len returns the number of patterns and bands that need rare values.
func (b strangerBars) len() int { return len(b.rules) + len(b.bands) }

// strangerOdds is the odds of a match that a pair of a stranger pattern
// must reach, from the rarity of its values, to be linked: two to one, not
// even, because a false link (one child's records put in another's file)
// costs more than a missed one. At even odds such a pair is close to a coin
// toss: at 5.5 million people (pprl synth) forename + birthday + sex alone
// is mostly strangers (share 0.47, mean adjustment −0.5), and a pair of
// unique values was linked at an estimated 0.56. With the margin none is:
// the pairs of records no longer in one entity were 15,262, of which 5,543
// (36%) were one person (entity precision 0.9872 → 0.9888, recall 0.9668 →
// 0.9659); at 1 million 0.9944 → 0.9955, 0.9766 →
// 0.9750; at 100,000 and 20,000 people and on FEBRL4 nothing changes.
//
// The flagging itself stays at even odds: a pattern's share is an estimate
// (m, read from the pairs that agree on the ID, times the expected
// matches) that can be well off for a pattern of corrupted records. On
// FEBRL4 a pattern all of whose best candidates were matches was estimated
// at 0.64, and flagging below two thirds dropped 5% of the links.
const strangerOdds = 2

// minStrangerCandidates is the fewest mutual-best candidates of a pattern
// for its share to be judged: below it, a rare pattern's smoothed m says
// little.
const minStrangerCandidates = 200

// minOneFileCandidates is minStrangerCandidates when deduplicating one
// dataset. There the matches are few (duplicates: 1–4% of an agency's
// records in pprl synth) and a weak pattern's strangers outnumber them
// long before 200 mutual-best pairs: each agency of pprl synth at 100,000
// people alone, entity F1 education 0.6049 -> 0.8418, social work 0.8832
// -> 0.9149, health 0.9747 -> 0.9897, hearings unchanged; at a million
// 0.6213 -> 0.7410, 0.9282 -> 0.9414, 0.9817 -> 0.9954, 0.8580 ->
// 0.8681; FEBRL1–3 unchanged. Between files, where most records have a
// partner, a small pattern of renamed children judged on a noisy count
// costs recall (high corruption at 50: 0.9128 -> 0.9108), so the larger
// minimum stays there.
const minOneFileCandidates = 50

// mutualCount is, for one comparison pattern, the between-dataset candidates
// that are the best of both their records and the sum of their
// term-frequency adjustments.
type mutualCount struct {
	n     int64
	tfSum float64
}

// mutualBest counts, by comparison pattern (rules and Dice band), the between-dataset candidates that
// are the best of both their records: the pairs the one-to-one solver
// links unless a consistency check stops it. tfs[k][i] is the
// term-frequency adjustment of pair i of set k (nil: none).
//
// Deduplicating one dataset (dedup), its within-dataset candidates count
// the same way: the pairs that are the best candidate of both their
// records (bestWithin). The threshold there leans on a record's best
// candidate as the one-to-one solver's does, and a record without a
// duplicate keeps its best stranger just as a record without a partner
// does: in `pprl synth` at a million people, social work's extract alone
// (289,146 records, 13,139 pairs of one person) linked 31,415 pairs,
// 18,911 of them two people agreeing on forename, birthday and sex alone.
// In a link-and-dedupe run the within-dataset bar judges such pairs alone
// against the whole space instead (withinThreshold), and they are not
// counted here.
func mutualBest(sets []pairSet, ds []*Dataset, weights map[pattern]float64, tfs [][]float32, skip func(pattern) bool, dedup bool) map[pattern]mutualCount {
	out := map[pattern]mutualCount{}
	for k := range sets {
		s := &sets[k]
		var mutual func(i int) bool
		switch {
		case s.da != s.db:
			bestA, bestB := bestOfRecords(s, ds[s.da].Len(), ds[s.db].Len(), weights, skip)
			mutual = func(i int) bool { return bestA[s.pairs[i].A] == int32(i) && bestB[s.pairs[i].B] == int32(i) }
		case dedup:
			best := bestWithin(s, ds[s.da].Len(), weights, skip)
			mutual = func(i int) bool { return best[s.pairs[i].A] == int32(i) && best[s.pairs[i].B] == int32(i) }
		default:
			continue
		}
		for i := range s.pairs {
			if !mutual(i) {
				continue
			}
			c := out[s.pats[i]]
			c.n++
			if tfs[k] != nil {
				c.tfSum += float64(tfs[k][i])
			}
			out[s.pats[i]] = c
		}
	}
	return out
}

// bestWithin returns, for each record of the one dataset of within-dataset
// set s, the index of its highest-weighted candidate pair, whichever side
// of the pair it is on (-1 for none); ties keep the first.
func bestWithin(s *pairSet, n int, weights map[pattern]float64, skip func(pattern) bool) []int32 {
	best := make([]int32, n)
	for i := range best {
		best[i] = -1
	}
	w := make([]float64, n)
	lookup := newWeightLookup(weights)
	for i, p := range s.pairs {
		if skip != nil && skip(s.pats[i]) {
			continue
		}
		x := lookup.of(s.pats[i])
		for _, r := range [2]uint32{p.A, p.B} {
			if best[r] < 0 || x > w[r] {
				best[r], w[r] = int32(i), x
			}
		}
	}
	return best
}
