package linkage

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"sync"
)

// The decision model.
//
// Each candidate pair's evidence is a comparison vector: for every
// deterministic rule, "agree" (both records have the token and the tokens
// are equal), "disagree" (both have it, different) or "missing" (either
// lacks it: no information), and the band of its CLK Dice coefficient
// (diceEdges). A Fellegi–Sunter model gives each value a weight
// log2(m/u), where m is its probability among true matches and u among
// non-matches, and the pair's score is the sum of its weights: the log2
// likelihood ratio of "same person" against "different people", assuming
// the components independent given the match status. m, u and the share λ
// of matches among the candidates are estimated by expectation
// maximisation on the candidate pairs themselves (no training labels), so
// the weights adapt to each project's rules and data quality: a rule that
// agrees for non-matches (a common name with no date of birth) earns little
// weight, an accurate one a lot.

// diceEdges are the lower edges of the Dice bands after the first. They are
// fine (0.02) where matches and non-matches meet: on sparse filters (the
// native default) random pairs sit near 0.3 and matches above 0.8, but on
// dense ones (clkhash schemas at 20 bits per token fill 70% of the filter)
// random pairs reach 0.75 and matches spread over 0.8–1, so coarse bands
// would give a pair at 0.86 and one at 0.94 the same evidence.
var diceEdges = []float64{0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.72, 0.74, 0.76, 0.78, 0.8,
	0.82, 0.84, 0.86, 0.88, 0.9, 0.92, 0.94, 0.96, 0.98}

// loneShare is the largest share of a rule's agreements that may be
// chance agreements for the rule to be identifying (see fitModel).
const loneShare = 0.15

// maxFitRounds bounds the alternation of the match share, the random-pair
// u and the rule patterns' m in fitModel.
const maxFitRounds = 50

// chanceShare is the share of a rule's agreements that must be chance
// agreements for its lone agreements to stand for non-matches that agree
// on a rule (Model.DiceUAgree).
const chanceShare = 0.5

// minAnchors is the fewest strong-rule anchor pairs from which the Dice m
// distribution is read directly; with fewer it is fitted by EM.
const minAnchors = 200

// diceBand returns the band of Dice d: the number of edges at or below it
// (0 for NaN). Every edge is compared, without an early exit whose branch
// the processor mispredicts once per candidate (25 -> 17 ns a call).
func diceBand(d float64) int {
	k := 0
	for _, e := range diceEdges {
		if d >= e {
			k++
		}
	}
	return k
}

// weightLookup reads patterns' weights from a map through a small
// direct-mapped cache: a set's candidates share few patterns, and hashing
// each candidate's pattern into the map was most of the scoring on dense
// filters (95 million candidates). A pattern the map lacks weighs 0, as a
// map read gives. Not safe for concurrent use.
type weightLookup struct {
	m    map[pattern]float64
	keys [256]pattern
	vals [256]float64
	ok   [256]bool
}

func newWeightLookup(m map[pattern]float64) *weightLookup { return &weightLookup{m: m} }

// patternCounter counts patterns in a small direct-mapped table in front
// of a map, which receives a slot's count when another pattern takes the
// slot, and all of them at the end (counts): one map update per run of a
// pattern in its slot instead of one per candidate.
type patternCounter struct {
	keys [256]pattern
	n    [256]int64
	m    map[pattern]int64
}

func (c *patternCounter) add(p pattern) {
	h := uint64(p) * 0x9e3779b97f4a7c15 >> 56
	if c.n[h] > 0 && c.keys[h] == p {
		c.n[h]++
		return
	}
	if c.n[h] > 0 {
		c.flush(int(h))
	}
	c.keys[h], c.n[h] = p, 1
}

func (c *patternCounter) flush(h int) {
	if c.m == nil {
		c.m = map[pattern]int64{}
	}
	c.m[c.keys[h]] += c.n[h]
	c.n[h] = 0
}

// counts returns every pattern's count; the counter is empty after.
func (c *patternCounter) counts() map[pattern]int64 {
	for h := range c.n {
		if c.n[h] > 0 {
			c.flush(h)
		}
	}
	m := c.m
	if m == nil {
		m = map[pattern]int64{}
	}
	c.m = nil
	return m
}

// of returns p's weight.
func (c *weightLookup) of(p pattern) float64 {
	h := uint64(p) * 0x9e3779b97f4a7c15 >> 56
	if c.ok[h] && c.keys[h] == p {
		return c.vals[h]
	}
	v := c.m[p]
	c.keys[h], c.vals[h], c.ok[h] = p, v, true
	return v
}

