package linkage

import (
	"fmt"
	"maps"
	"math/bits"
	"slices"
	"strings"

	"github.com/pprl/pprl/internal/exitcode"
)

// Field agreement: a field coded differently by one agency.
//
// An agency whose input mapping reads sex codes the wrong way round, or
// takes the forename from the surname column, still produces a valid token
// file: every value normalises, nothing is rejected, and the match still
// links some of its records through the rules that do not read the
// mis-coded field. What it loses is silent: every rule that reads the field
// disagrees on true pairs (education's sex codes swapped in `pprl synth` at
// 20,000 people: entity F1 0.9911 → 0.6855). The linkage unit cannot see
// a value, but it can see the symptom: between the two datasets, the pairs
// that are one person, and on which a rule reading the field is present
// on both records, almost never agree on any such rule.
//
// fieldCounter counts, per pair of datasets and per field read by at least
// two rules but not all, those pairs and how many of them agree on at
// least one rule reading the field. Rules with unordered components (names
// in either order) are left out of every field's rules: they are what
// survives a swap.
//
// A share below fieldMismatchShare over at least minFieldPairs pairs is a
// mismatch: under a field's real error rates (typos, moves, missing values)
// the share stays well above it (`pprl synth` with `--corruption high`: at
// least 0.72 for every field and pair of agencies; FEBRL4: 0.71), and a
// swapped sex code gives the share of sex errors, a few percent. A field
// that disagrees only because every rule reading it also reads a
// mis-coded one is named as following from it (markImplied).

// FieldAgreement is one field's agreement between two datasets.
type FieldAgreement struct {
	DatasetA string `json:"dataset_a"`
	DatasetB string `json:"dataset_b"`
	Field    string `json:"field"`
	// Pairs is the pairs between the datasets counted (their links, and
	// their candidates that are one person whatever the model makes of
	// them: see fieldCounter) on which a rule reading the field is present
	// on both records; Agree how many of them agree on at least one such
	// rule.
	Pairs int64   `json:"pairs"`
	Agree int64   `json:"agree"`
	Share float64 `json:"share"`
	// Mismatch marks a share below fieldMismatchShare over at least
	// minFieldPairs pairs.
	Mismatch bool `json:"mismatch,omitempty"`
	// Implied marks a mismatch that follows from others between the same
	// datasets: every rule reading the field that the pairs hold (on at
	// least 5% of them) also reads a mismatched field (a date of birth
	// read only with names, when the names are swapped).
	Implied bool `json:"implied_by_other_fields,omitempty"`
}

const (
	// fieldMismatchShare is the agreement share below which a field is
	// taken to be coded differently in the two datasets.
	fieldMismatchShare = 0.25
	// minFieldPairs is the fewest pairs a share is judged on.
	minFieldPairs = 100
)

// fieldCounter counts each field's agreement between each pair of
// datasets (see above) on two kinds of pairs: candidates that are one
// person whatever the rest of the model makes of them, and the links
// between datasets. The first are the candidates that agree on the
// model's ID rule (the CHI), counted for every field, and those that agree
// on a rule with unordered components (names in either order), counted
// for the fields that rule reads: a mis-coded field can cost two datasets
// most of their links, and with them the evidence. Such an agreement
// anchors a pair only when each record's value of the rule is its
// dataset's alone: an ID number shared by many records (a placeholder), or
// a name held by several people born on one day, says nothing about which
// record is whose. A link is counted for the fields it was not counted
// for as a candidate. A field is counted when at least two rules with
// ordered components read it and some rule does not. Datasets without
// rule fields in their manifests (files made before they were recorded,
// clkhash files) give nothing.
type fieldCounter struct {
	ds     []*Dataset
	masks  []uint16 // masks[f]: the rules (ordered) that read field f
	fields []string
	// anchors: the rules that anchor a pair; reads[r]: the fields an
	// agreement on anchor rule r is counted for.
	anchors uint16
	reads   []uint64
	// single[d][i]: the anchor rules whose value record i of dataset d
	// holds alone in d.
	single [][]uint16
	counts []FieldAgreement // [da][db][f], da < db
	// present[(da·n+db)·MaxRules+r]: the counted pairs holding rule r on
	// both records; total[da·n+db]: the counted pairs.
	present []int64
	total   []int64
}

