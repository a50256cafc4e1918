package evaluate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/pprl/pprl/internal/exitcode"
	"github.com/pprl/pprl/internal/pqguard"
)

// The files of a match output directory.
const (
	LinksFile      = "links.parquet"
	EntitiesFile   = "entities.parquet"
	SummaryFile    = "summary.json"
	CandidatesFile = "candidates.parquet" // optional: every scored candidate pair
)

// Outputs is what `pprl match -o OUTDIR` wrote, loaded for evaluation and
// reporting. Records are numbered 0..len(Records)-1 in entities.parquet order.
type Outputs struct {
	Dir     string
	Records []RecordKey
	// Entity[i] is the entity number of record i; EntityIDs[n] its entity_id.
	Entity    []int32
	EntityIDs []string
	// Attrs holds the coarse report attributes (attr_<name> columns of
	// entities.parquet, when match carries them), name without the attr_
	// prefix → one value per record.
	Attrs map[string][]string
	Links []Link
	// Candidates holds every scored candidate pair when candidates.parquet
	// exists (match writes it only on request), else nil.
	Candidates []Link
	Summary    Summary
	index      map[RecordKey]int32
}

// Link is one scored pair of records (by record number).
type Link struct {
	A, B  int32
	Score float64
	Dice  float64
}

// Index returns the record number of k.
func (o *Outputs) Index(k RecordKey) (int32, bool) {
	i, ok := o.index[k]
	return i, ok
}

// Datasets returns the dataset names of the records, sorted, with their record counts.
func (o *Outputs) Datasets() ([]string, map[string]int) {
	n := map[string]int{}
	for _, r := range o.Records {
		n[r.Dataset]++
	}
	names := make([]string, 0, len(n))
	for d := range n {
		names = append(names, d)
	}
	sort.Strings(names)
	return names, n
}

// LoadOutputs reads entities.parquet, links.parquet and summary.json from dir,
// and candidates.parquet when present. Readers take columns by name and ignore
// any they do not know.
func LoadOutputs(dir string) (*Outputs, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, exitcode.AsInput(fmt.Errorf("match output directory: %w", err))
	}
	if !st.IsDir() {
		return nil, exitcode.Inputf("%s is not a directory: give the OUTDIR that 'pprl match -o' wrote", dir)
	}
	o := &Outputs{Dir: dir, Attrs: map[string][]string{}, index: map[RecordKey]int32{}}
	if o.Summary, err = ReadSummary(filepath.Join(dir, SummaryFile)); err != nil {
		return nil, err
	}
	if err := o.readEntities(filepath.Join(dir, EntitiesFile)); err != nil {
		return nil, err
	}
	if o.Links, err = o.readLinks(filepath.Join(dir, LinksFile), true); err != nil {
		return nil, err
	}
	if o.Candidates, err = o.readLinks(filepath.Join(dir, CandidatesFile), false); err != nil {
		return nil, err
	}
	return o, nil
}

