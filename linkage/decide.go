package linkage

import (
	"slices"
	"time"
)

// decision is the decision half of a match run (after the search): its
// stages, in order, are fit (every candidate's evidence and one model over
// the whole comparison space), threshold (the bars a pair must reach and
// the patterns and family agreements that need more), score (the links
// above their bars), cluster (the one-to-one solver and the entities) and
// check (the fields' agreement between datasets, then opt-outs). Each
// stage reads what the stages before it left in the struct.
type decision struct {
	*matchRun
	sum *Summary

	// fit
	fitted  *fitted
	model   *Model
	weights map[pattern]float64
	tfs     [][]float32 // term-frequency adjustment of each candidate (nil rows: none)

	// threshold
	th       ThresholdChoice
	stranger strangerBars
	census   namesakeCensus
	noFamily *familyMissing
	idr      int // the ID rule whose disagreement raises the bar, or -1

	// score
	fields *fieldCounter
	links  []Link
	wcand  []withinCand
	tScore time.Time

	// cluster
	kept []Link
}

// decide turns the candidates into the result.
func (r *matchRun) decide() (*Result, error) {
	d := &decision{matchRun: r, sum: &r.res.Summary}
	if err := d.fit(); err != nil {
		return nil, err
	}
	d.threshold()
	d.score()
	d.cluster()
	if err := d.check(); err != nil {
		return nil, err
	}
	tSolve := time.Now()
	d.sum.Timings = Timings{Search: secs(r.tSearch.Sub(r.start)), Score: secs(d.tScore.Sub(r.tSearch)), Solve: secs(tSolve.Sub(d.tScore))}
	return d.res, nil
}

// fit computes every candidate's comparison pattern, fits one model on
// them all over the whole comparison space, and the candidates'
// term-frequency adjustments.
func (d *decision) fit() error {
	rules := d.datasets[0].Rules
	compareCandidates(d.sets, d.datasets, len(rules))
	d.fitted = fitKind(d.sets, d.datasets, rules, func(pairSet) bool { return true }, max(200000, 3000000/max(len(d.sets), 1)), d.opt.Seed, d.dedup)
	if err := d.fitted.check(); err != nil {
		return err
	}
	d.model, d.weights = d.fitted.model, d.fitted.weights
	d.sum.Model = d.model
	for _, line := range d.model.Describe() {
		d.log.Debug("model", "weight", line)
	}
	d.sum.ScoreHistogram = scoreHistogram(d.sets, d.weightsOf)
	d.tfs = make([][]float32, len(d.sets))
	d.sum.TermFrequency = TermFreqSummary{MaxDown: tfMaxDown}
	if !d.opt.NoTermFrequencies {
		d.tfs, d.sum.TermFrequency = termFrequencies(d.sets, d.datasets, rules, d.model.RuleU)
	}
	return nil
}

// weightsOf returns the pattern weights of set s: within-dataset pairs of
// a link-and-dedupe run are scored as such (Model.withinWeight), as are
// all pairs when deduplicating one dataset, whose weights (fitKind) are
// those.
func (d *decision) weightsOf(s *pairSet) map[pattern]float64 {
	if s.da == s.db && !d.dedup {
		return d.fitted.withinWeights
	}
	return d.weights
}