// Model is a fitted Fellegi–Sunter model. Weights are log2(m/u).
type Model struct {
	Rules []string `json:"rules"`
	// Lambda is the estimated share of matches among all Space pairs of
	// the comparison space (every pair of records from two different
	// datasets, or every pair within one when deduplicating).
	Lambda          float64   `json:"match_share"`
	Space           float64   `json:"comparison_space_pairs"`
	ExpectedMatches float64   `json:"expected_matches"`
	RuleM           []float64 `json:"rule_m"` // P(rule agrees | match, both present)
	RuleU           []float64 `json:"rule_u"` // P(rule agrees | non-match, both present)
	// Rule agreement patterns, weighted jointly: the rules share
	// components (date of birth, surname), so one typo breaks several at
	// once; counting each broken rule as independent evidence would
	// overstate it. Weights use the pattern's probability among matches and
	// among random pairs.
	Patterns  []RulePattern `json:"rule_patterns"`
	patternW  map[pattern]float64
	DiceEdges []float64 `json:"dice_band_edges"`
	DiceM     []float64 `json:"dice_m"` // P(Dice band | match)
	DiceU     []float64 `json:"dice_u"` // P(Dice band | non-match)
	// DiceUAgree is P(Dice band | non-match, some rule agrees), read from
	// the candidates that agree on one rule alone when most of that rule's
	// agreements are chance; nil when there are too few of them. See
	// Model.diceWeight.
	DiceUAgree []float64 `json:"dice_u_given_a_rule_agrees,omitempty"`
	// OutsideCLK lists the rules that read no field the CLK reads (an ID
	// number alone): the u of a pattern agreeing on one is the product of
	// that rule's u and the u of the rest of the pattern (see independence).
	OutsideCLK []string `json:"rules_outside_clk,omitempty"`
	// DiceUIDDiffers is P(Dice band | non-match) for a pair whose ID
	// numbers (rule IDRule) differ while another rule agrees: read from
	// such candidates, who are namesakes, not random pairs (see
	// idDiffersDice). nil without an identifying ID rule.
	DiceUIDDiffers []float64 `json:"dice_u_given_id_differs,omitempty"`
	// PatternMFrom names the ID rule whose agreeing candidates (PatternMPairs
	// of them) gave the m of the patterns in which it does not agree
	// (restM); empty when every m came from the high-Dice candidates.
	PatternMFrom  string `json:"pattern_m_from_rule,omitempty"`
	PatternMPairs int64  `json:"pattern_m_from_pairs,omitempty"`
	// DiceGiven weighs the Dice of a pair whose rules other than the ID rule
	// (PatternMFrom's, and those sharing its fields) have one of its
	// patterns against that pattern's own matches and namesakes
	// (diceGiven); every other pair's Dice is weighed with DiceM.
	DiceGiven []PatternDice `json:"dice_given_rule_pattern,omitempty"`
	// DiceGivenWithout are the rules DiceGiven's patterns leave out.
	DiceGivenWithout []string `json:"dice_given_without_rules,omitempty"`
	diceGiven        map[pattern]diceGiven
	restClear        pattern // the rule bits cleared to find a pattern in diceGiven
	restRule         int     // PatternMFrom's index, when diceGiven is set
	IDRule           string  `json:"id_rule,omitempty"`
	idRule           int     // IDRule's index, when DiceUIDDiffers is set
	Anchors          int64   `json:"dice_m_from_pairs"` // candidates agreeing on a strong rule
	// UnseenWeight is the weight of a rule pattern seen neither among the
	// anchors nor among random pairs (smoothed); kept so that a model read
	// back from summary.json scores every pattern as the run did.
	UnseenWeight float64             `json:"unseen_pattern_weight"`
	patternU     map[pattern]float64 // prior only: rule pattern counts among random pairs
	ruleObserved []float64           // prior only: random pairs where both records hold each rule's token
	bandCounts   []float64           // prior only: Dice band counts among random pairs
	randomPairs  float64
	Iterations   int  `json:"em_iterations"`
	Converged    bool `json:"em_converged"`
}

// RulePattern is one combination of rule outcomes with its probabilities.
type RulePattern struct {
	Agree   []string `json:"agree"`
	Differ  []string `json:"disagree"`
	M       float64  `json:"m"`
	U       float64  `json:"u"`
	Weight  float64  `json:"weight"`
	pattern pattern
}

// PatternDice is the Dice band distribution among matches and among
// namesakes of one pattern of the rules other than the ID rule
// (Model.DiceGiven), with the candidates each was read from.
type PatternDice struct {
	Agree     []string  `json:"agree"`
	Differ    []string  `json:"disagree"`
	Matches   int64     `json:"matches"`
	Namesakes int64     `json:"namesakes"`
	DiceM     []float64 `json:"dice_m"`
	DiceU     []float64 `json:"dice_u"`
}

