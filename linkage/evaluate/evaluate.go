package evaluate

import (
	"fmt"
	"github.com/pprl/pprl/internal/exitcode"
	"math"
	"slices"
	"sort"
	"strings"
)

// Scope says which true pairs count.
type Scope string

// The pair scopes.
const (
	// ScopeAuto counts within-dataset pairs when the run searched within
	// datasets (a deduplication, or link-and-dedupe, match's default) or
	// the outputs themselves put two records of one dataset together; only
	// for a --link-only run does it count cross-dataset pairs alone.
	ScopeAuto Scope = ""
	// ScopeCross counts only pairs of records from different datasets.
	ScopeCross Scope = "cross-dataset"
	// ScopeAll counts every pair, within datasets too.
	ScopeAll Scope = "all"
)

// Options tunes Evaluate.
type Options struct {
	Scope Scope
	// MaxGroups: a subgroup column with more distinct values than this (e.g.
	// birth_year) is left out of the subgroup tables. Zero means 30.
	MaxGroups int
	// CurvePoints is the number of thresholds in Result.Sweep.Curve. Zero
	// means 101.
	CurvePoints int
}

// PairScores are pairwise quality figures. Precision is TruePositives /
// Predicted, Recall is TruePositives / TruePairs, F1 their harmonic mean;
// each is 0 when its denominator is 0.
type PairScores struct {
	TruePairs     int64   `json:"true_pairs"`
	Predicted     int64   `json:"predicted_pairs"`
	TruePositives int64   `json:"true_positives"`
	Precision     float64 `json:"precision"`
	Recall        float64 `json:"recall"`
	F1            float64 `json:"f1"`
}