// threshold chooses the bars: the threshold (given, or where the
// posterior among each record's best candidates is one half), the
// within-dataset bar of a link-and-dedupe run, the bar of pairs whose ID
// numbers differ, the stranger patterns, and the namesake census of the
// family rules.
func (d *decision) threshold() {
	sets, datasets, opt := d.sets, d.datasets, d.opt
	th := ThresholdChoice{Value: opt.Threshold, Method: "fixed", Why: "given with --threshold"}
	// Pairs agreeing on a family rule alone are judged by the namesake
	// census, whatever the threshold, and left out of the stranger
	// patterns' count.
	ind := ruleIndependence(datasets)
	d.census = censusOf(sets, datasets)
	if !d.within && len(datasets) > 1 {
		// --link-only: the pairs within each dataset that agree on a family
		// rule are found for the census alone.
		d.census = censusOf(append(withinFamilyPairs(datasets, d.census, d.sopt.MaxBlock), sets...), datasets)
	}
	d.noFamily = newFamilyMissing(d.model, d.census)
	if opt.AutoThreshold {
		bpats, bcnts := sortedCounts(bestCandidates(sets, datasets, d.weights, d.dedup))
		th = chooseThreshold(d.model, bpats, bcnts, d.weights)
		minCandidates, rare := int64(minStrangerCandidates), rarePatterns{}
		if d.dedup {
			minCandidates = minOneFileCandidates
			if 2*d.model.ExpectedMatches < maxFewShare*float64(datasets[0].Len()) {
				rare.few = minFewCandidates
				for _, name := range datasets[0].UnorderedRules {
					if r := slices.Index(d.model.Rules, name); r >= 0 {
						rare.skip |= 1 << r
					}
				}
			}
		}
		d.stranger, th.StrangerPatterns = strangerPatterns(d.model, mutualBest(sets, datasets, d.weights, d.tfs, d.census.judged, d.dedup), d.census, minCandidates, rare, poolRules(datasets, ind, d.model))
	}
	if d.within && !d.dedup {
		v, why := th.Value, "given with --threshold (the same for within-dataset links)"
		if opt.AutoThreshold {
			var wpats []pattern
			wspace := 0.0
			for _, s := range sets {
				if s.da == s.db {
					wpats = append(wpats, s.pats...)
					wspace += pairSpace(datasets[s.da], datasets[s.da], true)
				}
			}
			v, why = withinThreshold(d.model, wpats, wspace, d.fitted.withinWeights, th.Value)
			th.WithinByDataset = withinThresholds(d.model, sets, datasets, d.fitted.withinWeights, th.Value)
		}
		th.Within, th.WithinWhy = &v, why
	}
	d.idr = -1
	if opt.AutoThreshold {
		d.idr = idDiffersBar(&th, d.model)
	}
	d.th = th
	d.sum.Threshold = th
	d.log.Info("threshold", "value", th.Value, "method", th.Method, "why", th.Why)
}

// score keeps the candidates at or above their bars as links, counting
// those the family census and the stranger patterns leave out, and
// gathers the within-dataset candidates the corroboration of the solver
// reads, a few explained examples, and the field agreement of the
// candidates that are one person.
func (d *decision) score() {
	sets, datasets, sum, model, th := d.sets, d.datasets, d.sum, d.model, &d.th
	d.fields = newFieldCounter(datasets, model)
	var examples exampleSet
	if !d.dedup && model.restClear != 0 {
		// Room for every within-dataset candidate at once (most are kept):
		// grown by append, the copies of a Scotland-sized run's 21 million
		// were 5 s of CPU, and the last one held two copies at a time.
		within := 0
		for k := range sets {
			if sets[k].da == sets[k].db {
				within += len(sets[k].pairs)
			}
		}
		d.wcand = slices.Grow(d.wcand, within)
	}
	for k := range sets {
		s := &sets[k]
		A, B := datasets[s.da], datasets[s.db]
		bar := th.Value
		if s.da == s.db && th.Within != nil {
			bar = th.withinBar(A.Name)
		}
		lookup := newWeightLookup(d.weightsOf(s))
		for i, p := range s.pairs {
			d.fields.candidate(s.da, s.db, p.A, p.B, p.Rules)
			w, tf := lookup.of(s.pats[i]), 0.0
			if d.tfs[k] != nil {
				tf = float64(d.tfs[k][i])
			}
			switch d.census.verdict(s.pats[i]) {
			case familyRefused:
				sum.Counts.FamilyRefused++
				continue
			case familyUnjudged:
				// As if the family rules were not rules: a candidate
				// only by its Dice, scored without them and without
				// their values' frequencies.
				if dice(int(p.And), A.Popcount(int(p.A)), B.Popcount(int(p.B))) < d.opt.MinDice {
					continue
				}
				w, tf = d.noFamily.weight(s.pats[i], s.da == s.db), 0
			}
			w += tf
			bar := bar
			if d.idr >= 0 && s.pats[i].rule(d.idr) == 2 {
				bar = max(bar, *th.IDDiffers)
			}
			if need, ok := d.stranger.need(s.pats[i]); ok && w >= bar && (s.da != s.db || d.dedup) && tf < need {
				// Left out before the solver (strangerPatterns), and so not
				// offered as an example of a threshold decision.
				sum.Counts.StrangerPattern++
				continue
			}
			examples.offer(s.pats[i], w, tf, s.da == s.db, s.da, s.db, bar)
			if s.da == s.db && !d.dedup && model.restClear != 0 {
				if id := s.pats[i].rule(model.restRule); id != 0 || w < bar {
					d.wcand = append(d.wcand, withinCand{key: pairKey(uint32(d.offsets[s.da])+p.A, uint32(d.offsets[s.db])+p.B),
						rest: s.pats[i].rules() &^ model.restClear, id: int8(id), below: w < bar})
				}
			}
			if w < bar {
				continue
			}
			d.links = append(d.links, Link{DA: uint16(s.da), DB: uint16(s.db), A: p.A, B: p.B, Rules: p.Rules, Score: w,
				Dice: dice(int(p.And), A.Popcount(int(p.A)), B.Popcount(int(p.B)))})
		}
		s.pairs, s.pats, d.tfs[k] = nil, nil, nil
	}
	sum.Counts.AboveThreshold = len(d.links)
	if sum.Counts.FamilyRefused > 0 {
		d.log.Info("pairs agreeing on a family rule alone refused: in their Dice band, pairs within datasets (twins) are at least half the candidates", "pairs", sum.Counts.FamilyRefused)
	}
	if d.stranger.len() > 0 {
		d.log.Info("patterns whose candidates are mostly strangers need rare values", "patterns", d.stranger.len(), "pairs_left_out", sum.Counts.StrangerPattern)
	}
	sum.Explanations = examples.explanations(model, datasets)
	d.tScore = time.Now()
}