// pattern packs a comparison vector: 2 bits per rule (0 missing, 1 agree,
// 2 disagree) and the Dice band in the top bits.
type pattern uint64

func makePattern(agree, present uint16, nRules, band int) pattern {
	var p pattern
	for r := range nRules {
		bit := uint16(1) << r
		switch {
		case agree&bit != 0:
			p |= 1 << (2 * r)
		case present&bit != 0:
			p |= 2 << (2 * r)
		}
	}
	return p | pattern(band)<<(2*MaxRules)
}

func (p pattern) rule(r int) int { return int(p>>(2*r)) & 3 }
func (p pattern) rules() pattern { return p & (1<<(2*MaxRules) - 1) }
func (p pattern) band() int      { return int(p >> (2 * MaxRules)) }

func (p pattern) agreeMask(nr int) uint16 {
	var a uint16
	for r := range nr {
		if p.rule(r) == 1 {
			a |= 1 << r
		}
	}
	return a
}

// agreement returns the masks of rules that agree and of rules present on
// both sides for the pair (a, b). Tokens are compared directly, so a pair
// found by similarity, or whose token block was too common to join, still
// gets its agreements right.
func agreement(A, B *Dataset, a, b int) (agree, present uint16) {
	return agreementOn(A, B, a, b, uint16(1<<len(A.Rules)-1))
}

// agreementOn is agreement restricted to the rules in mask. Both datasets
// must be prepared: the rules present on both sides are the AND of their
// presence masks, and tokens (TokenBytes = 8) are compared as values. It is the inner loop of the random-pair prior (millions of pairs
// whatever the extracts' size).
func agreementOn(A, B *Dataset, a, b int, mask uint16) (agree, present uint16) {
	present = mask & A.present[a] & B.present[b]
	for m := present; m != 0; m &= m - 1 {
		r := bits.TrailingZeros16(m)
		if A.token(r, a) == B.token(r, b) {
			agree |= 1 << r
		}
	}
	return agree, present
}

// joinedAgreement is agreement for a pair found by this process's search,
// whose Rules mask the exact joins filled: every rule both records hold a
// token of and agree on is in it, except rules in recheck (rules whose
// join skipped a block of very common values), whose tokens are compared.
// Reading two presence masks instead of every rule's two tokens saves a
// cache miss per rule and record: at a million records a side it was most
// of the time of comparing the candidates.
func joinedAgreement(A, B *Dataset, p *Pair, recheck uint16) (agree, present uint16) {
	present = A.present[p.A] & B.present[p.B]
	agree = p.Rules &^ recheck & present
	if m := recheck & present; m != 0 {
		ag, _ := agreementOn(A, B, int(p.A), int(p.B), m)
		agree |= ag
	}
	return agree, present
}