func scores(truePairs, predicted, tp int64) PairScores {
	s := PairScores{TruePairs: truePairs, Predicted: predicted, TruePositives: tp}
	s.Precision = ratio(tp, predicted)
	s.Recall = ratio(tp, truePairs)
	if s.Precision+s.Recall > 0 {
		s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
	}
	return s
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// ClusterScores compare the entities with the true people, over the records
// in the outputs.
type ClusterScores struct {
	Entities int `json:"entities"`
	People   int `json:"people"` // true people with at least one record in the outputs
	// LinkablePeople have two or more records in the outputs.
	LinkablePeople int `json:"linkable_people"`
	// ExactPeople are linkable people whose records form exactly one entity,
	// with nothing else in it; ExactRate = ExactPeople / LinkablePeople.
	ExactPeople int     `json:"exact_people"`
	ExactRate   float64 `json:"exact_rate"`
	// SplitPeople are people whose records are spread over two or more
	// entities; MergedEntities hold records of two or more people.
	SplitPeople    int `json:"split_people"`
	MergedEntities int `json:"merged_entities"`
	// B-cubed: the mean over records of |E∩P|/|E| (precision) and |E∩P|/|P|
	// (recall), E the record's entity and P its person (in the outputs).
	BCubedPrecision float64 `json:"bcubed_precision"`
	BCubedRecall    float64 `json:"bcubed_recall"`
	BCubedF1        float64 `json:"bcubed_f1"`
}

// Blocking describes the candidate search.
type Blocking struct {
	// Candidates is counts.candidates from summary.json (-1 if absent).
	Candidates int64 `json:"candidates"`
	// ComparisonSpace is the number of pairs an exhaustive comparison of
	// the outputs' records would score, in scope.
	ComparisonSpace int64 `json:"comparison_space"`
	// ReductionRatio is 1 - Candidates/ComparisonSpace (-1 if unknown).
	ReductionRatio float64 `json:"reduction_ratio"`
	// PairsCompleteness is the share of true pairs among the candidates.
	// When match kept no candidates file it is measured on the links and is
	// then a lower bound (Exact false).
	PairsCompleteness float64 `json:"pairs_completeness"`
	Exact             bool    `json:"pairs_completeness_exact"`
	Source            string  `json:"pairs_completeness_source"` // "candidates" or "links"
}

// GroupRecall is recall (and, for dataset pairs, precision) within a group.
type GroupRecall struct {
	Group      string  `json:"group"`
	TruePairs  int64   `json:"true_pairs"`
	Found      int64   `json:"found"` // true pairs in one entity
	Recall     float64 `json:"recall"`
	LinkFound  int64   `json:"links_found"`
	LinkRecall float64 `json:"links_recall"`
	// Predicted pairs and precision: only for dataset pairs.
	Predicted int64   `json:"predicted_pairs,omitempty"`
	Precision float64 `json:"precision,omitempty"`
	F1        float64 `json:"f1,omitempty"`
}

// Subgroup is recall by the values of one truth column.
type Subgroup struct {
	Column string        `json:"column"`
	Groups []GroupRecall `json:"groups"`
}

// SweepRow is quality of the links with score >= Threshold.
type SweepRow struct {
	Threshold float64 `json:"threshold"`
	Links     int64   `json:"links"`
	PairScores
}

// Sweep is the threshold sweep over scored pairs.
type Sweep struct {
	// Source is "candidates" when candidates.parquet was there, else
	// "links": links hold only pairs that passed match's decision, so the
	// sweep then covers thresholds at or above match's own.
	Source    string     `json:"source"`
	Threshold float64    `json:"threshold"` // match's threshold (0 if unknown)
	Rows      []SweepRow `json:"rows"`      // a readable grid, match's threshold included
	Best      SweepRow   `json:"best_f1"`   // the highest F1 over every distinct score
	Curve     []SweepRow `json:"curve"`     // a fine grid, for charts
}

// DatasetInfo counts one dataset's records.
type DatasetInfo struct {
	Dataset string `json:"dataset"`
	// Records in the outputs, truth records, and truth records absent from
	// the outputs (rejected at tokenize or left out of the run).
	Records      int `json:"records"`
	TruthRecords int `json:"truth_records"`
	Missing      int `json:"missing_from_outputs"`
	// NoTruth: records in the outputs that the truth does not know (each is
	// taken as a person of its own).
	NoTruth int `json:"records_without_truth"`
}

// Result is everything `pprl evaluate` reports.
type Result struct {
	Scope    Scope         `json:"scope"`
	Datasets []DatasetInfo `json:"datasets"`
	// Entities scores the entity clustering pairwise: predicted pairs are
	// the pairs of records in one entity.
	Entities PairScores `json:"entities"`
	// Links scores links.parquet as predicted pairs.
	Links         PairScores    `json:"links"`
	Clusters      ClusterScores `json:"clusters"`
	Blocking      Blocking      `json:"blocking"`
	ByDatasetPair []GroupRecall `json:"by_dataset_pair"`
	ByDataset     []GroupRecall `json:"by_dataset"`
	BySubgroup    []Subgroup    `json:"by_subgroup"`
	// ByErrorClass is recall by the kind of error the records carry, when
	// the truth has an ErrorsColumn: a true pair counts for a class when
	// either of its records carries it ("none" when neither carries any).
	ByErrorClass []GroupRecall `json:"recall_by_error_class,omitempty"`
	Sweep        Sweep         `json:"sweep"`
	Notes        []string      `json:"notes"`
}

// Evaluate scores match outputs against the truth. Truth records of datasets
// that are not in the outputs are ignored; truth records of the outputs'
// datasets that are missing from the outputs still count as true pairs
// (recall is end to end, rejects included).
func Evaluate(o *Outputs, t *Truth, opts Options) (*Result, error) {
	if opts.MaxGroups == 0 {
		opts.MaxGroups = 30
	}
	if opts.CurvePoints == 0 {
		opts.CurvePoints = 101
	}
	res := &Result{Notes: []string{}}
	dsNames, _ := o.Datasets()
	dsNum := make(map[string]int32, len(dsNames))
	for i, d := range dsNames {
		dsNum[d] = int32(i)
	}
	nd := len(dsNames)
	infos := make([]DatasetInfo, nd)
	for i, d := range dsNames {
		infos[i].Dataset = d
	}

	// Universe: the outputs' records (0..N-1), then truth records of the
	// same datasets that the outputs lack.
	n := len(o.Records)
	ds := make([]int32, 0, n)
	person := make([]int32, 0, n)
	entity := make([]int32, 0, n)
	truthRow := make([]int32, 0, n) // index into t.Records, -1 if none
	personNum := map[string]int32{}
	nextPerson := int32(0)
	personOf := func(p string) int32 {
		x, ok := personNum[p]
		if !ok {
			x = nextPerson
			nextPerson++
			personNum[p] = x
		}
		return x
	}
	for i, k := range o.Records {
		d := dsNum[k.Dataset]
		ds = append(ds, d)
		entity = append(entity, o.Entity[i])
		infos[d].Records++
		if ti, ok := t.index[k]; ok {
			person = append(person, personOf(t.Records[ti].Person))
			truthRow = append(truthRow, int32(ti))
			infos[d].TruthRecords++
		} else {
			person = append(person, -1) // fixed below
			truthRow = append(truthRow, -1)
			infos[d].NoTruth++
		}
	}
	known := 0
	for _, in := range infos {
		known += in.TruthRecords
	}
	if n > 0 && known == 0 {
		truthDS := map[string]bool{}
		for _, r := range t.Records {
			truthDS[r.Key.Dataset] = true
		}
		return nil, exitcode.Inputf("none of the run's %d records appears in the truth: it does not belong to this run (the run's datasets are %s; the truth's are %s); give the truth of the extracts that were tokenized and matched",
			n, strings.Join(dsNames, ", "), strings.Join(sortedSet(truthDS), ", "))
	}
	nextEntity := int32(len(o.EntityIDs))
	ignored := map[string]int{}
	for ti, r := range t.Records {
		d, ok := dsNum[r.Key.Dataset]
		if !ok {
			ignored[r.Key.Dataset]++
			continue
		}
		if _, in := o.index[r.Key]; in {
			continue
		}
		ds = append(ds, d)
		person = append(person, personOf(r.Person))
		entity = append(entity, nextEntity) // an entity of its own
		nextEntity++
		truthRow = append(truthRow, int32(ti))
		infos[d].TruthRecords++
		infos[d].Missing++
	}
	for i := range person {
		if person[i] < 0 { // unknown to the truth: a person of its own
			person[i] = nextPerson
			nextPerson++
		}
	}
	total := len(ds)
	res.Datasets = infos

	// Scope.
	within := false
	switch opts.Scope {
	case ScopeAll:
		within = true
	case ScopeCross:
	case ScopeAuto:
		mode, _ := o.Summary.Raw["mode"].(string)
		within = nd == 1 || mode == "link-and-dedupe" || outputsPairWithin(o, ds[:n])
	default:
		return nil, fmt.Errorf("evaluate: unknown scope %q", opts.Scope)
	}
	res.Scope = ScopeCross
	if within {
		res.Scope = ScopeAll
	}

	byPerson := func(i int) (key128, bool) { return key128{uint64(person[i]), 0}, true }
	byEntity := func(i int) (key128, bool) { return key128{uint64(entity[i]), 0}, i < n }
	byBoth := func(i int) (key128, bool) { return key128{uint64(entity[i]), uint64(person[i])}, i < n }
	T := pairMatrix(total, byPerson, nil, 1, ds, nd)[0]
	P := pairMatrix(total, byEntity, nil, 1, ds, nd)[0]
	TP := pairMatrix(total, byBoth, nil, 1, ds, nd)[0]
	trueTotal := sumScope(T, within)
	res.Entities = scores(trueTotal, sumScope(P, within), sumScope(TP, within))
	if !within {
		var w int64
		for a := 0; a < nd; a++ {
			w += T[a][a]
		}
		if w > 0 {
			res.Notes = append(res.Notes, fmt.Sprintf("%s within a single dataset not counted (the scope is cross-dataset; --scope all counts them)", plural(int(w), "true pair")))
		}
	}

	// Links as scored pairs.
	links := dedupLinks(o.Links)
	linkTP := make([]bool, len(links))
	var ltp int64
	LT := make([][]int64, nd) // links that are true pairs, by dataset pair
	for a := range LT {
		LT[a] = make([]int64, nd)
	}
	for i, l := range links {
		if person[l.A] == person[l.B] {
			linkTP[i] = true
			ltp++
			a, b := ds[l.A], ds[l.B]
			if a > b {
				a, b = b, a
			}
			LT[a][b]++
		}
	}
	res.Links = scores(trueTotal, int64(len(links)), ltp)

	// By dataset pair and by dataset.
	for a := 0; a < nd; a++ {
		for b := a; b < nd; b++ {
			if a == b && !within {
				continue
			}
			g := GroupRecall{Group: dsNames[a] + " – " + dsNames[b], TruePairs: T[a][b], Found: TP[a][b], LinkFound: LT[a][b], Predicted: P[a][b]}
			s := scores(T[a][b], P[a][b], TP[a][b])
			g.Recall, g.Precision, g.F1 = s.Recall, s.Precision, s.F1
			g.LinkRecall = ratio(LT[a][b], T[a][b])
			res.ByDatasetPair = append(res.ByDatasetPair, g)
		}
	}
	for a := 0; a < nd; a++ {
		g := GroupRecall{Group: dsNames[a]}
		for b := 0; b < nd; b++ {
			x, y := min(a, b), max(a, b)
			if x == y && !within {
				continue
			}
			g.TruePairs += T[x][y]
			g.Found += TP[x][y]
			g.LinkFound += LT[x][y]
		}
		g.Recall, g.LinkRecall = ratio(g.Found, g.TruePairs), ratio(g.LinkFound, g.TruePairs)
		res.ByDataset = append(res.ByDataset, g)
	}

	// By subgroup: a true pair is in group v of a column when both its
	// records have value v there.
	for c, col := range t.Columns {
		if strings.EqualFold(col, ErrorsColumn) {
			res.ByErrorClass = errorClassRecall(t, c, truthRow, person, entity, total, n, ds, nd, within)
			continue
		}
		values := map[string]int32{}
		var names []string
		label := make([]int32, total)
		for i := range label {
			v := ""
			if truthRow[i] >= 0 {
				v = t.Records[truthRow[i]].Attrs[c]
			}
			x, ok := values[v]
			if !ok {
				x = int32(len(names))
				values[v] = x
				names = append(names, v)
			}
			label[i] = x
		}
		if len(names) > opts.MaxGroups {
			res.Notes = append(res.Notes, fmt.Sprintf("subgroup column %q has %d values (more than %d) and is left out", col, len(names), opts.MaxGroups))
			continue
		}
		GT := pairMatrix(total, func(i int) (key128, bool) {
			return key128{uint64(person[i]), uint64(label[i])}, true
		}, label, len(names), ds, nd)
		GF := pairMatrix(total, func(i int) (key128, bool) {
			return key128{uint64(entity[i])<<32 | uint64(uint32(person[i])), uint64(label[i])}, i < n
		}, label, len(names), ds, nd)
		linkFound := make([]int64, len(names))
		for i, l := range links {
			if linkTP[i] && label[l.A] == label[l.B] {
				a, b := ds[l.A], ds[l.B]
				if a != b || within {
					linkFound[label[l.A]]++
				}
			}
		}
		sg := Subgroup{Column: col}
		for v, name := range names {
			g := GroupRecall{Group: name, TruePairs: sumScope(GT[v], within), Found: sumScope(GF[v], within), LinkFound: linkFound[v]}
			if g.Group == "" {
				g.Group = "(blank)"
			}
			if g.TruePairs == 0 {
				continue
			}
			g.Recall, g.LinkRecall = ratio(g.Found, g.TruePairs), ratio(g.LinkFound, g.TruePairs)
			sg.Groups = append(sg.Groups, g)
		}
		sort.Slice(sg.Groups, func(i, j int) bool { return lessNatural(sg.Groups[i].Group, sg.Groups[j].Group) })
		res.BySubgroup = append(res.BySubgroup, sg)
	}

	res.Clusters = clusterScores(n, entity[:n], person[:n], len(o.EntityIDs), int(nextPerson))
	res.Blocking = blocking(o, ds[:n], nd, within, trueTotal, person, res.Links.Recall)
	res.Sweep = sweep(o, links, linkTP, person, trueTotal, opts.CurvePoints)
	if res.Sweep.Source == "links" && len(links) > 0 {
		res.Notes = append(res.Notes, "the threshold sweep uses links.parquet, which holds only pairs that passed match's decision: it covers thresholds at or above match's own, and ignores one-to-one assignment and clustering")
	}

	var noTruth, missing int
	for _, in := range infos {
		noTruth += in.NoTruth
		missing += in.Missing
	}
	if noTruth > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%s in the outputs not in the truth; each counts as a person of its own", plural(noTruth, "record")))
	}
	if missing > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%s of the truth missing from the outputs (rejected at tokenize?); their true pairs count as missed", plural(missing, "record")))
	}
	if len(ignored) > 0 {
		var names []string
		for d := range ignored {
			names = append(names, d)
		}
		sort.Strings(names)
		res.Notes = append(res.Notes, fmt.Sprintf("truth records of datasets not in the outputs are ignored: %s", strings.Join(names, ", ")))
	}
	if trueTotal == 0 {
		res.Notes = append(res.Notes, "the truth has no true pairs among these datasets: recall is undefined (shown as 0)")
	}
	return res, nil
}

