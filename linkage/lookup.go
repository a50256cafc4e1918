package linkage

import (
	"fmt"
	"slices"

	"github.com/pprl/pprl/internal/exitcode"
)

// Subject access across agencies.
//
// A person asks one agency what is held about them. The agency tokenizes
// the request (one row, or a few for known aliases) like any extract and
// seals it to the linkage unit, which looks it up against the latest run:
// the request is searched against the agencies' token files of that run
// and scored with the run's own model and threshold (read back from
// summary.json), and every entity a request row links to is expanded to
// all its records through the run's entities. The answer is, per dataset,
// the record IDs of those entities; the command seals each agency's list
// to that agency alone and the overview to the requester.
//
// A lookup pair has no one-to-one competition to lean on (the match keeps
// only each record's best consistent partner, which lets its
// between-dataset threshold sit as low as likelihood ratio 1), so it is
// judged alone: the bar is the higher of the run's between-dataset
// threshold and its within-dataset one (the score a pair needs when judged
// against the whole comparison space, about 18–20 bits).

// LookupResult is what a lookup found.
type LookupResult struct {
	RequestRows int
	// RowsMatched is the number of request rows that linked to a record.
	RowsMatched int
	// Records maps each dataset of the run to the sorted record IDs it
	// holds of the entities found (absent: none).
	Records map[string][]string
	// Bar is the score a request row needed to link (LookupBar).
	Bar float64
}

// LookupBar is the score a lookup pair needs: the higher of the run's
// between- and within-dataset thresholds.
func LookupBar(th ThresholdChoice) float64 {
	if th.Within != nil {
		return max(th.Value, *th.Within)
	}
	return th.Value
}

// Lookup links the rows of request against agencies (token files of the
// run's inputs) with the run's model and between-dataset threshold.
func Lookup(run *RunOutputs, request *Dataset, agencies []*Dataset) (*LookupResult, error) {
	if len(agencies) == 0 {
		return nil, exitcode.Inputf("no agency token files to look the request up in (--tokens FILE, one per agency of the run)")
	}
	if err := checkRunInputs(run, request, agencies); err != nil {
		return nil, err
	}
	sum := &run.Summary
	model := sum.Model
	sopt := SearchOptions{MinDice: sum.Search.MinDice, Seed: sum.Search.Seed, MaxBlock: sum.Search.MaxBlock, MaxBucket: sum.Search.MaxBucket}
	res := &LookupResult{RequestRows: request.Len(), Records: map[string][]string{}, Bar: LookupBar(sum.Threshold)}
	nRules := len(request.Rules)
	matched := make([]bool, request.Len())
	entities := map[string]bool{}
	for _, D := range agencies {
		pairs, _ := Search(request, D, false, sopt)
		for _, p := range pairs {
			agree, present := agreement(request, D, int(p.A), int(p.B))
			d := dice(int(p.And), request.Popcount(int(p.A)), D.Popcount(int(p.B)))
			if round9(model.weight(makePattern(agree, present, nRules, diceBand(d)))) < res.Bar {
				continue
			}
			e, ok := run.Entities[RecordKey{Dataset: D.Name, RecordID: D.RecordIDs[p.B]}]
			if !ok {
				return nil, exitcode.Inputf("token file of dataset %q holds a record that is not in the run's entities: give the token files the run was made from", D.Name)
			}
			matched[p.A] = true
			entities[e] = true
		}
	}
	for _, m := range matched {
		if m {
			res.RowsMatched++
		}
	}
	for e := range entities {
		for _, k := range run.Members(e) {
			res.Records[k.Dataset] = append(res.Records[k.Dataset], k.RecordID)
		}
	}
	for ds := range res.Records {
		slices.Sort(res.Records[ds])
	}
	return res, nil
}

// checkRunInputs refuses agency files that are not the run's inputs (by
// dataset name, rows and fingerprints) and a request made with another
// spec or secret.
func checkRunInputs(run *RunOutputs, request *Dataset, agencies []*Dataset) error {
	inputs := map[string]InputSummary{}
	for _, in := range run.Summary.Inputs {
		inputs[in.Dataset] = in
	}
	seen := map[string]bool{}
	for _, D := range agencies {
		in, ok := inputs[D.Name]
		if !ok {
			return exitcode.Inputf("token file %s (dataset %q) is not an input of the run in %s", D.Source, D.Name, run.Dir)
		}
		if seen[D.Name] {
			return exitcode.Inputf("dataset %q is given twice", D.Name)
		}
		seen[D.Name] = true
		if in.Rows != D.Len() || in.SchemaFingerprint != D.SchemaFingerprint || in.SecretFingerprint != D.SecretFingerprint {
			return exitcode.Inputf("token file %s is not the one the run in %s read for dataset %q (its rows or fingerprints differ): give the token files the run was made from", D.Source, run.Dir, D.Name)
		}
	}
	if inputs[request.Name] != (InputSummary{}) {
		return exitcode.Inputf("the request has the dataset name %q of an input of the run: tokenize it with its own --dataset (e.g. request)", request.Name)
	}
	if err := checkCompatible(append([]*Dataset{request}, agencies...)); err != nil {
		return fmt.Errorf("request: %w", err)
	}
	for _, d := range append([]*Dataset{request}, agencies...) {
		if err := d.Prepare(); err != nil {
			return exitcode.AsInput(err)
		}
	}
	return nil
}