// newFieldCounter returns a counter for the datasets' fields, or nil when
// there is nothing to count.
func newFieldCounter(ds []*Dataset, m *Model) *fieldCounter {
	masks, fields := fieldRuleMasks(ds)
	if len(fields) == 0 || len(fields) > 64 {
		return nil
	}
	rules := ds[0].Rules
	c := &fieldCounter{ds: ds, fields: fields, counts: make([]FieldAgreement, len(ds)*len(ds)*len(fields)),
		reads: make([]uint64, len(rules)), present: make([]int64, len(ds)*len(ds)*MaxRules), total: make([]int64, len(ds)*len(ds))}
	for _, f := range fields {
		c.masks = append(c.masks, masks[f])
	}
	ruleFields, unordered := manifestRuleFacts(ds)
	for r, name := range rules {
		switch {
		case m != nil && name == m.PatternMFrom:
			c.reads[r] = 1<<len(fields) - 1
		case slices.Contains(unordered, name):
			for f, field := range fields {
				if slices.Contains(ruleFields[r], field) {
					c.reads[r] |= 1 << f
				}
			}
		}
		if c.reads[r] != 0 {
			c.anchors |= 1 << r
		}
	}
	c.single = make([][]uint16, len(ds))
	for d, D := range ds {
		c.single[d] = make([]uint16, D.Len())
		for r := range rules {
			if c.anchors&(1<<r) == 0 {
				continue
			}
			vc := countValues(D, r)
			for i := range D.Len() {
				if D.Valid[r][i] && vc.of(D.token64(r, i)) == 1 {
					c.single[d][i] |= 1 << r
				}
			}
		}
	}
	return c
}

// anchored returns the fields for which a pair (a of dataset da, b of
// db) agreeing on rules is counted as a candidate.
func (c *fieldCounter) anchored(da, db int, a, b uint32, rules uint16) uint64 {
	on := rules & c.anchors & c.single[da][a] & c.single[db][b]
	var fm uint64
	for on != 0 {
		r := bits.TrailingZeros16(on)
		fm |= c.reads[r]
		on &^= 1 << r
	}
	return fm
}

// candidate counts a candidate between datasets da and db (a of da, b of
// db, agreeing on rules) for the fields it anchors.
func (c *fieldCounter) candidate(da, db int, a, b uint32, rules uint16) {
	if c == nil || da == db || rules&c.anchors == 0 {
		return
	}
	if fm := c.anchored(da, db, a, b, rules); fm != 0 {
		c.add(da, db, a, b, rules, fm)
	}
}

// links counts the links between datasets for the fields they were not
// counted for as candidates.
func (c *fieldCounter) links(links []Link) {
	if c == nil {
		return
	}
	all := uint64(1)<<len(c.fields) - 1
	for _, l := range links {
		if l.Within() {
			continue
		}
		if fm := all &^ c.anchored(int(l.DA), int(l.DB), l.A, l.B, l.Rules); fm != 0 {
			c.add(int(l.DA), int(l.DB), l.A, l.B, l.Rules, fm)
		}
	}
}

func (c *fieldCounter) add(da, db int, a, b uint32, rules uint16, fm uint64) {
	pr := c.ds[da].present[a] & c.ds[db].present[b]
	k := da*len(c.ds) + db
	c.total[k]++
	for on := pr; on != 0; on &= on - 1 {
		c.present[k*MaxRules+bits.TrailingZeros16(on)]++
	}
	row := c.counts[k*len(c.fields):][:len(c.fields)]
	for f, m := range c.masks {
		if fm&(1<<f) == 0 || pr&m == 0 {
			continue
		}
		row[f].Pairs++
		if rules&m != 0 {
			row[f].Agree++
		}
	}
}