// outputsPairWithin reports whether a link or an entity joins two records of
// one dataset; ds holds the dataset number of each output record.
func outputsPairWithin(o *Outputs, ds []int32) bool {
	for _, l := range o.Links {
		if ds[l.A] == ds[l.B] {
			return true
		}
	}
	keys := make([]uint64, len(ds))
	for i := range ds {
		keys[i] = uint64(o.Entity[i])<<32 | uint64(uint32(ds[i]))
	}
	slices.Sort(keys)
	for i := 1; i < len(keys); i++ {
		if keys[i] == keys[i-1] {
			return true
		}
	}
	return false
}

// ErrorsColumn is the truth column (as pprl synth writes it) that lists the
// kinds of error a record carries, joined by '+', blank for a clean record.
const ErrorsColumn = "errors"

// errorClassRecall counts, for every error class in column c of the truth,
// the true pairs where either record carries it and how many of them share
// an entity: all pairs less those where neither record does (pairMatrix
// counts pairs whose records agree on a label, so a binary label per class
// gives the complement). Pairs where neither record carries any class are
// reported as "none".
func errorClassRecall(t *Truth, c int, truthRow, person, entity []int32, total, n int, ds []int32, nd int, within bool) []GroupRecall {
	classes := map[string][]bool{}
	for i := range total {
		if truthRow[i] < 0 {
			continue
		}
		for _, k := range strings.Split(t.Records[truthRow[i]].Attrs[c], "+") {
			if k = strings.TrimSpace(k); k == "" {
				continue
			}
			if classes[k] == nil {
				classes[k] = make([]bool, total)
			}
			classes[k][i] = true
		}
	}
	count := func(carries func(i int) bool) (truePairs, found int64) {
		label := make([]int32, total)
		for i := range label {
			if carries(i) {
				label[i] = 1
			}
		}
		GT := pairMatrix(total, func(i int) (key128, bool) { return key128{uint64(person[i]), uint64(label[i])}, true }, label, 2, ds, nd)
		GF := pairMatrix(total, func(i int) (key128, bool) {
			return key128{uint64(entity[i])<<32 | uint64(uint32(person[i])), uint64(label[i])}, i < n
		}, label, 2, ds, nd)
		return sumScope(GT[0], within), sumScope(GF[0], within)
	}
	allT, allF := count(func(int) bool { return false })
	var out []GroupRecall
	noneT, noneF := count(func(i int) bool {
		for _, has := range classes {
			if has[i] {
				return true
			}
		}
		return false
	})
	if noneT > 0 {
		out = append(out, GroupRecall{Group: "none", TruePairs: noneT, Found: noneF, Recall: ratio(noneF, noneT)})
	}
	names := make([]string, 0, len(classes))
	for k := range classes {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		has := classes[k]
		clearT, clearF := count(func(i int) bool { return has[i] })
		g := GroupRecall{Group: k, TruePairs: allT - clearT, Found: allF - clearF}
		if g.TruePairs == 0 {
			continue
		}
		g.Recall = ratio(g.Found, g.TruePairs)
		out = append(out, g)
	}
	return out
}