// parquetColumns opens path and streams record batches of the named columns
// (and of every column whose name starts with one of prefixes) to fn, which
// gets the batch and the column position of each wanted name (-1 if absent).
func parquetColumns(path string, required, optional, prefixes []string, fn func(rec arrow.RecordBatch, col map[string]int) error) (err error) {
	name := filepath.Base(path)
	defer pqguard.Recover(&err, "%s: not a valid Parquet file (truncated or corrupt); give the directory 'pprl match' wrote", name)
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return exitcode.AsInput(fmt.Errorf("%s: %w", name, fs.ErrNotExist))
		}
		return exitcode.AsInput(fmt.Errorf("%s: not a readable Parquet file: %w", name, err))
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 64 << 10}, memory.DefaultAllocator)
	if err != nil {
		return exitcode.AsInput(fmt.Errorf("%s: %w", name, err))
	}
	sc, err := fr.Schema()
	if err != nil {
		return exitcode.AsInput(fmt.Errorf("%s: %w", name, err))
	}
	var cols []int
	var names []string
	want := func(n string) bool {
		for _, p := range prefixes {
			if strings.HasPrefix(n, p) {
				return true
			}
		}
		for _, w := range required {
			if w == n {
				return true
			}
		}
		for _, w := range optional {
			if w == n {
				return true
			}
		}
		return false
	}
	for i, f := range sc.Fields() {
		if want(f.Name) {
			if f.Type.ID() == arrow.STRUCT || f.Type.ID() == arrow.LIST || f.Type.ID() == arrow.MAP {
				return exitcode.Inputf("%s: column %q is nested; expected a plain column", name, f.Name)
			}
			cols = append(cols, i)
			names = append(names, f.Name)
		}
	}
	for _, w := range required {
		found := false
		for _, n := range names {
			found = found || n == w
		}
		if !found {
			return exitcode.Inputf("%s: no column %q (is this a 'pprl match' output directory?)", name, w)
		}
	}
	// Leaf and field indices agree for flat schemas; reject anything else above.
	leaves := make([]int, len(cols))
	for i, n := range names {
		leaves[i] = fr.ParquetReader().MetaData().Schema.ColumnIndexByName(n)
		if leaves[i] < 0 {
			return exitcode.Inputf("%s: column %q is not a leaf column", name, n)
		}
	}
	rr, err := fr.GetRecordReader(context.Background(), leaves, nil)
	if err != nil {
		return exitcode.AsInput(fmt.Errorf("%s: %w", name, err))
	}
	defer rr.Release()
	for rr.Next() {
		rec := rr.RecordBatch()
		pos := map[string]int{}
		for _, w := range append(append([]string{}, required...), optional...) {
			pos[w] = -1
		}
		for i, f := range rec.Schema().Fields() {
			pos[f.Name] = i
		}
		if err := fn(rec, pos); err != nil {
			return err
		}
	}
	if err := rr.Err(); err != nil {
		return exitcode.AsInput(fmt.Errorf("%s: %w", name, err))
	}
	return nil
}

// stringColumn returns a function giving the string at row i of a (utf8,
// large_utf8, string_view or a dictionary of those), and whether it is valid.
func stringColumn(a arrow.Array) (func(i int) (string, bool), error) {
	switch c := a.(type) {
	case *array.String:
		return func(i int) (string, bool) { return c.Value(i), c.IsValid(i) }, nil
	case *array.LargeString:
		return func(i int) (string, bool) { return c.Value(i), c.IsValid(i) }, nil
	case *array.StringView:
		return func(i int) (string, bool) { return c.Value(i), c.IsValid(i) }, nil
	case *array.Binary:
		return func(i int) (string, bool) { return string(c.Value(i)), c.IsValid(i) }, nil
	case *array.Dictionary:
		dict, err := stringColumn(c.Dictionary())
		if err != nil {
			return nil, err
		}
		return func(i int) (string, bool) {
			if !c.IsValid(i) {
				return "", false
			}
			return dict(c.GetValueIndex(i))
		}, nil
	}
	return nil, fmt.Errorf("type %s, want a string", a.DataType())
}

// floatColumn is stringColumn for float32/float64.
func floatColumn(a arrow.Array) (func(i int) (float64, bool), error) {
	switch c := a.(type) {
	case *array.Float64:
		return func(i int) (float64, bool) { return c.Value(i), c.IsValid(i) }, nil
	case *array.Float32:
		return func(i int) (float64, bool) { return float64(c.Value(i)), c.IsValid(i) }, nil
	}
	return nil, fmt.Errorf("type %s, want a float", a.DataType())
}

