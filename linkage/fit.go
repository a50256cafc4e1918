package linkage

import (
	"fmt"
	"math"
	"slices"
)

// The evidence and fitting stages of a match: every candidate's comparison
// pattern, then a Fellegi–Sunter model (model.go) fitted on the candidates
// of one kind (between datasets, or within them).

// compareCandidates fills every set's comparison patterns and each pair's
// rule agreements.
func compareCandidates(sets []pairSet, datasets []*Dataset, nRules int) {
	for k := range sets {
		s := &sets[k]
		A, B := datasets[s.da], datasets[s.db]
		s.pats = make([]pattern, len(s.pairs))
		parallelFor(len(s.pairs), 1<<14, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				p := &s.pairs[i]
				var agree, present uint16
				if s.joined {
					agree, present = joinedAgreement(A, B, p, s.recheck)
				} else {
					agree, present = agreement(A, B, int(p.A), int(p.B))
				}
				p.Rules = agree
				d := dice(int(p.And), A.Popcount(int(p.A)), B.Popcount(int(p.B)))
				s.pats[i] = makePattern(agree, present, nRules, diceBand(d))
			}
		})
	}
}

// fitted is a model fitted on one kind of candidate, with the score of
// every comparison pattern seen among them (pats, sorted, cnts[i] times).
type fitted struct {
	model   *Model
	weights map[pattern]float64
	// withinWeights scores the patterns seen among within-dataset
	// candidates as such (Model.withinWeight).
	withinWeights map[pattern]float64
	pats          []pattern
	cnts          []int64
}

// fitKind fits a model on the candidate sets that keep selects: u from
// samples random pairs per dataset pair of those sets, m and the match
// share from their candidates over their whole comparison space.
//
// Deduplicating one dataset (oneFile), every candidate is a pair of one
// dataset, and both the fit and the weights score it as such
// (Model.withinWeight: its Dice weighed against non-matches that agree on
// a rule). With the random-pair weights, strangers of one forename,
// birthday and area, whose CLKs share those fields' bits, reach a Dice no
// random pair does, and in a file where they outnumber the duplicates EM
// took them for the matches: pprl synth's education extract alone, a
// million people, expected 23,954 matches where it holds 3,298 pairs, and
// linked 40,092 pairs for 3,206 true (entity F1 0.15; 0.62 weighed as
// within-dataset pairs).
func fitKind(sets []pairSet, datasets []*Dataset, rules []string, keep func(pairSet) bool, samples int, seed uint64, oneFile bool) *fitted {
	var counter, within, unfitted patternCounter
	var abs [][2]*Dataset
	space := 0.0
	var family namesakeCensus
	if oneFile {
		family = censusOf(nil, datasets)
	}
	for _, s := range sets {
		if !keep(s) {
			continue
		}
		for _, p := range s.pats {
			if family.judged(p) {
				// Deduplicating one file, the namesake census has no
				// pairs between files to judge a family rule by, and a
				// pair agreeing on family rules alone is scored as if
				// it agreed on none (familyMissing). The fit leaves it
				// out too: same-sex twins agree on every family rule
				// and no random pair does, so EM took them for
				// duplicates.
				unfitted.add(p)
				continue
			}
			counter.add(p)
		}
		if s.da == s.db {
			for _, p := range s.pats {
				within.add(p)
			}
		}
		A, B := datasets[s.da], datasets[s.db]
		abs = append(abs, [2]*Dataset{A, B})
		space += pairSpace(A, B, s.da == s.db)
	}
	f := &fitted{}
	f.pats, f.cnts = sortedCounts(counter.counts())
	prior := randomPairPrior(rules, abs, samples, seed)
	f.model = fitModel(rules, f.pats, f.cnts, prior, space, ruleIndependence(datasets), oneFile)
	f.weights = make(map[pattern]float64, len(f.pats))
	for _, p := range f.pats {
		if oneFile {
			f.weights[p] = round9(f.model.withinWeight(p))
		} else {
			f.weights[p] = round9(f.model.weight(p))
		}
	}
	for p := range unfitted.counts() {
		f.weights[p] = round9(f.model.withinWeight(p))
	}
	f.withinWeights = map[pattern]float64{}
	for p := range within.counts() {
		f.withinWeights[p] = round9(f.model.withinWeight(p))
	}
	return f
}

// sortedCounts returns the patterns of counts in order, with their counts.
func sortedCounts(counts map[pattern]int64) ([]pattern, []int64) {
	pats := make([]pattern, 0, len(counts))
	for p := range counts {
		pats = append(pats, p)
	}
	slices.Sort(pats)
	cnts := make([]int64, len(pats))
	for i, p := range pats {
		cnts[i] = counts[p]
	}
	return pats, cnts
}

// check returns an internal error if any score is not a finite number: a
// fault in the fit, reported rather than turned into a crash or a silently
// wrong decision.
func (f *fitted) check() error {
	for _, p := range f.pats {
		if w := f.weights[p]; math.IsNaN(w) || math.IsInf(w, 0) || math.IsNaN(f.withinWeights[p]) || math.IsInf(f.withinWeights[p], 0) {
			return fmt.Errorf("internal error: the fitted model gives a non-finite score (%v) to a comparison pattern; please report it with summary.json's model", w)
		}
	}
	return nil
}
