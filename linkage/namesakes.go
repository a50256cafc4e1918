package linkage

import (
	"math"
	"slices"
)

// The namesake census.
//
// A family rule (tokenize.RuleSpec.Family) is one that two members of one
// family agree on as readily as two records of one person: surname, date
// of birth, sex and postcode sector are a child's and also their same-sex
// twin's. The model reads a rule pattern's u from random pairs, which never
// hold twins, so a pair agreeing on the family rule and on nothing with
// the forename weighed some 30 bits whether it was one child whose
// forename was mistyped in its first letter or two twins.
//
// The pairs within each dataset show what random pairs cannot: records of
// one agency that agree on the family rule and disagree on the forename
// are mostly twins (at a million people, pprl synth: 2,740 of 2,858; the
// rest are an agency's duplicate records), and they have the Dice of twins
// (0.52–0.76, a whole forename apart). Twins are as common between
// agencies as within one, so the within-dataset pairs with a pattern,
// scaled by the ratio of the pair spaces, estimate the namesakes among the
// between-dataset candidates with it. At a million people the estimate
// of the match share per Dice band was within 0.03 of the truth in every
// band from 0.55 to 0.80 (0.29 against 0.30 at 0.60, 0.77 against 0.78 at
// 0.72). A band whose candidates are at least half namesakes is refused,
// between datasets and within them: a typo keeps most of a forename's
// bigrams and sits above the twins' bands, a twin's other name does not.
// A --link-only run finds the pairs within each dataset that agree on a
// family rule for the census alone (withinFamilyPairs). A band with fewer
// candidates than minNamesakeCandidates is judged only where its
// namesakes, at the upper end of what their count allows
// (poissonUpper95), are still under half of them: in one of 16 candidates
// with 4 pairs within datasets behind an estimate of 3 namesakes, the
// matches are most of them whatever the count's noise. Such a band, and
// every band of a run without pairs between datasets (one file
// deduplicated), cannot be judged otherwise:
// there a pair is treated as if the family rules were not rules, a
// candidate only when its Dice reaches the search's floor and then scored
// without them (familyMissing).
//
// The census is judged over all the candidates of a band, not over the
// mutual-best ones that the stranger patterns count: the one-to-one solver
// keeps most twins apart because each has their own record in the other
// agency, but a twin whose own record is missing would be linked to the
// other, and twins are a case the linkage must not merge (issue 11).
// Only patterns agreeing on family rules alone are judged (an agreeing
// CHI, or forename initial, is evidence the census cannot weigh), by the
// rules they agree on and their Dice band (key).
//
// A parent and a child of one name at one address are the same problem the
// other way round: they agree on a rule that holds the names and the place
// but not the date of birth (t7) and on nothing with it, and random pairs
// never do. At 100,000 people (pprl synth, four agencies) such pairs at
// Dice 0.4-0.6 were 423 parent-child pairs and 3 matches between agencies,
// 274 and 1 within them; scaled by the pair spaces the within pairs
// predicted 419 between. So a pattern agreeing on such namesake rules alone
// while a rule with the date of birth differs is judged here too (judged,
// parentChild). One whose date of birth is missing on a side is not (the
// rule exists for it: 38,000 matches at 5.5 million people), nor one
// agreeing on the day and month as well (a mistyped year: 197 matches, 2
// not).
type namesakeCensus struct {
	within, between           map[pattern]int64 // candidates by key
	withinSpace, betweenSpace float64
	family                    pattern // the "agree" bits of the family rules
	// namesake holds the "agree" bits of the rules that read the forename
	// and not the date of birth (the starter spec's t7: surname, forename,
	// postcode sector), and birthday the "disagree" bits of the rules that
	// read the date of birth. A pair agreeing on namesake rules alone while
	// a birthday rule differs (both records hold a date) is judged like
	// a family pair: a parent and a child of one name at one address agree
	// so, and random pairs, which hold no households, never show it
	// (parentChild).
	namesake, birthday pattern
}

// minNamesakeCandidates is the fewest between-dataset candidates of a
// pattern and band for the census to judge it.
const minNamesakeCandidates = 20