// fitModel estimates the model without labels, in three steps that each
// use a population where one class dominates, which keeps the estimate
// stable where a full EM over correlated components (a corrupted name
// lowers the Dice and breaks a token rule at once) splits the matches into
// two classes:
//
//   - u (non-match) probabilities from random pairs (prior, see
//     randomPairPrior): almost every random pair is a non-match.
//   - m for the Dice bands from the candidates that agree on a strong rule
//     (one that random pairs almost never share, u < 0.001): those are
//     matches, and their Dice spread is that of true pairs.
//   - m for each rule from the candidates with Dice ≥ 0.9, counting those
//     where both records hold the rule's token.
//
// Then the share λ of matches among all space pairs of the comparison space
// is fitted by EM with m and u held fixed (a one-parameter mixture, which
// converges to a unique maximum; pairs that are not candidates count as
// non-matches), alternating with the removal of the expected matches from
// the random-pair u. patterns[i] occurs counts[i] times among the
// candidates.
func fitModel(rules []string, patterns []pattern, counts []int64, prior *Model, space float64, ind independence, oneFile bool) *Model {
	nr, nb := len(rules), len(diceEdges)+1
	m := &Model{Rules: rules, DiceEdges: diceEdges, Lambda: 0.5,
		RuleM: make([]float64, nr), RuleU: slices.Clone(prior.RuleU),
		DiceM: make([]float64, nb), DiceU: slices.Clone(prior.DiceU)}
	const pseudo = 0.5 // no m probability reaches 0 or 1
	strong := uint16(0)
	for r := range nr {
		if prior.RuleU[r] < 1e-3 {
			strong |= 1 << r
		}
	}
	// A rule is identifying when chance agreements are at most loneShare
	// of its agreements among the candidates (which are all of them in the
	// space). A stranger who shares a forename and a birthday with a
	// record shares nothing else, so chance agreements are lone ones (the
	// rule agreeing and no other); and they are at most what the random
	// pairs say the whole space holds less the agreements a second rule
	// corroborates. The smaller bound counts. Anchors are the candidates
	// that agree on two strong rules, or on an identifying one (a CHI
	// number): among 100,000 people forename + date of birth + sex agrees
	// by chance often enough (21% of its agreements are lone) that its
	// lone agreements would teach the Dice of strangers born on the same
	// day as the Dice of matches. As the population grows a weak rule stops
	// being identifying.
	alone, agreeing := make([]float64, nr), make([]float64, nr)
	for i, p := range patterns {
		a := p.agreeMask(nr)
		for r := range nr {
			if a&(1<<r) != 0 {
				agreeing[r] += float64(counts[i])
				if bits.OnesCount16(a) == 1 {
					alone[r] += float64(counts[i])
				}
			}
		}
	}
	identifying, chancy := uint16(0), uint16(0)
	for r := range nr {
		chance := min(alone[r], max(prior.RuleU[r]*space-(agreeing[r]-alone[r]), 0))
		if strong&(1<<r) != 0 && chance <= loneShare*agreeing[r] {
			identifying |= 1 << r
		}
		if agreeing[r] > 0 && chance >= chanceShare*agreeing[r] {
			chancy |= 1 << r
		}
	}
	// anchored reports whether a rule agreement mask makes an anchor.
	anchored := func(agree uint16) bool {
		a := agree & strong
		return bits.OnesCount16(a) >= 2 || a&identifying != 0
	}
	anchors := 0.0
	agree, observed := make([]float64, nr), make([]float64, nr)
	patM := map[pattern]float64{}
	highDice := 0.0
	for i, p := range patterns {
		c := float64(counts[i])
		if anchored(p.agreeMask(nr)) {
			m.DiceM[p.band()] += c
			anchors += c
		}
		if p.band() >= diceBand(0.9) {
			patM[p.rules()] += c
			highDice += c
			for r := range nr {
				switch p.rule(r) {
				case 1:
					agree[r] += c
					fallthrough
				case 2:
					observed[r] += c
				}
			}
		}
	}
	m.Anchors = int64(anchors)
	// Two people who share a rule's fields (a surname, an initial and a
	// birthday) have CLKs that share those fields' bits: their Dice sits
	// far above any random pair's, where a true pair with one field
	// changed sits too. Against random pairs that Dice is strong evidence
	// of a match; against non-matches that agree on a rule it is not. So
	// a pair that agrees on some rule has its Dice weighed against the
	// Dice of the candidates that agree on one rule alone when most of
	// that rule's agreements are chance (strangers, then), once there are
	// enough of them to read it from (within one dataset: withinWeight).
	// Without this, at 5.5 million people 91% of the links within
	// education were strangers of one surname, initial and birthday.
	loneBands, lone := make([]float64, nb), 0.0
	for i, p := range patterns {
		if a := p.agreeMask(nr); bits.OnesCount16(a) == 1 && a&chancy != 0 {
			loneBands[p.band()] += float64(counts[i])
			lone += float64(counts[i])
		}
	}
	if lone >= minAnchors {
		for k := range nb {
			loneBands[k] += pseudo
		}
		normalise(loneBands)
		m.DiceUAgree = loneBands
	}
	if anchors < minAnchors {
		// Too few token agreements to learn from (no rules, as in a clkhash
		// schema, or rules that rarely hold): a fixed spread, 3× likelier
		// per 0.05 of Dice upwards. (EM on the bands was tried: on dense
		// filters the random-pair u, averaged over all popcounts, is too
		// low for the long-named records that crowd the floor, and EM
		// took those for matches.)
		for k := range nb {
			m.DiceM[k] = math.Exp(22 * bandLow(k))
		}
	}
	for k := range nb {
		m.DiceM[k] += pseudo
	}
	normalise(m.DiceM)
	for r := range nr {
		m.RuleM[r] = (agree[r] + pseudo) / (observed[r] + 2*pseudo)
		// A rule cannot be less likely to agree for matches than for
		// non-matches; if the data say so, it carries no evidence.
		m.RuleM[r] = max(m.RuleM[r], m.RuleU[r])
	}
	if hasID := ind.identifyingRule(identifying, agreeing); hasID >= 0 {
		m.DiceUIDDiffers = ind.idDiffersDice(patterns, counts, hasID, nr, m.RuleM[hasID], m.DiceM)
		if m.DiceUIDDiffers != nil {
			m.IDRule, m.idRule = rules[hasID], hasID
		}
	}
	// Joint rule patterns: m among high-Dice candidates, with add-half
	// smoothing over the patterns seen among them or among random pairs.
	keys := map[pattern]bool{}
	for p := range patM {
		keys[p] = true
	}
	for p := range prior.patternU {
		keys[p] = true
	}
	for _, p := range patterns {
		keys[p.rules()] = true
	}
	idr, hasID := ind.idRule(identifying, agreeing)
	var restCounts map[pattern]float64
	if hasID {
		var n float64
		restCounts, n = ind.restM(patterns, counts, idr, nr)
		m.PatternMFrom, m.PatternMPairs = rules[idr], int64(n)
		namesakes := m.DiceUIDDiffers
		if namesakes == nil {
			namesakes = prior.DiceU
		}
		m.diceGiven, m.DiceGiven = ind.diceGiven(patterns, counts, idr, rules, m.RuleM[idr], m.DiceM, namesakes)
		if len(m.DiceGiven) > 0 {
			m.restRule = idr
			m.restClear = ^ind.without(^pattern(0), idr, nr) & (1<<(2*MaxRules) - 1)
			for r := range nr {
				if m.restClear.rule(r) != 0 {
					m.DiceGivenWithout = append(m.DiceGivenWithout, rules[r])
				}
			}
		}
		for p := range restCounts {
			keys[p] = true
		}
	}
	var order []pattern
	for p := range keys {
		order = append(order, p)
	}
	slices.Sort(order)
	nk := float64(len(order) + 1)
	pm := make([]float64, len(order))
	for i, p := range order {
		pm[i] = (patM[p] + 0.5) / (highDice + 0.5*nk)
	}
	// With an identifying ID rule, the patterns in which it does not agree
	// take their m from the pairs that agree on it (restM): the share of
	// such patterns stays what the high-Dice candidates say, spread as
	// the ID pairs spread over the other rules. Those are then held, not
	// re-read by EM below.
	fixed := make([]bool, len(order))
	if hasID {
		for _, status := range []int{0, 2} {
			mass, norm := 0.0, 0.0
			for i, p := range order {
				if p.rule(idr) == status {
					mass += pm[i]
					norm += restCounts[ind.without(p, idr, nr)] + 0.5
				}
			}
			for i, p := range order {
				if p.rule(idr) == status {
					pm[i] = mass * (restCounts[ind.without(p, idr, nr)] + 0.5) / norm
					fixed[i] = true
				}
			}
		}
	}
	index := make(map[pattern]int, len(order))
	isAnchor := make([]bool, len(order))
	pm0 := slices.Clone(pm)
	anchorMass, nAnchor := 0.0, 0.0
	for i, p := range order {
		index[p] = i
		if anchored(p.agreeMask(nr)) && !fixed[i] {
			isAnchor[i] = true
			anchorMass += pm[i]
			nAnchor++
		}
	}
	var total float64
	for _, c := range counts {
		total += float64(c)
	}
	m.Space = space
	m.Lambda = min(total/max(space, 1), 1) / 2
	// u among random pairs, corrected for the matches among them: a random
	// pair is a match with probability λ, so the expected count of matches
	// among R random pairs with a value is λ·R·m, which is removed before
	// smoothing. Without this a high Dice band or an all-rules-agree
	// pattern, which random pairs reach almost only by being matches, would
	// get a u inflated by λ·m/u and a weight far too low. Then λ is
	// re-estimated by EM over the whole comparison space (space pairs, of
	// which the candidates are the only ones with a non-negligible
	// posterior), and the two steps alternate until λ settles.
	R := prior.randomPairs
	for r := range nr {
		if ind.outside&(1<<r) != 0 {
			m.OutsideCLK = append(m.OutsideCLK, rules[r])
		}
	}
	lr := make([]float64, len(patterns))
	for round := 1; ; round++ {
		expected := m.Lambda * R
		for k := range nb {
			m.DiceU[k] = max(prior.bandCounts[k]-expected*m.DiceM[k], 0) + pseudo
		}
		normalise(m.DiceU)
		m.patternW = map[pattern]float64{}
		m.Patterns = m.Patterns[:0]
		for i, p := range order {
			pu := (max(prior.patternU[p]-expected*pm[i], 0) + 0.5) / (max(R-expected, 0) + 0.5*nk)
			if a := p.agreeMask(nr) & ind.outside; a != 0 && space > 0 && R > 0 {
				pu = min(pu, ind.patternU(p, a, nr, prior, alone, space, nk))
			}
			w := math.Log2(pm[i] / pu)
			m.patternW[p] = w
			rp := RulePattern{M: pm[i], U: pu, Weight: w, pattern: p}
			for r := range nr {
				switch p.rule(r) {
				case 1:
					rp.Agree = append(rp.Agree, rules[r])
				case 2:
					rp.Differ = append(rp.Differ, rules[r])
				}
			}
			m.Patterns = append(m.Patterns, rp)
		}
		ind.capDisagreements(m, nr)
		m.UnseenWeight = math.Log2((0.5 / (highDice + 0.5*nk)) / (0.5 / (max(R-expected, 0) + 0.5*nk)))
		if len(patterns) == 0 || space <= 0 {
			m.Lambda = 0
			m.Converged = true
			return m
		}
		for i, p := range patterns {
			if oneFile {
				lr[i] = math.Exp2(m.withinWeight(p))
			} else {
				lr[i] = math.Exp2(m.weight(p))
			}
		}
		before := m.Lambda
		m.Converged = false
		for it := 1; it <= 500; it++ {
			m.Iterations++
			matched := 0.0
			for i := range patterns {
				post := m.Lambda * lr[i] / (m.Lambda*lr[i] + 1 - m.Lambda)
				matched += post * float64(counts[i])
			}
			next := min(max(matched/space, 1e-15), 1-1e-12)
			done := math.Abs(next-m.Lambda) <= 1e-9*m.Lambda
			m.Lambda = next
			if done {
				m.Converged = true
				break
			}
		}
		// The anchor patterns' m, re-read from the candidates weighted by
		// their posterior (an M step for pm, with the Dice m and every u
		// held). The first estimate, among Dice ≥ 0.9 candidates, is
		// biased wherever an error moves Dice and rules together: under
		// diffusion a changed postcode takes a true pair's Dice to about
		// 0.65, so "names and date of birth agree, postcode differs" was
		// almost absent above 0.9 and a moved child's duplicate scored
		// 10 bits too low. Only the patterns that agree on an anchor (two
		// strong rules or an identifying one) are re-read, and they share
		// among themselves the mass the first estimate gave them: in the
		// other patterns (forename + date of birth alone, say) strangers
		// are as common as matches, and their CLKs, which share the
		// agreeing fields, reach a Dice random pairs never do, so the
		// posterior would count them as matches and feed on itself.
		moved := 0.0
		next, total := slices.Clone(pm0), 0.0
		for i, p := range patterns {
			if j := index[p.rules()]; isAnchor[j] {
				post := m.Lambda * lr[i] / (m.Lambda*lr[i] + 1 - m.Lambda) * float64(counts[i])
				next[j] += post
				total += post
			}
		}
		for i := range order {
			if isAnchor[i] {
				next[i] = (next[i] - pm0[i] + 0.5) / (total + 0.5*nAnchor) * anchorMass
			}
			moved = max(moved, math.Abs(math.Log2(next[i]/pm[i])))
		}
		if round == maxFitRounds || math.Abs(m.Lambda-before) <= 1e-3*before && moved <= 0.01 {
			break // the weights stay those the match share was fitted with
		}
		pm = next
	}
	m.ExpectedMatches = m.Lambda * space
	return m
}

