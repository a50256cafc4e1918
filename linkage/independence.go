package linkage

import (
	"math"
	"slices"
)

// independence describes the rules whose chance agreements are independent
// of the rest of the evidence: rules that read no field the CLK reads (an
// ID number alone, such as CHI), from the token files' manifests.
//
// The u of a rule pattern is read from random pairs, and a pattern never
// seen among them gets about one in 2R (R random pairs, three million at
// most): its weight can never exceed about log2(m·2R), some 17 bits. For a
// pattern that agrees on an ID number and little else (a changed surname
// and a new address, the same CHI) that cap is far below the evidence, and
// within one dataset, where a pair must beat log2 of the dataset's pair
// count (21 bits at 100,000 people, 24 at a million), such duplicates were
// never linked. Two different people agree on an ID number only by a
// clerical collision, independently of their names, birthdays and
// addresses and so of the CLK, so for non-matches
//
//	u(pattern) = u(ID rule agrees) · u(the pattern without the ID rule)
//
// where the second factor drops every rule that shares a field with the ID
// rule (CHI + date of birth), and is read from the random pairs, which see
// it often (the pattern of the rest is that of a stranger). The first is at
// most the ID rule's lone agreements (those no other rule corroborates,
// which include every chance agreement) over the pairs where both records
// hold an ID, and at most its random-pair u.
type independence struct {
	outside uint16   // rules reading no CLK field
	shares  []uint16 // shares[r]: rules sharing a field with rule r (r included)
}

// ruleIndependence reads the independence of the datasets' rules from
// their manifests. It finds none unless every dataset records the same
// rule fields and CLK fields.
func ruleIndependence(datasets []*Dataset) independence {
	var ind independence
	if len(datasets) == 0 || datasets[0].RuleFields == nil {
		return ind
	}
	d0 := datasets[0]
	for _, d := range datasets[1:] {
		if !slices.Equal(d.CLKFields, d0.CLKFields) || !slices.EqualFunc(d.RuleFields, d0.RuleFields, slices.Equal[[]string]) {
			return ind
		}
	}
	if len(d0.RuleFields) != len(d0.Rules) || len(d0.Rules) > MaxRules {
		return ind
	}
	ind.shares = make([]uint16, len(d0.Rules))
	for r, fs := range d0.RuleFields {
		if len(fs) > 0 && !slices.ContainsFunc(fs, func(f string) bool { return slices.Contains(d0.CLKFields, f) }) {
			ind.outside |= 1 << r
		}
		for s, gs := range d0.RuleFields {
			if slices.ContainsFunc(fs, func(f string) bool { return slices.Contains(gs, f) }) {
				ind.shares[r] |= 1 << s
			}
		}
	}
	return ind
}

// patternU returns the u of rule pattern p, which agrees on the rules
// outside the CLK in a: the product of those rules' u and the random-pair
// u of p with them, and every rule sharing a field with them, left out.
// alone[r] counts the candidates agreeing on rule r and on no other; nk is
// the smoothing count of fitModel.
func (ind independence) patternU(p pattern, a uint16, nr int, prior *Model, alone []float64, space, nk float64) float64 {
	R := prior.randomPairs
	u := 1.0
	rest := p.rules()
	for r := range nr {
		if a&(1<<r) == 0 {
			continue
		}
		both := space * prior.ruleObserved[r] / R // pairs where both hold the rule's token
		u *= min(prior.RuleU[r], (alone[r]+0.5)/max(both, 1))
		for s := range nr {
			if ind.shares[r]&(1<<s) != 0 {
				rest &^= 3 << (2 * s)
			}
		}
	}
	return u * (prior.patternU[rest] + 0.5) / (R + 0.5*nk)
}