// dedupLinks returns links sorted by record pair with repeats of a pair
// removed (keeping the highest score). Link.A < Link.B already.
func dedupLinks(in []Link) []Link {
	links := slices.Clone(in)
	slices.SortFunc(links, func(x, y Link) int {
		if x.A != y.A {
			return int(x.A - y.A)
		}
		if x.B != y.B {
			return int(x.B - y.B)
		}
		switch {
		case x.Score > y.Score:
			return -1
		case x.Score < y.Score:
			return 1
		}
		return 0
	})
	return slices.CompactFunc(links, func(x, y Link) bool { return x.A == y.A && x.B == y.B })
}

// clusterScores compares entities with people over the n output records.
// Entity and person numbers are dense (below nEntities and nPeople), so
// sizes live in slices; the (entity, person) groups come from one sort of
// packed keys instead of a map, which is several times faster at millions
// of records.
func clusterScores(n int, entity, person []int32, nEntities, nPeople int) ClusterScores {
	entSize := make([]int32, nEntities)
	perSize := make([]int32, nPeople)
	keys := make([]uint64, n)
	for i := 0; i < n; i++ {
		entSize[entity[i]]++
		perSize[person[i]]++
		keys[i] = uint64(entity[i])<<32 | uint64(uint32(person[i]))
	}
	slices.Sort(keys)
	groupsOfPerson := make([]int32, nPeople)
	peopleOfEntity := make([]int32, nEntities)
	cs := ClusterScores{}
	var bp, br float64
	for start := 0; start < n; {
		end := start + 1
		for end < n && keys[end] == keys[start] {
			end++
		}
		e, p := int32(keys[start]>>32), int32(uint32(keys[start]))
		c := int32(end - start)
		groupsOfPerson[p]++
		peopleOfEntity[e]++
		// Each of the c records of this group adds c/|E| and c/|P|.
		bp += float64(c) * float64(c) / float64(entSize[e])
		br += float64(c) * float64(c) / float64(perSize[p])
		if perSize[p] >= 2 && c == perSize[p] && c == entSize[e] {
			cs.ExactPeople++
		}
		start = end
	}
	if n > 0 {
		cs.BCubedPrecision, cs.BCubedRecall = bp/float64(n), br/float64(n)
	}
	if cs.BCubedPrecision+cs.BCubedRecall > 0 {
		cs.BCubedF1 = 2 * cs.BCubedPrecision * cs.BCubedRecall / (cs.BCubedPrecision + cs.BCubedRecall)
	}
	for p, size := range perSize {
		if size == 0 {
			continue
		}
		cs.People++
		if size >= 2 {
			cs.LinkablePeople++
			if groupsOfPerson[p] > 1 {
				cs.SplitPeople++
			}
		}
	}
	for e, size := range entSize {
		if size == 0 {
			continue
		}
		cs.Entities++
		if peopleOfEntity[e] > 1 {
			cs.MergedEntities++
		}
	}
	cs.ExactRate = ratio(int64(cs.ExactPeople), int64(cs.LinkablePeople))
	return cs
}