// bandLow returns the lower edge of Dice band k.
func bandLow(k int) float64 {
	if k == 0 {
		return 0
	}
	return diceEdges[k-1]
}

func normalise(xs []float64) {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	for i := range xs {
		xs[i] /= s
	}
}

// weight returns the score of a comparison pattern: the weight of its rule
// pattern plus that of its Dice band.
func (m *Model) weight(p pattern) float64 {
	return m.ruleWeight(p) + m.diceWeight(p, false)
}

// ruleWeight is the weight of pattern p's rule outcomes.
func (m *Model) ruleWeight(p pattern) float64 {
	w, ok := m.patternW[p.rules()]
	if !ok { // a rule pattern seen neither among anchors nor random pairs
		w = m.UnseenWeight
	}
	return w
}

// diceWeight is the weight of pattern p's Dice band against random pairs;
// against namesakes (DiceUIDDiffers) when p's ID rule disagrees and
// another rule agrees; or, when given is true, some rule agrees and
// DiceUAgree is known, against non-matches that agree on a rule. Then
// lowered where the band is less likely among the matches with p's rule
// outcomes than among the namesakes with them (diceGivenWeight).
func (m *Model) diceWeight(p pattern, given bool) float64 {
	w, _, _ := m.diceGivenWeight(p)
	return m.diceBandWeight(p, given) + w
}