// capDisagreements lowers the weight of every pattern in which a rule
// outside the CLK disagrees (both records hold an ID number, and the
// numbers differ) to at most the rule's own disagreement weight,
// log2((1−m_r)/(1−u_r)), plus the weight of the rest of the pattern (the
// pattern with that rule and the rules sharing its field missing), when
// that rest is a pattern the model knows.
//
// The joint pattern of namesakes born on the same day with different CHI
// numbers is rare among random pairs, so its u sits at the floor, and it
// is an anchor pattern (it agrees on strong rules), so EM fed its m from
// its own candidates: at a million people such pairs were 2,500 of the
// 16,000 false links, most of them within one agency. Two records of one
// person differ in their ID number only by a clerical error (1 − m_r,
// under one in a hundred), independently of their names, so the
// disagreement costs what it costs alone on top of the rest of the
// evidence. It only ever lowers a weight.
func (ind independence) capDisagreements(m *Model, nr int) {
	for i := range m.Patterns {
		rp := &m.Patterns[i]
		p := rp.pattern
		var dis uint16
		for r := range nr {
			if ind.outside&(1<<r) != 0 && p.rule(r) == 2 {
				dis |= 1 << r
			}
		}
		if dis == 0 {
			continue
		}
		rest, w := p, 0.0
		for r := range nr {
			if dis&(1<<r) == 0 {
				continue
			}
			w += math.Log2(max(1-m.RuleM[r], 1e-9) / max(1-m.RuleU[r], 1e-9))
			for s := range nr {
				if ind.shares[r]&(1<<s) != 0 {
					rest &^= 3 << (2 * s)
				}
			}
		}
		wr, ok := m.patternW[rest]
		if !ok {
			continue
		}
		if w+wr < rp.Weight {
			rp.Weight = w + wr
			rp.U = rp.M / math.Exp2(rp.Weight)
			m.patternW[p] = rp.Weight
		}
	}
}

// minIDPairs is the fewest candidates agreeing on an identifying ID rule
// from which the m of the patterns without it is read (restM).
const minIDPairs = 500

// idRule returns the identifying rule outside the CLK with the most
// agreeing candidates, and whether there is one with at least minIDPairs.
func (ind independence) idRule(identifying uint16, agreeing []float64) (int, bool) {
	r := ind.identifyingRule(identifying, agreeing)
	return r, r >= 0
}

// identifyingRule is idRule's rule, or -1.
func (ind independence) identifyingRule(identifying uint16, agreeing []float64) int {
	best := -1
	for r := range agreeing {
		if ind.outside&identifying&(1<<r) != 0 && agreeing[r] >= minIDPairs && (best < 0 || agreeing[r] > agreeing[best]) {
			best = r
		}
	}
	return best
}

// without returns p with rule r and every rule sharing a field with it
// missing.
func (ind independence) without(p pattern, r, nr int) pattern {
	p = p.rules()
	for s := range nr {
		if ind.shares[r]&(1<<s) != 0 {
			p &^= 3 << (2 * s)
		}
	}
	return p
}

// restM returns, for the candidates agreeing on ID rule r, the count of
// each pattern of the other rules (ind.without), and their total.
//
// Two records that agree on an identifying ID number are the same person
// (its chance agreements are at most loneShare of them, fitModel), and
// whether a pair's records hold an ID, and whether it agrees, has nothing
// to do with how their names, birthdays and addresses were recorded. So
// the patterns of the other rules among these pairs are those among all
// matches: a sample of the matches that no Dice threshold has selected.
// Reading the m of a pattern among high-Dice candidates instead (the
// default) all but drops the patterns of an error that lowers the Dice
// too: a changed surname at a new address (forename and birthday agreeing,
// Dice about 0.5) got almost no m, and splitting a pattern by adding a
// rule (forename, birthday and postcode sector) moved its matches under
// the 0.9 line and lost 0.6 points of recall at 100,000 people.
func (ind independence) restM(patterns []pattern, counts []int64, r, nr int) (map[pattern]float64, float64) {
	h, n := map[pattern]float64{}, 0.0
	for i, p := range patterns {
		if p.rule(r) == 1 {
			h[ind.without(p, r, nr)] += float64(counts[i])
			n += float64(counts[i])
		}
	}
	return h, n
}