// cluster solves the links greedily, best first, into consistent
// entities (solve), with the solver's two exceptions to complete linkage
// within a dataset (corroboration, common records), and builds the
// entities.
func (d *decision) cluster() {
	sum, opt := d.sum, d.opt
	var corr *corroboration
	if len(d.wcand) > 0 && !opt.AllowDuplicates {
		corr = newCorroboration(d.links, d.offsets, d.wcand)
	}
	d.wcand = nil
	var common *commonRecords
	if d.within && !opt.AllowDuplicates {
		bars := make([]float64, len(d.datasets))
		for k, ds := range d.datasets {
			bars[k] = judgedAloneBar(&d.th, d.model, ds.Name)
		}
		common = newCommonRecords(d.links, d.offsets, bars, idDiffersFunc(d.datasets, d.offsets, d.model))
	}
	var ids *idNumbers
	if !opt.AllowDuplicates && !d.dedup {
		ids = newIDNumbers(d.datasets, d.offsets, d.model)
	}
	kept, cl, spared := solve(d.links, d.offsets, opt.AllowDuplicates, d.dedup, corr, common, ids)
	sum.Counts.JoinedSparingOne = spared
	if ids != nil {
		sum.Counts.RefusedIDsDiffer, sum.Counts.JoinedByIDNumber = ids.refused, ids.joined
	}
	if corr != nil {
		sum.Counts.Corroborated = corr.joined
	}
	if common != nil {
		sum.Counts.JoinedByCommonRecord = common.joined
	}
	sum.Counts.RejectedByOneOne = len(d.links) - len(kept)
	sortLinksByRecord(kept)
	d.kept = kept
	d.res.Links = kept
	sum.Counts.Links = len(kept)
	for _, l := range kept {
		if l.Within() {
			sum.Counts.LinksWithin++
		}
	}
	d.res.Entities, sum.Stability = buildEntities(d.datasets, d.offsets, cl, opt.Previous)
	sum.Counts.Entities = len(d.res.Entities)
	for _, e := range d.res.Entities {
		if len(e.Members) > 1 {
			sum.Counts.EntitiesLinked++
		}
	}
	sum.MatchRates = matchRates(d.datasets, kept, d.within)
}

// check refuses a run whose fields disagree between datasets (fieldcheck.go)
// unless told to go on, then applies the opt-out registers.
func (d *decision) check() error {
	sum, opt := d.sum, d.opt
	d.fields.links(d.kept)
	sum.FieldAgreement = d.fields.result()
	if err := fieldMismatchError(sum.FieldAgreement); err != nil {
		if !opt.AllowFieldMismatch {
			return err
		}
		d.log.Warn("linked anyway (--allow-field-mismatch): " + err.Error())
	}
	if len(opt.OptOut) > 0 {
		oo, err := applyOptOuts(d.res, opt.OptOut, d.model, d.th.Value, opt.OptOutMargin, d.sopt)
		if err != nil {
			return err
		}
		sum.OptOut = oo
		d.log.Info("opt-out registers applied", "register_rows", oo.RegisterRows, "rows_matched", oo.RowsMatched, "entities_opted_out", oo.EntitiesOptedOut)
	}
	return nil
}