// diceBandWeight is diceWeight before diceGivenWeight.
func (m *Model) diceBandWeight(p pattern, given bool) float64 {
	k := p.band()
	if m.DiceUIDDiffers != nil && p.rule(m.idRule) == 2 && p.agreeMask(len(m.Rules)) != 0 {
		return math.Log2(m.DiceM[k] / m.DiceUIDDiffers[k])
	}
	if given && m.DiceUAgree != nil && p.agreeMask(len(m.Rules)) != 0 {
		return math.Log2(m.DiceM[k] / m.DiceUAgree[k])
	}
	return math.Log2(m.DiceM[k] / m.DiceU[k])
}

// diceGivenWeight returns log2(m/u) of pattern p's Dice band among the
// matches (m) and the namesakes (u) whose rules other than the ID rule
// have p's outcomes (DiceGiven), when that is below 0 and p's records do
// not both hold an ID, and 0 (with m and u 0) otherwise: an ID that agrees
// or differs is the stronger evidence, and a differing one already has the
// Dice weighed against namesakes.
//
// The Dice and the rules read the same fields, so among matches they are
// not independent. Two records that agree on surname, forename and
// postcode sector and on no rule with the date of birth are, when they are
// one person, a date of birth mistyped in its day or month, and their CLKs
// (names salted with the same year) sit near 0.9; a parent and child of one
// name at one address agree on the same rules with a Dice near 0.45,
// their names salted with different years. Against all matches (5% of
// which sit at 0.4–0.5: the renamed and moved) the parent and child's
// Dice was worth −3.6 bits; against the matches and namesakes of their own
// pattern it is worth about −8. Only a weight below 0 is applied: above it
// the pattern's namesakes, whose Dice is a match's, would cancel the Dice
// that corroborates a moved child's record (at a million people that cost
// a point of recall), which the one-to-one solver already weighs against
// the stranger.
func (m *Model) diceGivenWeight(p pattern) (w, mm, uu float64) {
	g, ok := m.diceGiven[p.rules()&^m.restClear]
	if !ok || p.rule(m.restRule) != 0 {
		return 0, 0, 0
	}
	k := p.band()
	if w = math.Log2(g.m[k] / g.u[k]); w >= 0 {
		return 0, 0, 0
	}
	return w, g.m[k], g.u[k]
}

