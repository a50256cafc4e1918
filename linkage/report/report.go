// Package report writes the linkage report: one self-contained HTML file
// (inline CSS and SVG, no scripts, nothing fetched from the network) that a
// person can read in a browser. It shows the headline numbers, the inputs,
// the score distribution with the chosen threshold, match rates by dataset
// pair and by subgroup, entity sizes, and, when ground truth is given,
// precision and recall against the threshold and recall by subgroup.
//
// The report holds aggregates only: no record ID, entity ID or identifier
// ever appears in it. Dataset names, subgroup values (from the truth file or
// the coarse attr_ columns) and key fingerprints do.
package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/pprl/pprl/internal/atomicfile"
	"github.com/pprl/pprl/internal/buildinfo"
	"github.com/pprl/pprl/linkage/evaluate"
)

//go:embed report.html.tmpl
var pageTemplate string

var tmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"inc": func(i int) int { return i + 1 },
}).Parse(pageTemplate))

// Page is the report's content, ready for the template.
type Page struct {
	Title     string
	Subtitle  string
	Version   string
	Headline  []Stat
	Threshold ThresholdInfo
	Inputs    *Table
	HasTruth  bool
	Sections  []Section
	Notes     []string
}

// Stat is one headline number.
type Stat struct {
	Label, Value, Note string
}

// ThresholdInfo says what match decided and why.
type ThresholdInfo struct {
	Value, Method, Why string
	Plain              string // how it was chosen, in everyday words
}

// Section is a chart with its table beside it.
type Section struct {
	ID, Title string
	Intro     string
	Charts    []*Chart
	Tables    []*Table
}

// Table is a data table. Num marks right-aligned numeric columns and Mono
// unbreakable codes (fingerprints); both have one entry per column or none.
type Table struct {
	Caption string
	Head    []string
	Num     []bool
	Mono    []bool
	Rows    [][]string
}

// Class returns the CSS class of column i.
func (t *Table) Class(i int) string {
	var c []string
	if i < len(t.Num) && t.Num[i] {
		c = append(c, "num")
	}
	if i < len(t.Mono) && t.Mono[i] {
		c = append(c, "mono")
	}
	return strings.Join(c, " ")
}

// Build assembles the page from match outputs and, when res is not nil, the
// evaluation against the truth.
func Build(o *evaluate.Outputs, res *evaluate.Result) *Page {
	p := &Page{Title: "Linkage report", Version: buildinfo.Version(), HasTruth: res != nil, Notes: []string{}}
	names, sizes := o.Datasets()
	mode := "linkage of " + fmt.Sprint(len(names)) + " datasets"
	if len(names) == 1 {
		mode = "deduplication of one dataset"
	}
	p.Subtitle = strings.ToUpper(mode[:1]) + mode[1:] + ": " + strings.Join(names, ", ")

	// Headline numbers.
	entSize := entitySizes(o)
	linked := 0
	for _, s := range entSize {
		if s > 1 {
			linked++
		}
	}
	p.Headline = []Stat{
		{"Records", fmtCount(float64(len(o.Records))), fmt.Sprintf("in %d dataset%s", len(names), plural(len(names)))},
		{"People found (entities)", fmtCount(float64(len(entSize))), fmt.Sprintf("%s with records in more than one place", fmtCount(float64(linked)))},
		{"Links", fmtCount(float64(len(o.Links))), "pairs of records judged to be the same person"},
	}
	if c, ok := o.Summary.Counts["candidates"]; ok {
		p.Headline = append(p.Headline, Stat{"Pairs compared", fmtCount(c), "candidate pairs scored"})
	}
	if res != nil {
		e := res.Entities
		p.Headline = append(p.Headline,
			Stat{"Precision", fmtPct(e.Precision), "of linked pairs are truly the same person"},
			Stat{"Recall", fmtPct(e.Recall), "of true pairs were linked"},
			Stat{"F1", fmt.Sprintf("%.3f", e.F1), "balance of precision and recall (1 is perfect)"})
	}
	th := o.Summary.Threshold
	if th.Set {
		p.Threshold = ThresholdInfo{Value: fmtScore(th.Value), Method: th.Method, Why: th.Why, Plain: plainThreshold(th.Method)}
	}

	// Inputs.
	p.Inputs = inputsTable(o, names, sizes)

	p.Sections = append(p.Sections, scoreSection(o, res))
	if res != nil && len(res.Sweep.Curve) > 1 {
		p.Sections = append(p.Sections, sweepSection(res))
	}
	p.Sections = append(p.Sections, matchRateSection(o, names, sizes))
	if s := fieldAgreementSection(o); s != nil {
		p.Sections = append(p.Sections, *s)
	}
	if res != nil {
		p.Sections = append(p.Sections, qualitySection(res))
		if s := subgroupRecallSection(res); s != nil {
			p.Sections = append(p.Sections, *s)
		}
	}
	if s := attrSection(o); s != nil {
		p.Sections = append(p.Sections, *s)
	}
	if s := explainSection(o); s != nil {
		p.Sections = append(p.Sections, *s)
	}
	p.Sections = append(p.Sections, sizeSection(entSize))
	if res != nil {
		p.Notes = append(p.Notes, res.Notes...)
	}
	return p
}