// idDiffersDice returns the Dice band distribution of the non-matches
// whose ID rule r disagrees while another rule agrees, or nil when fewer
// than minAnchors of them remain once the matches expected among them
// (mistyped IDs: (1 − m_r)/m_r per candidate agreeing on r and another
// rule, with the Dice of matches diceM) are taken out.
//
// Such pairs are namesakes: two people of one name and birthday, whose
// CLKs share those fields' bits. Against random pairs their Dice (about
// 0.6 under diffusion) is worth some 17 bits; the pattern weight, capped
// for the differing ID (capDisagreements), does not see it. At a million
// people 730 of 733 links within one agency whose IDs differed were two
// people.
func (ind independence) idDiffersDice(patterns []pattern, counts []int64, r, nr int, mr float64, diceM []float64) []float64 {
	others := ^ind.shares[r]
	bands := make([]float64, len(diceM))
	n, agreeing := 0.0, 0.0
	for i, p := range patterns {
		if p.agreeMask(nr)&others == 0 {
			continue
		}
		switch p.rule(r) {
		case 1:
			agreeing += float64(counts[i])
		case 2:
			bands[p.band()] += float64(counts[i])
			n += float64(counts[i])
		}
	}
	typos := agreeing * (1 - mr) / mr
	if n-typos < minAnchors {
		return nil
	}
	for k := range bands {
		bands[k] = max(bands[k]-typos*diceM[k], 0) + 0.5
	}
	normalise(bands)
	return bands
}

// minDiceGivenPairs is the fewest candidates agreeing on the ID rule, and
// the fewest (less expected mistyped IDs) differing on it, with one pattern
// of the other rules, from which that pattern's Dice is weighed on its own
// (diceGiven); diceGivenPrior is the weight, in pairs, of the overall
// distributions mixed into each.
const (
	minDiceGivenPairs = 50
	diceGivenPrior    = 20
)

// diceGiven returns, for the patterns of the rules other than ID rule r
// (ind.without) that agree on some rule and are held by at least
// minDiceGivenPairs candidates agreeing on r and as many differing on it,
// the Dice band distributions of both, smoothed towards diceM and namesakes
// (or diceU without them): by pattern and as the list for summary.json, in
// pattern order. mr is r's m.
//
// The first are matches (restM), and how their Dice spreads given which
// other rules agree is how every match's does: a sample no Dice threshold
// chose. The second are namesakes (idDiffersDice) with those same rules
// agreeing, once the matches expected among them (mistyped IDs, (1 − mr)/mr
// per pair of the first) are taken out: how a stranger's Dice spreads
// given the same agreement.
func (ind independence) diceGiven(patterns []pattern, counts []int64, r int, rules []string, mr float64, diceM, namesakes []float64) (map[pattern]diceGiven, []PatternDice) {
	nr, nb := len(rules), len(diceM)
	type tally struct {
		m, u   []float64
		nm, nu float64
	}
	by := map[pattern]*tally{}
	others := ^ind.shares[r]
	for i, p := range patterns {
		st := p.rule(r)
		if st == 0 || p.agreeMask(nr)&others == 0 {
			continue
		}
		k := ind.without(p, r, nr)
		t := by[k]
		if t == nil {
			t = &tally{m: make([]float64, nb), u: make([]float64, nb)}
			by[k] = t
		}
		c := float64(counts[i])
		if st == 1 {
			t.m[p.band()] += c
			t.nm += c
		} else {
			t.u[p.band()] += c
			t.nu += c
		}
	}
	var keys []pattern
	for k, t := range by {
		typos := t.nm * (1 - mr) / mr
		if t.nm >= minDiceGivenPairs && t.nu-typos >= minDiceGivenPairs {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	out := make(map[pattern]diceGiven, len(keys))
	list := make([]PatternDice, 0, len(keys))
	for _, k := range keys {
		t := by[k]
		typos := t.nm * (1 - mr) / mr
		dm := make([]float64, nb)
		for j := range nb {
			dm[j] = (t.m[j] + diceGivenPrior*diceM[j]) / (t.nm + diceGivenPrior)
		}
		du, nu := make([]float64, nb), 0.0
		for j := range nb {
			du[j] = max(t.u[j]-typos*dm[j], 0)
			nu += du[j]
		}
		for j := range nb {
			du[j] = (du[j] + diceGivenPrior*namesakes[j]) / (nu + diceGivenPrior)
		}
		out[k] = diceGiven{m: dm, u: du}
		pd := PatternDice{Matches: int64(t.nm), Namesakes: int64(nu), DiceM: dm, DiceU: du}
		for s := range nr {
			switch k.rule(s) {
			case 1:
				pd.Agree = append(pd.Agree, rules[s])
			case 2:
				pd.Differ = append(pd.Differ, rules[s])
			}
		}
		list = append(list, pd)
	}
	return out, list
}

// diceGiven is one rule pattern's Dice band distributions among matches
// and among non-matches (Model.DiceGiven).
type diceGiven struct{ m, u []float64 }
