package linkage

import (
	"cmp"
	"math"
	"slices"
)

// StrangerPattern is a rule pattern whose candidates between datasets are
// mostly strangers: fewer matches are expected with it, over the whole
// run, than there are candidates with it that the one-to-one solver would
// choose among.
type StrangerPattern struct {
	Agree  []string `json:"agree"`
	Differ []string `json:"disagree"`
	// Expected is the matches expected with the pattern: its m times the
	// model's expected matches.
	Expected float64 `json:"expected_matches"`
	// Best is the between-dataset candidates with the pattern that are the
	// best of both their records (mutualBest).
	Best int64 `json:"mutual_best_candidates"`
	// Share is Expected / Best, at most the share of matches among them.
	Share float64 `json:"match_share"`
	// MeanTF is the mean term-frequency adjustment of those candidates (0
	// or less: common values lower a score, unique ones leave it).
	MeanTF float64 `json:"mean_term_frequency"`
	// TFNeeded is MeanTF + log2((1 − Share)/Share): the term-frequency
	// adjustment a pair with the pattern needs to be linked, its values that
	// much rarer than the pattern's average. Above 0, no pair can reach it.
	TFNeeded float64 `json:"term_frequency_needed"`
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
// log2((1 − share)/share) above their mean (adjustments only lower a
// score, so unique values score the most).
// The Dice band is left out of both counts: for a weak pattern it is not
// independent of the rules (a renamed child's Dice is a stranger's). A
// pattern in which no rule agrees is left alone: its pairs are candidates
// for their Dice alone, which is their evidence; so is one agreeing on the
// identifying ID rule.
// In a small population a weak pattern's best candidates are mostly
// matches, and nothing changes.
func strangerPatterns(m *Model, mutual map[pattern]mutualCount) (map[pattern]float64, []StrangerPattern) {
	if !m.Converged || m.ExpectedMatches <= 0 {
		return nil, nil
	}
	idr := slices.Index(m.Rules, m.PatternMFrom)
	bars := map[pattern]float64{}
	var list []StrangerPattern
	for _, rp := range m.Patterns {
		mc := mutual[rp.pattern]
		c := mc.n
		expected := rp.M * m.ExpectedMatches
		if c < minStrangerCandidates || expected >= 0.5*float64(c) || len(rp.Agree) == 0 || (idr >= 0 && rp.pattern.rule(idr) == 1) {
			continue
		}
		share := max(expected, 0.5) / float64(c)
		mean := mc.tfSum / float64(c)
		need := mean + math.Log2((1-share)/share)
		bars[rp.pattern] = need
		list = append(list, StrangerPattern{Agree: rp.Agree, Differ: rp.Differ, Expected: round4(expected),
			Best: c, Share: round9(share), MeanTF: round9(mean), TFNeeded: round9(need)})
	}
	slices.SortFunc(list, func(x, y StrangerPattern) int {
		if c := cmp.Compare(y.Best, x.Best); c != 0 {
			return c
		}
		if c := slices.Compare(x.Agree, y.Agree); c != 0 {
			return c
		}
		return slices.Compare(x.Differ, y.Differ)
	})
	return bars, list[:min(len(list), maxStrangerPatterns)]
}

// minStrangerCandidates is the fewest mutual-best candidates of a pattern
// for its share to be judged: below it, a rare pattern's smoothed m says
// little.
const minStrangerCandidates = 200

// mutualCount is, for one rule pattern, the between-dataset candidates
// that are the best of both their records and the sum of their
// term-frequency adjustments.
type mutualCount struct {
	n     int64
	tfSum float64
}

// mutualBest counts, by rule pattern, the between-dataset candidates that
// are the best of both their records: the pairs the one-to-one solver
// links unless a consistency check stops it. tfs[k][i] is the
// term-frequency adjustment of pair i of set k (nil: none).
func mutualBest(sets []pairSet, ds []*Dataset, weights map[pattern]float64, tfs [][]float32) map[pattern]mutualCount {
	out := map[pattern]mutualCount{}
	for k := range sets {
		s := &sets[k]
		if s.da == s.db {
			continue
		}
		bestA, bestB := bestOfRecords(s, ds[s.da].Len(), ds[s.db].Len(), weights)
		for _, i := range bestA {
			if i >= 0 && bestB[s.pairs[i].B] == i {
				c := out[s.pats[i].rules()]
				c.n++
				if tfs[k] != nil {
					c.tfSum += float64(tfs[k][i])
				}
				out[s.pats[i].rules()] = c
			}
		}
	}
	return out
}
