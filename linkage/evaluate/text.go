package evaluate

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteJSON writes r as indented JSON.
func WriteJSON(w io.Writer, r *Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes r as aligned tables for people.
func WriteText(w io.Writer, r *Result) error {
	ew := &errWriter{w: w}
	p := ew.printf
	scope := "pairs of records from different datasets"
	if r.Scope == ScopeAll {
		scope = "all pairs of records, within datasets too"
	}
	p("Linkage quality against the truth (scope: %s)\n\n", scope)

	tw := ew.table()
	fmt.Fprintf(tw, "dataset\trecords\ttruth records\tmissing from outputs\twithout truth\n")
	for _, d := range r.Datasets {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\n", d.Dataset, d.Records, d.TruthRecords, d.Missing, d.NoTruth)
	}
	ew.flush(tw)

	p("\nPairwise\n")
	tw = ew.table()
	fmt.Fprintf(tw, "\tprecision\trecall\tF1\ttrue pairs\tpredicted\tcorrect\n")
	for _, x := range []struct {
		name string
		s    PairScores
	}{{"entities (pairs in one entity)", r.Entities}, {"links (links.parquet)", r.Links}} {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\n", x.name, f4(x.s.Precision), f4(x.s.Recall), f4(x.s.F1), x.s.TruePairs, x.s.Predicted, x.s.TruePositives)
	}
	ew.flush(tw)

	c := r.Clusters
	p("\nClusters\n")
	tw = ew.table()
	fmt.Fprintf(tw, "entities\t%d\n", c.Entities)
	fmt.Fprintf(tw, "true people in the outputs\t%d (%d with 2+ records)\n", c.People, c.LinkablePeople)
	fmt.Fprintf(tw, "people found exactly\t%d of %d (%s)\n", c.ExactPeople, c.LinkablePeople, pct(c.ExactRate))
	fmt.Fprintf(tw, "people split over 2+ entities\t%d\n", c.SplitPeople)
	fmt.Fprintf(tw, "entities merging 2+ people\t%d\n", c.MergedEntities)
	fmt.Fprintf(tw, "B-cubed precision / recall / F1\t%s / %s / %s\n", f4(c.BCubedPrecision), f4(c.BCubedRecall), f4(c.BCubedF1))
	ew.flush(tw)

	b := r.Blocking
	p("\nBlocking\n")
	tw = ew.table()
	if b.Candidates >= 0 {
		fmt.Fprintf(tw, "candidate pairs scored\t%d of %d possible\n", b.Candidates, b.ComparisonSpace)
		fmt.Fprintf(tw, "reduction ratio\t%s\n", f6(b.ReductionRatio))
	} else {
		fmt.Fprintf(tw, "candidate pairs scored\tunknown (summary.json has no counts.candidates); %d possible\n", b.ComparisonSpace)
	}
	if b.Exact {
		fmt.Fprintf(tw, "pairs completeness\t%s (from the candidates file)\n", f4(b.PairsCompleteness))
	} else {
		fmt.Fprintf(tw, "pairs completeness\t≥ %s (lower bound from the links: match kept no candidates file)\n", f4(b.PairsCompleteness))
	}
	ew.flush(tw)

	if len(r.ByDatasetPair) > 0 {
		p("\nBy dataset pair\n")
		tw = ew.table()
		fmt.Fprintf(tw, "datasets\ttrue pairs\tfound\trecall\tprecision\tF1\tlinks recall\n")
		for _, g := range r.ByDatasetPair {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\n", g.Group, g.TruePairs, g.Found, f4(g.Recall), f4(g.Precision), f4(g.F1), f4(g.LinkRecall))
		}
		ew.flush(tw)
	}
	groups := append([]Subgroup{{Column: "dataset", Groups: r.ByDataset}}, r.BySubgroup...)
	p("\nRecall by subgroup (a true pair is in a group when both its records are)\n")
	tw = ew.table()
	fmt.Fprintf(tw, "subgroup\tvalue\ttrue pairs\tfound\trecall\tlinks recall\n")
	for _, sg := range groups {
		for _, g := range sg.Groups {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\n", sg.Column, g.Group, g.TruePairs, g.Found, f4(g.Recall), f4(g.LinkRecall))
		}
	}
	ew.flush(tw)

	if len(r.ByErrorClass) > 0 {
		p("\nRecall by error class (a true pair counts for a class when either record carries it)\n")
		tw = ew.table()
		fmt.Fprintf(tw, "error class\ttrue pairs\tfound\trecall\n")
		for _, g := range r.ByErrorClass {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", g.Group, g.TruePairs, g.Found, f4(g.Recall))
		}
		ew.flush(tw)
	}

	s := r.Sweep
	if len(s.Rows) > 0 {
		p("\nThreshold sweep (pairs from %s scoring at least the threshold)\n", s.Source)
		tw = ew.table()
		fmt.Fprintf(tw, "threshold\tpairs\tprecision\trecall\tF1\t\n")
		for _, row := range s.Rows {
			mark := ""
			if row.Threshold == s.Threshold {
				mark = "← match threshold"
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", trimFloat(row.Threshold), row.Links, f4(row.Precision), f4(row.Recall), f4(row.F1), mark)
		}
		ew.flush(tw)
		p("best F1 %s at threshold %s (%d pairs)\n", f4(s.Best.F1), trimFloat(s.Best.Threshold), s.Best.Links)
	}
	if len(r.Notes) > 0 {
		p("\nNotes\n")
		for _, n := range r.Notes {
			p("- %s\n", n)
		}
	}
	return ew.err
}

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(b []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(b)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, a ...any) { fmt.Fprintf(e, format, a...) }

func (e *errWriter) table() *tabwriter.Writer {
	return tabwriter.NewWriter(e, 0, 0, 2, ' ', 0)
}

func (e *errWriter) flush(tw *tabwriter.Writer) {
	if err := tw.Flush(); err != nil && e.err == nil {
		e.err = err
	}
}

func f4(x float64) string  { return fmt.Sprintf("%.4f", x) }
func f6(x float64) string  { return fmt.Sprintf("%.6f", x) }
func pct(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) }

// trimFloat prints a threshold without trailing zeros.
func trimFloat(x float64) string {
	s := fmt.Sprintf("%.6f", x)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}