func blocking(o *Outputs, ds []int32, nd int, within bool, trueTotal int64, person []int32, linkRecall float64) Blocking {
	b := Blocking{Candidates: -1, ReductionRatio: -1}
	size := make([]int64, nd)
	for _, d := range ds {
		size[d]++
	}
	for a := 0; a < nd; a++ {
		for c := a; c < nd; c++ {
			if a != c {
				b.ComparisonSpace += size[a] * size[c]
			} else if within {
				b.ComparisonSpace += size[a] * (size[a] - 1) / 2
			}
		}
	}
	if c, ok := o.Summary.Counts["candidates"]; ok {
		b.Candidates = int64(c)
		if b.ComparisonSpace > 0 {
			b.ReductionRatio = 1 - float64(b.Candidates)/float64(b.ComparisonSpace)
		}
	}
	if o.Candidates != nil {
		var tp int64
		for _, l := range dedupLinks(o.Candidates) {
			if person[l.A] == person[l.B] {
				tp++
			}
		}
		b.PairsCompleteness, b.Exact, b.Source = ratio(tp, trueTotal), true, "candidates"
	} else {
		b.PairsCompleteness, b.Exact, b.Source = linkRecall, false, "links"
	}
	return b
}

func sweep(o *Outputs, links []Link, linkTP []bool, person []int32, trueTotal int64, points int) Sweep {
	s := Sweep{Source: "links"}
	if o.Summary.Threshold.Set {
		s.Threshold = o.Summary.Threshold.Value
	}
	type scored struct {
		score float64
		tp    bool
	}
	var pairs []scored
	if o.Candidates != nil {
		s.Source = "candidates"
		for _, l := range dedupLinks(o.Candidates) {
			pairs = append(pairs, scored{l.Score, person[l.A] == person[l.B]})
		}
	} else {
		for i, l := range links {
			pairs = append(pairs, scored{l.Score, linkTP[i]})
		}
	}
	s.Rows, s.Curve = []SweepRow{}, []SweepRow{}
	if len(pairs) == 0 {
		return s
	}
	slices.SortFunc(pairs, func(a, b scored) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return 0
	})
	// cum[i] = true positives among pairs[:i+1]; at threshold t the
	// predicted pairs are the prefix with score >= t.
	cum := make([]int64, len(pairs))
	var c int64
	for i, p := range pairs {
		if p.tp {
			c++
		}
		cum[i] = c
	}
	at := func(t float64) SweepRow {
		k := sort.Search(len(pairs), func(i int) bool { return pairs[i].score < t })
		var tp int64
		if k > 0 {
			tp = cum[k-1]
		}
		return SweepRow{Threshold: t, Links: int64(k), PairScores: scores(trueTotal, int64(k), tp)}
	}
	lo, hi := pairs[len(pairs)-1].score, pairs[0].score
	// Best F1 over every distinct score (the last pair of each run of equal scores).
	for i := range pairs {
		if i+1 < len(pairs) && pairs[i+1].score == pairs[i].score {
			continue
		}
		r := SweepRow{Threshold: pairs[i].score, Links: int64(i + 1), PairScores: scores(trueTotal, int64(i+1), cum[i])}
		if r.F1 > s.Best.F1 || s.Best.Links == 0 {
			s.Best = r
		}
	}
	// Readable grid: a round step giving about 10 rows between lo and hi.
	step := niceStep((hi - lo) / 10)
	var grid []float64
	if step > 0 {
		for x := math.Floor(lo/step) * step; x <= hi+step/2; x += step {
			grid = append(grid, math.Round(x/step)*step)
		}
	} else {
		grid = []float64{lo}
	}
	if o.Summary.Threshold.Set {
		grid = append(grid, s.Threshold)
	}
	slices.Sort(grid)
	grid = slices.Compact(grid)
	for _, t := range grid {
		s.Rows = append(s.Rows, at(t))
	}
	for i := 0; i < points; i++ {
		t := lo
		if points > 1 {
			t = lo + (hi-lo)*float64(i)/float64(points-1)
		}
		s.Curve = append(s.Curve, at(t))
	}
	return s
}

// niceStep rounds x up to 1, 2 or 5 times a power of ten.
func niceStep(x float64) float64 {
	if x <= 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x {
			return m * p
		}
	}
	return 10 * p
}

// lessNatural orders group labels so that "5-9" comes before "10-15".
func lessNatural(a, b string) bool {
	na, oka := leadingInt(a)
	nb, okb := leadingInt(b)
	if oka && okb && na != nb {
		return na < nb
	}
	return a < b
}

func leadingInt(s string) (int, bool) {
	n, digits := 0, 0
	for _, r := range s {
		if r < '0' || r > '9' {
			break
		}
		n = n*10 + int(r-'0')
		digits++
		if digits > 9 {
			break
		}
	}
	return n, digits > 0
}

// plural writes "1 record" or "2 records".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// sortedSet returns the keys of m, sorted.
func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