// result returns the counts, by dataset pair and field, with the
// mismatches marked (markImplied).
func (c *fieldCounter) result() []FieldAgreement {
	if c == nil {
		return nil
	}
	var pairs []pairFields
	for da := range c.ds {
		for db := da + 1; db < len(c.ds); db++ {
			k := da*len(c.ds) + db
			pf := pairFields{row: slices.Clone(c.counts[k*len(c.fields):][:len(c.fields)]), held: make([]uint16, len(c.fields))}
			for f := range pf.row {
				x := &pf.row[f]
				x.DatasetA, x.DatasetB, x.Field = c.ds[da].Name, c.ds[db].Name, c.fields[f]
				if x.Pairs > 0 {
					x.Share = round4(float64(x.Agree) / float64(x.Pairs))
				}
				if x.Pairs >= minFieldPairs && float64(x.Agree) < fieldMismatchShare*float64(x.Pairs) {
					x.Mismatch = true
					pf.mismatched |= 1 << f
				}
				for on := c.masks[f]; on != 0; on &= on - 1 {
					if r := bits.TrailingZeros16(on); float64(c.present[k*MaxRules+r]) >= 0.05*float64(c.total[k]) {
						pf.held[f] |= 1 << r
					}
				}
			}
			pairs = append(pairs, pf)
		}
	}
	c.markImplied(pairs)
	out := []FieldAgreement{}
	for _, pf := range pairs {
		for _, x := range pf.row {
			if x.Pairs > 0 {
				out = append(out, x)
			}
		}
	}
	return out
}

// pairFields is one pair of datasets' counts while they are judged.
type pairFields struct {
	row        []FieldAgreement
	mismatched uint64   // a bit per field
	held       []uint16 // held[f]: field f's rules held on at least 5% of the pair's counted pairs
}

// markImplied marks the mismatches that follow from others. Fields share
// rules, so one mis-coded field takes down every rule that reads it, and
// with them the agreement of every other field those rules read (a name
// swap takes the date of birth with it between two agencies without a
// CHI, where every rule with the date also reads a name). The causes are
// the smallest set of fields such that, between every two datasets, every
// held rule of every mismatch outside the set reads a mismatched field of
// the set, when only one set of that size does: one set for the whole
// run, since a field that is fine between two datasets (the date of
// birth, through the CHI rule, where both hold the CHI) is not the cause
// between two others. The mismatches outside it are marked implied. With
// several such sets (forename and surname, or forename and sex: every rule
// with sex or a postcode also reads a name) nothing is marked, and every
// mismatch is named.
func (c *fieldCounter) markImplied(pairs []pairFields) {
	var any uint64
	for _, pf := range pairs {
		any |= pf.mismatched
	}
	var fs []int
	for f := range c.fields {
		if any&(1<<f) != 0 {
			fs = append(fs, f)
		}
	}
	if len(fs) < 2 || len(fs) > 12 {
		return
	}
	covers := func(set uint64) bool {
		for _, pf := range pairs {
			var reads uint16 // rules reading a mismatched field of set
			for _, f := range fs {
				if set&pf.mismatched&(1<<f) != 0 {
					reads |= c.masks[f]
				}
			}
			for _, f := range fs {
				if pf.mismatched&(1<<f) != 0 && set&(1<<f) == 0 && pf.held[f]&^reads != 0 {
					return false
				}
			}
		}
		return true
	}
	var best uint64
	found := 0
	for size := 1; size < len(fs) && found == 0; size++ {
		for sub := uint32(1); sub < 1<<len(fs); sub++ {
			if bits.OnesCount32(sub) != size {
				continue
			}
			var set uint64
			for i, f := range fs {
				if sub&(1<<i) != 0 {
					set |= 1 << f
				}
			}
			if covers(set) {
				best = set
				found++
			}
		}
	}
	if found != 1 {
		return // none, or several explanations the counts cannot choose between
	}
	for _, pf := range pairs {
		for f := range pf.row {
			if pf.mismatched&(1<<f) != 0 && best&(1<<f) == 0 {
				pf.row[f].Implied = true
			}
		}
	}
}