func (o *Outputs) readEntities(path string) error {
	const name = EntitiesFile
	entityNum := map[string]int32{}
	row := 0
	err := parquetColumns(path, []string{"entity_id", "dataset", "record_id"}, nil, []string{"attr_"}, func(rec arrow.RecordBatch, col map[string]int) error {
		get := map[string]func(int) (string, bool){}
		for n, c := range col {
			if c < 0 {
				continue
			}
			f, err := stringColumn(rec.Column(c))
			if err != nil {
				return exitcode.Inputf("%s: column %q: %v", name, n, err)
			}
			get[n] = f
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			row++
			e, okE := get["entity_id"](i)
			d, okD := get["dataset"](i)
			r, okR := get["record_id"](i)
			switch {
			case !okE || e == "":
				return exitcode.Inputf("%s row %d, column %q: missing", name, row, "entity_id")
			case !okD || d == "":
				return exitcode.Inputf("%s row %d, column %q: missing", name, row, "dataset")
			case !okR:
				return exitcode.Inputf("%s row %d, column %q: missing", name, row, "record_id")
			}
			k := RecordKey{d, r}
			if first, dup := o.index[k]; dup {
				return exitcode.Inputf("%s row %d: the record of row %d appears again; each record must be in one entity", name, row, first+1)
			}
			en, ok := entityNum[e]
			if !ok {
				en = int32(len(o.EntityIDs))
				entityNum[e] = en
				o.EntityIDs = append(o.EntityIDs, e)
			}
			o.index[k] = int32(len(o.Records))
			o.Records = append(o.Records, k)
			o.Entity = append(o.Entity, en)
			for n, f := range get {
				if strings.HasPrefix(n, "attr_") {
					v, _ := f(i)
					a := strings.TrimPrefix(n, "attr_")
					o.Attrs[a] = append(o.Attrs[a], v)
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(o.Records) == 0 {
		return exitcode.Inputf("%s has no rows", name)
	}
	return nil
}

// readLinks reads a links-shaped file. A missing optional file gives nil.
func (o *Outputs) readLinks(path string, required bool) ([]Link, error) {
	name := filepath.Base(path)
	if !required {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
	}
	links := []Link{}
	row := 0
	err := parquetColumns(path, []string{"dataset_a", "record_id_a", "dataset_b", "record_id_b", "score"}, []string{"dice"}, nil, func(rec arrow.RecordBatch, col map[string]int) error {
		var get [4]func(int) (string, bool)
		for j, n := range []string{"dataset_a", "record_id_a", "dataset_b", "record_id_b"} {
			f, err := stringColumn(rec.Column(col[n]))
			if err != nil {
				return exitcode.Inputf("%s: column %q: %v", name, n, err)
			}
			get[j] = f
		}
		score, err := floatColumn(rec.Column(col["score"]))
		if err != nil {
			return exitcode.Inputf("%s: column %q: %v", name, "score", err)
		}
		dice := func(int) (float64, bool) { return 0, false }
		if c := col["dice"]; c >= 0 {
			if dice, err = floatColumn(rec.Column(c)); err != nil {
				return exitcode.Inputf("%s: column %q: %v", name, "dice", err)
			}
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			row++
			var s [4]string
			for j := range get {
				s[j], _ = get[j](i)
			}
			a, okA := o.index[RecordKey{s[0], s[1]}]
			b, okB := o.index[RecordKey{s[2], s[3]}]
			if !okA || !okB {
				return exitcode.Inputf("%s row %d: a record that is not in %s (were the files written by the same match run?)", name, row, EntitiesFile)
			}
			if a == b {
				return exitcode.Inputf("%s row %d: a record linked to itself", name, row)
			}
			sc, ok := score(i)
			if !ok {
				return exitcode.Inputf("%s row %d, column %q: missing", name, row, "score")
			}
			d, _ := dice(i)
			if a > b {
				a, b = b, a
			}
			links = append(links, Link{A: a, B: b, Score: sc, Dice: d})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return links, nil
}

// Summary is the part of summary.json that evaluation and the report use.
// Fields are read by name and missing ones stay zero, so that summaries from
// older or newer match versions still load; Raw keeps the whole document.
type Summary struct {
	Inputs    []SummaryInput
	Threshold SummaryThreshold
	// Counts holds every numeric entry of "counts" (candidates, links,
	// entities, merges, splits...).
	Counts map[string]float64
	// Timings holds every numeric entry of "timings" in seconds.
	Timings map[string]float64
	// ScoreHistogram is a histogram of candidate scores when match writes
	// one (keys "score_histogram" or "histogram"), else nil.
	ScoreHistogram []HistogramBin
	Raw            map[string]any
}

// SummaryInput is one input file of the match run.
type SummaryInput struct {
	Dataset string
	Rows    int64
	// Fingerprints holds every string field whose name contains
	// "fingerprint" (schema_fingerprint, secret_fingerprint...).
	Fingerprints map[string]string
	Encoding     string
}

// SummaryThreshold is the decision threshold and how match chose it.
type SummaryThreshold struct {
	Value  float64
	Set    bool // whether summary.json gave a value
	Method string
	Why    string
}

// HistogramBin counts scores in [Lo, Hi).
type HistogramBin struct {
	Lo, Hi float64
	Count  int64
}

// ReadSummary reads summary.json. A missing file is an input error.
func ReadSummary(path string) (Summary, error) {
	var s Summary
	b, err := os.ReadFile(path)
	if err != nil {
		return s, exitcode.AsInput(fmt.Errorf("%s: %w", SummaryFile, unwrapPath(err)))
	}
	if err := json.Unmarshal(b, &s.Raw); err != nil {
		return s, exitcode.Inputf("%s: not valid JSON (%v): give the directory pprl match wrote", SummaryFile, err)
	}
	// Fields are read leniently (older and newer versions), but the file
	// must be a match summary: JSON from elsewhere would give all-zero
	// figures without a word.
	if f, _ := s.Raw["format"].(string); f != "pprl-match-summary" {
		return s, exitcode.Inputf("%s is not a pprl match summary (its \"format\" is not \"pprl-match-summary\"): give the directory pprl match wrote", SummaryFile)
	}
	s.Counts = numbers(s.Raw["counts"])
	s.Timings = numbers(s.Raw["timings"])
	if len(s.Timings) == 0 {
		s.Timings = numbers(s.Raw["timings_s"])
	}
	if ins, ok := s.Raw["inputs"].([]any); ok {
		for _, x := range ins {
			m, ok := x.(map[string]any)
			if !ok {
				continue
			}
			in := SummaryInput{Fingerprints: map[string]string{}}
			in.Dataset, _ = m["dataset"].(string)
			in.Encoding, _ = m["encoding"].(string)
			if r, ok := firstNumber(m, "rows", "records", "encoded"); ok {
				in.Rows = int64(r)
			} else if rm, ok := m["rows"].(map[string]any); ok {
				if r, ok := firstNumber(rm, "encoded", "read"); ok {
					in.Rows = int64(r)
				}
			}
			for k, v := range m {
				if str, ok := v.(string); ok && strings.Contains(k, "fingerprint") {
					in.Fingerprints[k] = str
				}
			}
			s.Inputs = append(s.Inputs, in)
		}
	}
	if len(s.Inputs) == 0 {
		return s, exitcode.Inputf("%s lists no inputs: it is damaged, or not from pprl match", SummaryFile)
	}
	switch t := s.Raw["threshold"].(type) {
	case float64:
		s.Threshold = SummaryThreshold{Value: t, Set: true}
	case map[string]any:
		if v, ok := firstNumber(t, "value", "threshold"); ok {
			s.Threshold.Value, s.Threshold.Set = v, true
		}
		s.Threshold.Method = firstString(t, "method", "how", "chosen", "mode", "chosen_by")
		s.Threshold.Why = firstString(t, "why", "reason", "explanation", "note")
	}
	for _, key := range []string{"score_histogram", "histogram"} {
		if h := histogram(s.Raw[key]); h != nil {
			s.ScoreHistogram = h
			break
		}
	}
	return s, nil
}

// unwrapPath drops the *PathError wrapper so messages name the file once.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func numbers(v any) map[string]float64 {
	out := map[string]float64{}
	m, _ := v.(map[string]any)
	for k, x := range m {
		if f, ok := x.(float64); ok {
			out[k] = f
		}
	}
	return out
}

func firstNumber(m map[string]any, keys ...string) (float64, bool) {
	for _, k := range keys {
		if f, ok := m[k].(float64); ok {
			return f, true
		}
	}
	return 0, false
}

func firstString(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if s, ok := m[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// histogram accepts [{"lo":..,"hi":..,"count":..}] or {"edges":[...],"counts":[...]}.
func histogram(v any) []HistogramBin {
	switch h := v.(type) {
	case []any:
		var out []HistogramBin
		for _, x := range h {
			m, ok := x.(map[string]any)
			if !ok {
				return nil
			}
			lo, ok1 := firstNumber(m, "lo", "low", "from", "min")
			hi, ok2 := firstNumber(m, "hi", "high", "to", "max")
			c, ok3 := firstNumber(m, "count", "n")
			if !ok1 || !ok2 || !ok3 {
				return nil
			}
			out = append(out, HistogramBin{lo, hi, int64(c)})
		}
		return out
	case map[string]any:
		edges, _ := h["edges"].([]any)
		counts, _ := h["counts"].([]any)
		if len(edges) != len(counts)+1 || len(counts) == 0 {
			return nil
		}
		out := make([]HistogramBin, len(counts))
		for i := range counts {
			lo, ok1 := edges[i].(float64)
			hi, ok2 := edges[i+1].(float64)
			c, ok3 := counts[i].(float64)
			if !ok1 || !ok2 || !ok3 {
				return nil
			}
			out[i] = HistogramBin{lo, hi, int64(c)}
		}
		return out
	}
	return nil
}
