package linkage

import (
	"fmt"

	"github.com/pprl/pprl/internal/exitcode"
)

// Opt-out registers.
//
// A register of people who objected to research use is tokenized like any
// extract and given to Match beside the inputs (Options.OptOut). It takes
// no part in linking: after the entities are built, each register is
// searched against every input with the same search and scored with the
// model fitted on the inputs, and an entity is opted out when any of its
// records scores at least the opt-out bar against some register entry.
//
// The bar is deliberately generous: the between-dataset threshold minus
// OptOutMargin bits (32 times less evidence than a link needs, by
// default), with no one-to-one constraint, so that an objection wins
// ties. A register entry may mark several records and entities (a person
// and their duplicates, or a near namesake); a cohort loses a few people it
// could have held rather than keep one who objected.
//
// The register appears in no link and no entity: only the entities.parquet
// flag and the counts in summary.json (register rows, how many matched,
// entities opted out) come out of it.

// DefaultOptOutMargin is how many bits below the linking threshold a
// record still counts as matching an opt-out register entry.
const DefaultOptOutMargin = 5.0

// OptOutSummary is summary.json's account of the opt-out registers.
type OptOutSummary struct {
	Registers []InputSummary `json:"registers"`
	// Margin and Bar: a record matches a register entry when its score
	// against it is at least Bar = threshold − Margin.
	Margin float64 `json:"margin_bits"`
	Bar    float64 `json:"bar"`
	// RegisterRows is the number of register entries; RowsMatched of them
	// matched at least one record of the inputs.
	RegisterRows     int `json:"register_rows"`
	RowsMatched      int `json:"register_rows_matched"`
	RecordsMatched   int `json:"records_matched"`
	EntitiesOptedOut int `json:"entities_opted_out"`
}

// checkRegisters refuses registers that cannot be compared with the inputs
// or that share a name with one.
func checkRegisters(inputs, registers []*Dataset) error {
	names := map[string]bool{}
	for _, d := range inputs {
		names[d.Name] = true
	}
	for _, r := range registers {
		if names[r.Name] {
			return exitcode.Inputf("opt-out register %s has the dataset name %q of an input: tokenize the register with its own --dataset (e.g. optout)", r.Source, r.Name)
		}
		names[r.Name] = true
		if err := r.Prepare(); err != nil {
			return exitcode.AsInput(err)
		}
	}
	return checkCompatible(append(append([]*Dataset{}, inputs...), registers...))
}

// applyOptOuts marks the entities that hold a record matching an entry of
// a register, and returns the counts for summary.json.
func applyOptOuts(res *Result, registers []*Dataset, model *Model, threshold, margin float64, sopt SearchOptions) (*OptOutSummary, error) {
	sum := &OptOutSummary{Margin: margin, Bar: round9(threshold - margin)}
	entityOf := map[RecordKey]int{}
	for i, e := range res.Entities {
		for _, m := range e.Members {
			entityOf[m] = i
		}
	}
	sopt.Progress = nil
	nRules := len(res.Datasets[0].Rules)
	records := map[RecordKey]bool{}
	for _, R := range registers {
		sum.Registers = append(sum.Registers, InputSummary{Dataset: R.Name, File: R.Source, Rows: R.Len(),
			SchemaFingerprint: R.SchemaFingerprint, SecretFingerprint: R.SecretFingerprint})
		sum.RegisterRows += R.Len()
		matched := make([]bool, R.Len())
		for _, D := range res.Datasets {
			pairs, _ := Search(R, D, false, sopt)
			for _, p := range pairs {
				agree, present := agreement(R, D, int(p.A), int(p.B))
				d := dice(int(p.And), R.Popcount(int(p.A)), D.Popcount(int(p.B)))
				if model.weight(makePattern(agree, present, nRules, diceBand(d))) < sum.Bar {
					continue
				}
				matched[p.A] = true
				k := RecordKey{Dataset: D.Name, RecordID: D.RecordIDs[p.B]}
				if records[k] {
					continue
				}
				records[k] = true
				i, ok := entityOf[k]
				if !ok {
					return nil, fmt.Errorf("opt-out: a record of dataset %q has no entity (report this)", D.Name)
				}
				if !res.Entities[i].OptedOut {
					res.Entities[i].OptedOut = true
					sum.EntitiesOptedOut++
				}
			}
		}
		for _, m := range matched {
			if m {
				sum.RowsMatched++
			}
		}
	}
	sum.RecordsMatched = len(records)
	return sum, nil
}