// fieldRuleMasks returns, for each field the check counts, the rules
// (with ordered components) that read it, and the fields in order.
func fieldRuleMasks(ds []*Dataset) (map[string]uint16, []string) {
	ruleFields, unordered := manifestRuleFacts(ds)
	if len(ds) < 2 || ruleFields == nil {
		return nil, nil
	}
	rules := ds[0].Rules
	masks := map[string]uint16{}
	for r, fields := range ruleFields {
		if slices.Contains(unordered, rules[r]) {
			continue
		}
		for _, f := range fields {
			masks[f] |= 1 << r
		}
	}
	all := uint16(1)<<len(rules) - 1
	var fields []string
	for f, m := range masks {
		if m != all && bits.OnesCount16(m) >= 2 {
			fields = append(fields, f)
		}
	}
	slices.Sort(fields)
	return masks, fields
}

// manifestRuleFacts returns the fields each rule reads and the rules with
// unordered components. Every file of a run has the same spec
// (checkCompatible); files made before the manifest recorded these lack
// them, so the first file that has them speaks for all.
func manifestRuleFacts(ds []*Dataset) (ruleFields [][]string, unordered []string) {
	for _, d := range ds {
		if ruleFields == nil {
			ruleFields = d.RuleFields
		}
		if unordered == nil {
			unordered = d.UnorderedRules
		}
	}
	return ruleFields, unordered
}

// fieldMismatchError is the error of a run whose token files disagree on
// a field (fieldAgreement): which fields, between which datasets, the
// dataset most likely at fault, and what to do. It names datasets and
// fields, never a value.
func fieldMismatchError(fa []FieldAgreement) error {
	var pairs, implied []string
	byField := map[string][]FieldAgreement{}
	more := 0
	for _, f := range fa {
		switch {
		case !f.Mismatch:
		case f.Implied:
			implied = append(implied, fmt.Sprintf("%s between %s and %s", f.Field, f.DatasetA, f.DatasetB))
		default:
			byField[f.Field] = append(byField[f.Field], f)
			if len(pairs) == 6 {
				more++
				continue
			}
			pairs = append(pairs, fmt.Sprintf("%s agrees on %d of %d pairs between %s and %s (%.0f%%)", f.Field, f.Agree, f.Pairs, f.DatasetA, f.DatasetB, 100*f.Share))
		}
	}
	if len(byField) == 0 {
		return nil
	}
	list := strings.Join(pairs, "; ")
	if more > 0 {
		list += fmt.Sprintf(" and %d more", more)
	}
	if len(implied) > 0 {
		list += fmt.Sprintf(" (%s disagree too, but only through rules that also read those fields)", strings.Join(implied, ", "))
	}
	suspects := map[string][]string{} // dataset → its fields that disagree with every other dataset
	for _, f := range slices.Sorted(maps.Keys(byField)) {
		if d := oddDataset(byField[f]); d != "" {
			suspects[d] = append(suspects[d], f)
		}
	}
	where := "one agency's token file"
	if len(suspects) > 0 {
		var s []string
		for _, d := range slices.Sorted(maps.Keys(suspects)) {
			s = append(s, d+"'s "+strings.Join(suspects[d], ", "))
		}
		where += " (most likely " + strings.Join(s, "; ") + ": disagreeing with every other dataset)"
	}
	hint := ""
	mis := map[string]bool{}
	for _, f := range fa {
		if f.Mismatch {
			mis[f.Field] = true
		}
	}
	if mis["forename"] && mis["surname"] {
		hint = " Forename and surname both disagreeing often means the two columns are swapped in a mapping."
	}
	return exitcode.Inputf("fields coded differently between datasets: %s. Under real errors (typos, moves, missing values) a field agrees on most pairs of one person's records; at under %.0f%% it is probably coded differently in %s: sex codes the wrong way round, a column mapped to the wrong field, another date format.%s Check the agency's input mapping and tokenize again; --allow-field-mismatch links the files as they are",
		list, 100*fieldMismatchShare, where, hint)
}

// oddDataset returns the dataset that is in every one of a field's
// mismatched pairs when there are at least two of them, else "".
func oddDataset(mis []FieldAgreement) string {
	if len(mis) < 2 {
		return ""
	}
	for _, d := range []string{mis[0].DatasetA, mis[0].DatasetB} {
		all := true
		for _, f := range mis[1:] {
			if f.DatasetA != d && f.DatasetB != d {
				all = false
				break
			}
		}
		if all {
			return d
		}
	}
	return ""
}