// familyVerdict is how the census treats a pair's pattern.
type familyVerdict int

const (
	familyNone     familyVerdict = iota // no family rule alone: scored as usual
	familyPasses                        // judged: mostly one person's records
	familyRefused                       // judged: mostly namesakes
	familyUnjudged                      // not judgeable: as if the family rules were not rules
)

// censusOf counts the candidates of sets by pattern, within datasets and
// between them. It counts nothing unless the datasets name family rules.
func censusOf(sets []pairSet, ds []*Dataset) namesakeCensus {
	c := namesakeCensus{within: map[pattern]int64{}, between: map[pattern]int64{}}
	if len(ds) == 0 {
		return c
	}
	for r, name := range ds[0].Rules {
		if slices.Contains(ds[0].FamilyRules, name) {
			c.family |= 1 << (2 * r)
		}
	}
	c.namesake, c.birthday = parentChild(ds[0])
	if c.family == 0 && c.namesake == 0 {
		return c
	}
	for k := range sets {
		s := &sets[k]
		var pc patternCounter
		for _, p := range s.pats {
			if c.judged(p) {
				pc.add(c.key(p))
			}
		}
		dst := c.between
		if s.da == s.db {
			dst = c.within
			c.withinSpace += pairSpace(ds[s.da], ds[s.da], true)
		} else {
			c.betweenSpace += pairSpace(ds[s.da], ds[s.db], false)
		}
		for p, n := range pc.counts() {
			dst[p] += n
		}
	}
	return c
}

// judged says whether pairs with pattern p are for the census: they agree
// on family rules and on no other rule, or on namesake rules and on no
// other rule while a rule with the date of birth differs.
func (c namesakeCensus) judged(p pattern) bool {
	a := agreeBits(p)
	if a != 0 && a&^c.family == 0 {
		return true
	}
	// Agreeing on a namesake rule (which holds the names) and on no rule
	// with the date of birth while one of them differs: both records hold
	// a date, and not the same one.
	return a != 0 && a&^c.namesake == 0 && p.rules()&c.birthday != 0
}

// parentChild returns the "agree" bits of d's rules that read the forename
// but not the date of birth, and the "disagree" bits of those that read the
// date of birth (fields named forename and dob, as in the starter spec;
// none for a spec without them or without rule fields in its manifest).
func parentChild(d *Dataset) (namesake, birthday pattern) {
	if len(d.RuleFields) != len(d.Rules) {
		return 0, 0
	}
	for r, fs := range d.RuleFields {
		switch {
		case slices.Contains(fs, "dob"):
			birthday |= 2 << (2 * r)
		case slices.Contains(fs, "forename") && !slices.Contains(d.FamilyRules, d.Rules[r]):
			namesake |= 1 << (2 * r)
		}
	}
	if birthday == 0 {
		return 0, 0
	}
	return namesake, birthday
}

// namesakes returns the between-dataset candidates with key p and the
// namesakes expected among them.
func (c namesakeCensus) namesakes(p pattern) (int64, float64) {
	if c.withinSpace == 0 {
		return c.between[p], 0
	}
	return c.between[p], float64(c.within[p]) * c.betweenSpace / c.withinSpace
}

// verdict judges pattern p.
func (c namesakeCensus) verdict(p pattern) familyVerdict {
	if !c.judged(p) {
		return familyNone
	}
	n, ns := c.namesakes(c.key(p))
	switch {
	case c.withinSpace == 0 || c.betweenSpace == 0:
		return familyUnjudged
	case n < minNamesakeCandidates:
		if up := poissonUpper95(c.within[c.key(p)]) * c.betweenSpace / c.withinSpace; up < 0.5*float64(n) {
			return familyPasses
		}
		return familyUnjudged
	case ns >= 0.5*float64(n):
		return familyRefused
	}
	return familyPasses
}

// poissonUpper95 is the one-sided 95% upper confidence limit of the mean of
// a Poisson count k (Wilson and Hilferty's approximation of the chi-square
// quantile, within 1% of the exact limit from k = 0 up: 2.97 for 0 against
// 3.00, 9.15 for 4 against 9.15).
func poissonUpper95(k int64) float64 {
	const z = 1.6448536269514722 // the standard normal's 95th percentile
	n := float64(k + 1)
	t := 1 - 1/(9*n) + z*math.Sqrt(1/(9*n))
	return n * t * t * t
}

