package report

import (
	"slices"

	"github.com/pprl/pprl/linkage/evaluate"
)

// fieldAgreementSection shows, for every two datasets and each field,
// how often the pairs that are one person agree on it (summary.json
// field_agreement): a field one agency codes differently agrees on almost
// none. Nil when the summary has no counts (a single dataset, files made
// before the manifest named each rule's fields, or an older match).
func fieldAgreementSection(o *evaluate.Outputs) *Section {
	list, _ := o.Summary.Raw["field_agreement"].([]any)
	if len(list) == 0 {
		return nil
	}
	s := Section{ID: "field-agreement", Title: "Do the datasets' fields agree?",
		Intro: "For every two datasets and each field (sex, postcode, names, date of birth), the share of the pairs of records that are one person " +
			"(the links, and pairs holding the same CHI number) that agree on the field, among those where both records hold it. " +
			"Real errors (typos, moves, missing values) leave most pairs agreeing, usually 70% or more. A share near zero means one agency " +
			"codes the field differently (sex codes the wrong way round, columns swapped in its mapping): pprl match refuses such files " +
			"unless told to go on, and the mapping should be fixed and the extract tokenized again."}
	t := &Table{Caption: "Agreement by dataset pair and field", Head: []string{"datasets", "field", "pairs", "agreeing", "share", ""},
		Num: []bool{false, false, true, true, true, false}}
	type row struct {
		pair, field  string
		pairs, agree float64
		share        float64
		mismatch     bool
	}
	var rows []row
	for _, x := range list {
		m, ok := x.(map[string]any)
		if !ok {
			continue
		}
		a, _ := m["dataset_a"].(string)
		b, _ := m["dataset_b"].(string)
		f, _ := m["field"].(string)
		n, _ := m["pairs"].(float64)
		k, _ := m["agree"].(float64)
		sh, _ := m["share"].(float64)
		mis, _ := m["mismatch"].(bool)
		rows = append(rows, row{a + " – " + b, f, n, k, sh, mis})
	}
	slices.SortStableFunc(rows, func(x, y row) int {
		switch {
		case x.share < y.share:
			return -1
		case x.share > y.share:
			return 1
		}
		return 0
	})
	var labels []string
	var values []float64
	for _, r := range rows {
		flag := ""
		if r.mismatch {
			flag = "coded differently?"
		}
		t.Rows = append(t.Rows, []string{r.pair, r.field, fmtCount(r.pairs), fmtCount(r.agree), fmtPct(r.share), flag})
		if len(labels) < 12 {
			labels, values = append(labels, r.pair+": "+r.field), append(values, r.share)
		}
	}
	s.Charts = append(s.Charts, barChart("chart-fields", "The least agreeing fields",
		"Horizontal bars: for the twelve dataset pairs and fields that agree least, the percentage of one person's pairs of records agreeing on the field.", labels, values, true))
	s.Tables = append(s.Tables, t)
	return &s
}