// withinWeight is the score of a pair of records of one dataset with
// pattern p. Such a pair is judged alone (a record may have several
// duplicates), with no best-partner choice to set a stranger who shares a
// rule's fields against the true partner, so its Dice is weighed against
// non-matches that agree on a rule (DiceUAgree) once the data show many.
// Between datasets the one-to-one solver does that work, and the Dice
// keeps its random-pair weight there: weighing it against strangers too
// cost 1.7 F1 points at a million people (surname changes, whose Dice
// under diffusion is a stranger's, lost their support).
func (m *Model) withinWeight(p pattern) float64 {
	return m.ruleWeight(p) + m.diceWeight(p, true)
}

// PosteriorThreshold is the score at which the fitted model's posterior
// match probability among candidates is one half: log2((1−λ)/λ).
func (m *Model) PosteriorThreshold() float64 { return math.Log2((1 - m.Lambda) / m.Lambda) }

// Describe returns the model's weights as text, for logs and the summary.
func (m *Model) Describe() []string {
	var out []string
	for _, p := range m.Patterns {
		out = append(out, fmt.Sprintf("rules agree %v disagree %v: %+.2f (m=%.4f u=%.6f)", p.Agree, p.Differ, p.Weight, p.M, p.U))
	}
	for k := range m.DiceM {
		lo := 0.0
		if k > 0 {
			lo = m.DiceEdges[k-1]
		}
		out = append(out, fmt.Sprintf("dice ≥ %.2f: %+.2f (m=%.4f u=%.4f)", lo, math.Log2(m.DiceM[k]/m.DiceU[k]), m.DiceM[k], m.DiceU[k]))
	}
	return out
}

// otsuThreshold splits scores into two classes maximising the between-class
// variance over a 256-bin histogram, and returns the split point: the
// valley between the non-match and match modes when the distribution is
// bimodal.
func otsuThreshold(scores []float64) float64 {
	if len(scores) == 0 {
		return 0
	}
	lo, hi := slices.Min(scores), slices.Max(scores)
	if hi <= lo {
		return lo
	}
	const bins = 256
	var hist [bins]float64
	width := (hi - lo) / bins
	for _, s := range scores {
		hist[min(int((s-lo)/width), bins-1)]++
	}
	var total, sumAll float64
	for i, h := range hist {
		total += h
		sumAll += float64(i) * h
	}
	var wB, sumB, best float64
	bestI := 0
	for i, h := range hist {
		wB += h
		if wB == 0 || wB == total {
			continue
		}
		sumB += float64(i) * h
		mB := sumB / wB
		mF := (sumAll - sumB) / (total - wB)
		v := wB * (total - wB) * (mB - mF) * (mB - mF)
		if v > best {
			best, bestI = v, i
		}
	}
	return lo + float64(bestI+1)*width
}