// key is the census's key of pattern p: the family rules it agrees on and
// its Dice band. A judged pattern agrees on nothing else, and whether its
// other rules disagree or are missing says nothing the census can weigh: an
// agency without CHI numbers gives "missing" where another gives
// "differs", and a rule that half the records lack (a middle name) split
// every band in two. Measured with a rule on forename, middle name and
// birthday, 20,000 people in health and education (the script
// match_family_rule): keyed by every rule's outcome the census judged no
// band and linked three more twins; by agreement it refuses 48 candidates,
// as without the rule. Without the middle-name rule the key changes nothing
// measurable (20,000 people byte-identical; 100,000 and a million within
// 0.0001 of F1).
func (c namesakeCensus) key(p pattern) pattern {
	return agreeBits(p) | pattern(p.band())<<(2*MaxRules)
}

// agreeBits keeps the "agree" bits of p's rules (01 at rule r's bit 2r).
func agreeBits(p pattern) pattern {
	r := p.rules()
	return r &^ (r >> 1) & 0x5555555555555555
}

// familyMissing scores the pairs the census cannot judge as if the family
// rules were not rules: the rule pattern's m and u summed over the family
// rules' outcomes (so mostly those of the pattern in which they disagree,
// which random pairs show most), plus the Dice weight of the pattern
// without them. Marking the family rules "missing" instead would score a
// pattern the model never sees (the family rule is missing only with the
// fields it reads), at the smoothed weight of an unseen pattern.
type familyMissing struct {
	m        *Model
	drop     pattern // both bits of every family rule
	namesake pattern // both bits of every namesake rule (parentChild)
	rules    map[pattern]float64
}

func newFamilyMissing(m *Model, c namesakeCensus) *familyMissing {
	return &familyMissing{m: m, drop: c.family | c.family<<1, namesake: c.namesake | c.namesake<<1, rules: map[pattern]float64{}}
}

// weight is pattern p's score without the family rules, as a pair within
// one dataset of a link-and-dedupe run (within) or otherwise.
func (f *familyMissing) weight(p pattern, within bool) float64 {
	drop, key := f.drop, pattern(0)
	if agreeBits(p)&f.namesake != 0 {
		// A namesake pair (parentChild): scored without its name rules.
		drop, key = drop|f.namesake, 1<<63
	}
	q := p &^ drop
	w, ok := f.rules[q.rules()|key]
	if !ok {
		var sm, su float64
		for _, rp := range f.m.Patterns {
			if (rp.pattern &^ drop).rules() == q.rules() {
				sm += rp.M
				su += rp.U
			}
		}
		w = f.m.UnseenWeight
		if sm > 0 && su > 0 {
			w = math.Log2(sm / su)
		}
		f.rules[q.rules()|key] = w
	}
	return round9(w + f.m.diceWeight(q, within))
}

// withinFamilyPairs gives a run that searches only between datasets
// (--link-only) the census's reference: for each dataset, its pairs that
// agree on a family rule, compared as candidates are, to be counted, never
// linked. maxBlock bounds a token value's block as the exact joins do.
func withinFamilyPairs(ds []*Dataset, c namesakeCensus, maxBlock int) []pairSet {
	if c.family == 0 || len(ds) == 0 {
		return nil
	}
	var sets []pairSet
	for d, A := range ds {
		seen := map[uint64]bool{}
		var pairs []Pair
		for r := range A.Rules {
			if c.family.rule(r) != 1 {
				continue
			}
			joined, _ := joinRule(A, A, true, maxBlock, r)
			for _, p := range joined {
				if seen[p.key()] {
					continue
				}
				seen[p.key()] = true
				p.And = uint16(andPopcount(A.CLK(int(p.A)), A.CLK(int(p.B))))
				pairs = append(pairs, p)
			}
		}
		sets = append(sets, pairSet{da: d, db: d, pairs: pairs})
	}
	compareCandidates(sets, ds, len(ds[0].Rules))
	return sets
}