// Render writes the page as HTML.
func Render(w io.Writer, p *Page) error { return tmpl.Execute(w, p) }

// WriteFile renders the page for o (and res, may be nil) to path
// atomically: a failed run leaves no partial report behind.
func WriteFile(path string, o *evaluate.Outputs, res *evaluate.Result) error {
	var buf bytes.Buffer
	if err := Render(&buf, Build(o, res)); err != nil {
		return fmt.Errorf("render report: %w", err)
	}
	return atomicfile.WriteFile(path, buf.Bytes(), atomicfile.Options{Perm: 0o644})
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func entitySizes(o *evaluate.Outputs) []int {
	s := make([]int, len(o.EntityIDs))
	for _, e := range o.Entity {
		s[e]++
	}
	return s
}

func inputsTable(o *evaluate.Outputs, names []string, sizes map[string]int) *Table {
	t := &Table{Caption: "Inputs", Head: []string{"dataset", "rows in the token file", "records in the outputs", "schema fingerprint", "secret fingerprint"},
		Num: []bool{false, true, true, false, false}, Mono: []bool{false, false, false, true, true}}
	byName := map[string]evaluate.SummaryInput{}
	for _, in := range o.Summary.Inputs {
		byName[in.Dataset] = in
	}
	for _, n := range names {
		in, ok := byName[n]
		rows := "–"
		if ok {
			rows = fmtCount(float64(in.Rows))
		}
		fp := func(k string) string {
			v := in.Fingerprints[k]
			if v == "" {
				return "–"
			}
			// A long hex digest is shown by its first 16 digits, as the
			// CLI prints it.
			if len(v) > 20 && strings.Trim(v, "0123456789abcdef") == "" {
				return v[:16]
			}
			return v
		}
		t.Rows = append(t.Rows, []string{n, rows, fmtCount(float64(sizes[n])), fp("schema_fingerprint"), fp("secret_fingerprint")})
	}
	return t
}

func scoreSection(o *evaluate.Outputs, res *evaluate.Result) Section {
	s := Section{ID: "scores", Title: "Score distribution"}
	th := o.Summary.Threshold
	var bins []Bin
	source := "the links (pairs at or above the threshold that were kept)"
	if h := o.Summary.ScoreHistogram; len(h) > 0 {
		for _, b := range h {
			bins = append(bins, Bin{b.Lo, b.Hi, b.Count})
		}
		source = "every candidate pair that was scored"
	} else {
		scores := make([]float64, 0, len(o.Links))
		for _, l := range o.Links {
			scores = append(scores, l.Score)
		}
		if len(o.Candidates) > 0 {
			scores = scores[:0]
			for _, l := range o.Candidates {
				scores = append(scores, l.Score)
			}
			source = "every candidate pair that was scored"
		}
		bins = binScores(scores, 30)
	}
	s.Intro = "Each pair of records that match compared gets a score: the higher, the stronger the evidence that both records are the same person. " +
		"Pairs scoring at or above the threshold (dashed red line) are linked. This chart counts " + source + "."
	if source != "every candidate pair that was scored" {
		s.Intro += " Pairs below the threshold are not kept by match, so the chart starts at the threshold."
	}
	if len(bins) == 0 {
		s.Intro += " There are no scored pairs to show."
		return s
	}
	desc := fmt.Sprintf("Histogram of %s scores from %s to %s.", fmtCount(float64(sumBins(bins))), fmtScore(bins[0].Lo), fmtScore(bins[len(bins)-1].Hi))
	if th.Set {
		desc += " The threshold is " + fmtScore(th.Value) + "."
	}
	s.Charts = append(s.Charts, histogramChart("chart-scores", "Number of pairs by score", desc, bins, th.Value, th.Set))
	t := &Table{Caption: "Pairs by score", Head: []string{"score from", "to", "pairs"}, Num: []bool{true, true, true}}
	for _, b := range mergeBins(bins, 10) {
		t.Rows = append(t.Rows, []string{fmtScore(b.Lo), fmtScore(b.Hi), fmtCount(float64(b.Count))})
	}
	s.Tables = append(s.Tables, t)
	return s
}

// binScores splits [min, max] into n equal bins (the last one closed).
func binScores(scores []float64, n int) []Bin {
	if len(scores) == 0 {
		return nil
	}
	lo, hi := scores[0], scores[0]
	for _, v := range scores {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if hi == lo {
		return []Bin{{lo - 0.5, hi + 0.5, int64(len(scores))}}
	}
	step := niceStep((hi - lo) / float64(n))
	start := math.Floor(lo/step) * step
	k := int(math.Floor((hi-start)/step)) + 1
	bins := make([]Bin, k)
	for i := range bins {
		bins[i] = Bin{Lo: start + step*float64(i), Hi: start + step*float64(i+1)}
	}
	for _, v := range scores {
		i := int(math.Floor((v - start) / step))
		i = max(0, min(i, k-1))
		bins[i].Count++
	}
	return bins
}

func sumBins(bins []Bin) int64 {
	var n int64
	for _, b := range bins {
		n += b.Count
	}
	return n
}

// mergeBins joins neighbouring bins so that at most n rows remain.
func mergeBins(bins []Bin, n int) []Bin {
	if len(bins) <= n {
		return bins
	}
	per := (len(bins) + n - 1) / n
	var out []Bin
	for i := 0; i < len(bins); i += per {
		j := min(i+per, len(bins))
		b := Bin{Lo: bins[i].Lo, Hi: bins[j-1].Hi}
		for _, x := range bins[i:j] {
			b.Count += x.Count
		}
		out = append(out, b)
	}
	return out
}

func sweepSection(res *evaluate.Result) Section {
	sw := res.Sweep
	s := Section{ID: "threshold", Title: "Precision and recall against the threshold"}
	s.Intro = "Precision is the share of linked pairs that are truly the same person; recall is the share of true pairs that were linked. " +
		"Raising the threshold usually raises precision and lowers recall. Checked against the ground truth, over the " + sw.Source + "."
	if sw.Source == "links" {
		s.Intro += " Only links are kept, so the curves cover thresholds at or above the one match used."
	}
	x := make([]float64, len(sw.Curve))
	var pr, rc, f1 []float64
	for i, r := range sw.Curve {
		x[i] = r.Threshold
		pr, rc, f1 = append(pr, r.Precision), append(rc, r.Recall), append(f1, r.F1)
	}
	desc := fmt.Sprintf("Precision, recall and F1 for thresholds from %s to %s. At the threshold of %s: precision %s, recall %s. Best F1 %.3f at %s.",
		fmtScore(x[0]), fmtScore(x[len(x)-1]), fmtScore(sw.Threshold), fmtPct(atThreshold(sw).Precision), fmtPct(atThreshold(sw).Recall), sw.Best.F1, fmtScore(sw.Best.Threshold))
	s.Charts = append(s.Charts, lineChart("chart-sweep", "Precision, recall and F1 by threshold", desc, "threshold",
		x, []Series{{"precision", colBlue, "", pr}, {"recall", colOrange, "8 4", rc}, {"F1", colGreen, "2 3", f1}}, sw.Threshold, sw.Threshold != 0 || len(res.Sweep.Rows) > 0))
	t := &Table{Caption: "Threshold sweep", Head: []string{"threshold", "pairs", "precision", "recall", "F1"}, Num: []bool{true, true, true, true, true}}
	for _, r := range sw.Rows {
		th := fmtScore(r.Threshold)
		if r.Threshold == sw.Threshold {
			th += " (used)"
		}
		t.Rows = append(t.Rows, []string{th, fmtCount(float64(r.Links)), fmtPct(r.Precision), fmtPct(r.Recall), fmt.Sprintf("%.3f", r.F1)})
	}
	s.Tables = append(s.Tables, t)
	return s
}

func atThreshold(sw evaluate.Sweep) evaluate.SweepRow {
	for _, r := range sw.Rows {
		if r.Threshold == sw.Threshold {
			return r
		}
	}
	if len(sw.Rows) > 0 {
		return sw.Rows[0]
	}
	return evaluate.SweepRow{}
}

// matchRateSection: for every two datasets, the share of each one's records
// whose entity also holds a record of the other.
func matchRateSection(o *evaluate.Outputs, names []string, sizes map[string]int) Section {
	s := Section{ID: "match-rates", Title: "Match rates by dataset pair"}
	nd := len(names)
	dsNum := map[string]int{}
	for i, n := range names {
		dsNum[n] = i
	}
	// Datasets present in each entity.
	present := make([]map[int]bool, len(o.EntityIDs))
	for i, r := range o.Records {
		e := o.Entity[i]
		if present[e] == nil {
			present[e] = map[int]bool{}
		}
		present[e][dsNum[r.Dataset]] = true
	}
	var labels []string
	var values []float64
	t := &Table{Caption: "Match rates", Head: []string{"records of → linked to", "records", "linked", "rate"}, Num: []bool{false, true, true, true}}
	if nd == 1 {
		s.Intro = "The share of records found to have at least one duplicate in the same dataset."
		es := entitySizes(o)
		n := 0
		for i := range o.Records {
			if es[o.Entity[i]] > 1 {
				n++
			}
		}
		rate := float64(n) / float64(max(1, len(o.Records)))
		labels, values = append(labels, names[0]), append(values, rate)
		t.Rows = append(t.Rows, []string{names[0] + " (duplicates)", fmtCount(float64(len(o.Records))), fmtCount(float64(n)), fmtPct(rate)})
	} else {
		s.Intro = "For each two datasets, the share of one dataset's records whose person (entity) also has a record in the other. " +
			"This can be a little higher than the direct-link rates pprl match prints: a record can reach the other dataset through a " +
			"third record of the same person (a duplicate, or a record in another agency) without a direct link of its own. " +
			"A low rate is not necessarily a problem: it depends on how many of the same people both agencies really hold."
		count := make([][]int, nd)
		for a := range count {
			count[a] = make([]int, nd)
		}
		for i, r := range o.Records {
			a := dsNum[r.Dataset]
			for b := range present[o.Entity[i]] {
				if b != a {
					count[a][b]++
				}
			}
		}
		for a := 0; a < nd; a++ {
			for b := 0; b < nd; b++ {
				if a == b {
					continue
				}
				rate := float64(count[a][b]) / float64(max(1, sizes[names[a]]))
				labels = append(labels, names[a]+" → "+names[b])
				values = append(values, rate)
				t.Rows = append(t.Rows, []string{names[a] + " → " + names[b], fmtCount(float64(sizes[names[a]])), fmtCount(float64(count[a][b])), fmtPct(rate)})
			}
		}
	}
	s.Charts = append(s.Charts, barChart("chart-rates", "Share of records linked, by dataset pair",
		"Horizontal bars: for each dataset and each other dataset, the percentage of its records linked to that other dataset.", labels, values, true))
	s.Tables = append(s.Tables, t)
	return s
}

func qualitySection(res *evaluate.Result) Section {
	s := Section{ID: "quality", Title: "Linkage quality against the ground truth"}
	s.Intro = "Recall by dataset pair: of the pairs of records that truly belong to the same person, the share that ended up in the same entity. " +
		"Precision: of the pairs placed in the same entity, the share that truly are the same person."
	var labels []string
	var values []float64
	t := &Table{Caption: "Quality by dataset pair", Head: []string{"datasets", "true pairs", "found", "recall", "precision", "F1"}, Num: []bool{false, true, true, true, true, true}}
	for _, g := range res.ByDatasetPair {
		labels, values = append(labels, g.Group), append(values, g.Recall)
		t.Rows = append(t.Rows, []string{g.Group, fmtCount(float64(g.TruePairs)), fmtCount(float64(g.Found)), fmtPct(g.Recall), fmtPct(g.Precision), fmt.Sprintf("%.3f", g.F1)})
	}
	if len(labels) > 0 {
		s.Charts = append(s.Charts, barChart("chart-recall-pairs", "Recall by dataset pair", "Horizontal bars: recall of the true pairs between each two datasets.", labels, values, true))
	}
	s.Tables = append(s.Tables, t)
	c, b := res.Clusters, res.Blocking
	ct := &Table{Caption: "Entities compared with the true people", Head: []string{"measure", "value"}, Num: []bool{false, true}}
	ct.Rows = [][]string{
		{"entities", fmtCount(float64(c.Entities))},
		{"true people with 2+ records", fmtCount(float64(c.LinkablePeople))},
		{"…found exactly (one entity, nothing else in it)", fmt.Sprintf("%s (%s)", fmtCount(float64(c.ExactPeople)), fmtPct(c.ExactRate))},
		{"people split over 2+ entities", fmtCount(float64(c.SplitPeople))},
		{"entities merging 2+ people", fmtCount(float64(c.MergedEntities))},
		{"B-cubed precision", fmt.Sprintf("%.4f", c.BCubedPrecision)},
		{"B-cubed recall", fmt.Sprintf("%.4f", c.BCubedRecall)},
	}
	if b.Candidates >= 0 {
		ct.Rows = append(ct.Rows, []string{"blocking: reduction ratio", fmt.Sprintf("%.6f", b.ReductionRatio)})
	}
	pc := fmtPct(b.PairsCompleteness)
	if !b.Exact {
		pc = "at least " + pc
	}
	ct.Rows = append(ct.Rows, []string{"blocking: pairs completeness", pc})
	s.Tables = append(s.Tables, ct)
	return s
}

func subgroupRecallSection(res *evaluate.Result) *Section {
	groups := append([]evaluate.Subgroup{{Column: "dataset", Groups: res.ByDataset}}, res.BySubgroup...)
	s := Section{ID: "subgroups", Title: "Recall by subgroup"}
	s.Intro = "Is the linkage worse for some groups of people than for others? For each group, the share of its true pairs that were found. " +
		"A pair belongs to a group when both of its records do. Small groups give unsteady figures: look at the number of pairs too."
	t := &Table{Caption: "Recall by subgroup", Head: []string{"subgroup", "value", "true pairs", "found", "recall"}, Num: []bool{false, false, true, true, true}}
	var all []string
	for _, sg := range groups {
		for _, g := range sg.Groups {
			all = append(all, g.Group)
		}
	}
	for _, sg := range groups {
		if len(sg.Groups) == 0 {
			continue
		}
		var labels []string
		var values []float64
		for _, g := range sg.Groups {
			labels, values = append(labels, g.Group), append(values, g.Recall)
			t.Rows = append(t.Rows, []string{sg.Column, g.Group, fmtCount(float64(g.TruePairs)), fmtCount(float64(g.Found)), fmtPct(g.Recall)})
		}
		s.Charts = append(s.Charts, barChart("chart-recall-"+sg.Column, "Recall by "+strings.ReplaceAll(sg.Column, "_", " "),
			"Horizontal bars: recall of true pairs for each value of "+sg.Column+".", labels, values, true, all...))
	}
	if len(s.Charts) == 0 {
		return nil
	}
	s.Tables = append(s.Tables, t)
	return &s
}

// attrSection shows, for each coarse report attribute carried in
// entities.parquet, the share of records linked to at least one other.
func attrSection(o *evaluate.Outputs) *Section {
	if len(o.Attrs) == 0 {
		return nil
	}
	var names []string
	for n := range o.Attrs {
		names = append(names, n)
	}
	sort.Strings(names)
	es := entitySizes(o)
	var all []string // every label, so that the charts line up
	for _, n := range names {
		for _, v := range o.Attrs[n] {
			if len(v) > len(all) {
				all = append(all[:0], v)
			}
		}
	}
	all = append(all, "(missing)")
	s := Section{ID: "attributes", Title: "Share of records linked, by report attribute"}
	s.Intro = "Coarse attributes that agencies chose to send with their token files for reporting. For each value, the share of records linked to at least one other record."
	t := &Table{Caption: "Linked share by attribute", Head: []string{"attribute", "value", "records", "linked", "share"}, Num: []bool{false, false, true, true, true}}
	for _, n := range names {
		total, link := map[string]int{}, map[string]int{}
		for i, v := range o.Attrs[n] {
			if v == "" {
				v = "(missing)"
			}
			total[v]++
			if es[o.Entity[i]] > 1 {
				link[v]++
			}
		}
		if len(total) > 30 {
			continue
		}
		var vals []string
		for v := range total {
			vals = append(vals, v)
		}
		sort.Slice(vals, func(i, j int) bool { // "(missing)" last
			if (vals[i] == "(missing)") != (vals[j] == "(missing)") {
				return vals[j] == "(missing)"
			}
			return vals[i] < vals[j]
		})
		var labels []string
		var values []float64
		for _, v := range vals {
			r := float64(link[v]) / float64(total[v])
			labels, values = append(labels, v), append(values, r)
			t.Rows = append(t.Rows, []string{n, v, fmtCount(float64(total[v])), fmtCount(float64(link[v])), fmtPct(r)})
		}
		s.Charts = append(s.Charts, barChart("chart-attr-"+n, "Share linked by "+strings.ReplaceAll(n, "_", " "),
			"Horizontal bars: share of records linked to another record, for each value of "+n+".", labels, values, true, all...))
	}
	if len(s.Charts) == 0 {
		return nil
	}
	s.Tables = append(s.Tables, t)
	return &s
}

func sizeSection(sizes []int) Section {
	s := Section{ID: "entity-sizes", Title: "Entity sizes"}
	s.Intro = "How many records each entity (each person found) holds. Size 1 means a record linked to nothing else; " +
		"in a linkage across agencies, an entity can hold at most one record per dataset unless duplicates were allowed."
	count := map[int]int{}
	maxS := 0
	for _, n := range sizes {
		count[n]++
		maxS = max(maxS, n)
	}
	const sizeCap = 10
	var labels []string
	var values []float64
	t := &Table{Caption: "Entities by size", Head: []string{"records in the entity", "entities"}, Num: []bool{true, true}}
	for n := 1; n <= min(maxS, sizeCap); n++ {
		v := count[n]
		l := fmt.Sprint(n)
		if n == sizeCap && maxS > sizeCap {
			v = 0
			for m, c := range count {
				if m >= sizeCap {
					v += c
				}
			}
			l = fmt.Sprintf("%d+", sizeCap)
		}
		labels, values = append(labels, l), append(values, float64(v))
		t.Rows = append(t.Rows, []string{l, fmtCount(float64(v))})
	}
	s.Charts = append(s.Charts, columnChart("chart-sizes", "Number of entities by size",
		"Vertical bars: number of entities holding 1, 2, 3... records.", "records in the entity", labels, values))
	s.Tables = append(s.Tables, t)
	return s
}

// explainSection shows the score of a few candidate pairs taken apart
// (summary.json's "explanations", written by match), in words: each piece
// of evidence, how often matches and non-matches show it, and what it adds.
func explainSection(o *evaluate.Outputs) *Section {
	raw, _ := o.Summary.Raw["explanations"].([]any)
	if len(raw) == 0 {
		return nil
	}
	s := Section{ID: "explain", Title: "How a pair is scored",
		Intro: "Each candidate pair's score adds up its evidence. For every piece, m is how often " +
			"pairs of the same person show it and u how often pairs of different people do; its " +
			"weight is log2(m/u): +10 makes the pair about a thousand times likelier to be one " +
			"person, a negative weight counts against. A token rule one record has no token for " +
			"(a field it lacks) is missing and weighs nothing. The pair is linked when the total " +
			"reaches the threshold (and, between datasets, the solver keeps it as each record's " +
			"best consistent partner). These pairs were picked by their scores, not by who they are."}
	num := func(v any, format string) string {
		f, ok := v.(float64)
		if !ok {
			return ""
		}
		return fmt.Sprintf(format, f)
	}
	for _, x := range raw {
		e, ok := x.(map[string]any)
		if !ok {
			continue
		}
		what, _ := e["what"].(string)
		decision, _ := e["decision"].(string)
		var ds []string
		if d, ok := e["datasets"].([]any); ok {
			for _, n := range d {
				if n, ok := n.(string); ok {
					ds = append(ds, n)
				}
			}
		}
		t := &Table{Caption: fmt.Sprintf("%s (%s): score %s against threshold %s, %s", strings.ToUpper(what[:min(1, len(what))])+what[min(1, len(what)):],
			strings.Join(ds, " – "), num(e["score"], "%.2f"), num(e["threshold"], "%.2f"), decision),
			Head: []string{"evidence", "m (same person)", "u (different people)", "weight", "running total"},
			Num:  []bool{false, true, true, true, true}}
		steps, _ := e["steps"].([]any)
		for _, st := range steps {
			m, ok := st.(map[string]any)
			if !ok {
				continue
			}
			ev, _ := m["evidence"].(string)
			t.Rows = append(t.Rows, []string{ev, num(m["m"], "%.3g"), num(m["u"], "%.3g"), num(m["weight"], "%+.2f"), num(m["running_total"], "%.2f")})
		}
		s.Tables = append(s.Tables, t)
	}
	return &s
}

// plainThreshold says how the threshold was chosen without the statistics.
func plainThreshold(method string) string {
	switch {
	case method == "fixed":
		return "It was set by hand for this run."
	case strings.HasPrefix(method, "auto"):
		return "It was chosen from the data itself: the point where a pair of records is as likely to be one person as two, " +
			"given how many true matches the data holds. Between agencies each record keeps only its best partner, so the bar can be low there; " +
			"within one agency, where a record may have several duplicates, a pair must clear a much higher bar."
	}
	return ""
}