// randomPairPrior measures the non-match probabilities on random pairs:
// among n·m pairs almost all are non-matches, so the rate at which a rule
// agrees, or the Dice falls in a band, estimates u. samples pairs are drawn
// per dataset pair with a fixed-seed PRNG; a pair of a dataset with itself
// draws two different records of it. Where a dataset pair has no more pairs
// than samples (small extracts), every pair is taken once instead
// (randomDraws): the rates are then exact, not estimated, and the work is
// what the pairs are, not samples (400 records a side: 160,000 pairs where
// 500,000 were drawn). Counts get add-one smoothing so that a band never
// seen among random pairs has a small, not zero, u.
func randomPairPrior(rules []string, pairs [][2]*Dataset, samples int, seed uint64) *Model {
	nr, nb := len(rules), len(diceEdges)+1
	agree, observed := make([]float64, nr), make([]float64, nr)
	bands := make([]float64, nb)
	patU := map[pattern]float64{}
	nPairs := 0.0
	rng := rand.New(rand.NewPCG(seed, 0x5851f42d4c957f2d))
	var mu sync.Mutex
	for _, ab := range pairs {
		A, B := ab[0], ab[1]
		self := A == B
		if A.Len() == 0 || B.Len() == 0 || self && A.Len() < 2 {
			continue
		}
		// The draws are serial (one PRNG sequence); comparing them is
		// parallel. Every count is a whole number, so the sums do not
		// depend on how the draws are split among workers.
		draws := randomDraws(rng, A.Len(), B.Len(), self, samples)
		parallelFor(len(draws), 1<<14, func(lo, hi int) {
			ag0, ob0, bd0 := make([]float64, nr), make([]float64, nr), make([]float64, nb)
			pat0 := map[pattern]float64{}
			for _, d := range draws[lo:hi] {
				a, b := int(d[0]), int(d[1])
				pr := A.present[a] & B.present[b]
				ag, _ := agreementOn(A, B, a, b, pr)
				pat0[makePattern(ag, pr, nr, 0)]++
				for m := pr; m != 0; m &= m - 1 {
					r := bits.TrailingZeros16(m)
					ob0[r]++
					if ag&(1<<r) != 0 {
						ag0[r]++
					}
				}
				bd0[diceBand(dice(andPopcount(A.CLK(a), B.CLK(b)), A.Popcount(a), B.Popcount(b)))]++
			}
			mu.Lock()
			defer mu.Unlock()
			for r := range nr {
				agree[r] += ag0[r]
				observed[r] += ob0[r]
			}
			for k := range nb {
				bands[k] += bd0[k]
			}
			for pt, c := range pat0 {
				patU[pt] += c
			}
		})
		nPairs += float64(len(draws))
	}
	p := &Model{Rules: rules, RuleU: make([]float64, nr), DiceU: make([]float64, nb), patternU: patU, randomPairs: nPairs, ruleObserved: observed}
	for r := range nr {
		p.RuleU[r] = (agree[r] + 1) / (observed[r] + 2)
	}
	for k := range nb {
		p.DiceU[k] = bands[k] + 1
	}
	normalise(p.DiceU)
	p.bandCounts = bands
	return p
}

// randomDraws returns the pairs (a, b) of records, a of n and b of m,
// whose comparisons estimate u: samples pairs drawn uniformly with rng, or,
// where there are no more than samples pairs in all, each pair once (a < b
// within one dataset, whose draws skip a = b; agreement and Dice are
// symmetric, so the unordered pairs stand for the ordered ones); rng is
// not drawn from then.
func randomDraws(rng *rand.Rand, n, m int, self bool, samples int) [][2]uint32 {
	all := int64(n) * int64(m)
	if self {
		all = int64(n) * int64(n-1) / 2
	}
	if all <= int64(samples) {
		draws := make([][2]uint32, 0, all)
		for a := range n {
			b0 := 0
			if self {
				b0 = a + 1
			}
			for b := b0; b < m; b++ {
				draws = append(draws, [2]uint32{uint32(a), uint32(b)})
			}
		}
		return draws
	}
	draws := make([][2]uint32, 0, samples)
	for range samples {
		a, b := rng.IntN(n), rng.IntN(m)
		if self && a == b {
			continue
		}
		draws = append(draws, [2]uint32{uint32(a), uint32(b)})
	}
	return draws
}
