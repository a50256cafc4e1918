package evaluate

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/pprl/pprl/internal/exitcode"
)

// RecordKey names one record of one dataset: the pair that match writes in
// entities.parquet and links.parquet.
type RecordKey struct {
	Dataset  string
	RecordID string
}

// Truth is the ground truth of a linkage: which person each known record
// belongs to, and optional subgroup attributes of each record (age band, sex,
// role...). Records absent from the truth are treated as people of their own.
type Truth struct {
	// Columns names the subgroup attributes, in file order. Attrs of every
	// record has one value per column ("" when blank).
	Columns []string
	Records []TruthRecord
	index   map[RecordKey]int
}

// TruthRecord is one row of the truth.
type TruthRecord struct {
	Key    RecordKey
	Person string
	Attrs  []string
}

// Lookup returns the truth record for k.
func (t *Truth) Lookup(k RecordKey) (TruthRecord, bool) {
	i, ok := t.index[k]
	if !ok {
		return TruthRecord{}, false
	}
	return t.Records[i], true
}

// Len returns the number of records the truth knows.
func (t *Truth) Len() int { return len(t.Records) }

// add appends r; callers guarantee that its key is new.
func (t *Truth) add(r TruthRecord) {
	if t.index == nil {
		t.index = make(map[RecordKey]int)
	}
	t.index[r.Key] = len(t.Records)
	t.Records = append(t.Records, r)
}

// The columns a truth CSV must have.
const (
	colDataset  = "dataset"
	colRecordID = "record_id"
	colPersonID = "person_id"
)

// ReadTruth reads a truth CSV such as the truth.csv that `pprl synth` writes:
// a header with at least dataset, record_id and person_id (any order, any
// case); every other column is a subgroup attribute (role, sex, age_band...).
// Errors name the row (1-based data row, header not counted) and the column,
// never a value.
func ReadTruth(r io.Reader) (*Truth, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, exitcode.Inputf("truth file is empty: expected a header with dataset, record_id and person_id")
	}
	if err != nil {
		return nil, exitcode.AsInput(fmt.Errorf("truth header: %w", csvErr(err)))
	}
	idx := map[string]int{}
	var t Truth
	var attrCols []int
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := idx[name]; dup {
			return nil, exitcode.Inputf("truth header: column %q appears twice", name)
		}
		idx[name] = i
		switch name {
		case colDataset, colRecordID, colPersonID:
		default:
			t.Columns = append(t.Columns, name)
			attrCols = append(attrCols, i)
		}
	}
	for _, c := range []string{colDataset, colRecordID, colPersonID} {
		if _, ok := idx[c]; !ok {
			return nil, exitcode.Inputf("truth header: no %q column (need dataset, record_id, person_id; for a FEBRL-style i,j pair list use --truth-format pairs)", c)
		}
	}
	iD, iR, iP := idx[colDataset], idx[colRecordID], idx[colPersonID]
	for row := 1; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, exitcode.AsInput(fmt.Errorf("truth row %d: %w", row, csvErr(err)))
		}
		k := RecordKey{Dataset: strings.TrimSpace(rec[iD]), RecordID: strings.TrimSpace(rec[iR])}
		p := strings.TrimSpace(rec[iP])
		switch {
		case k.Dataset == "":
			return nil, exitcode.Inputf("truth row %d, column %q: empty", row, colDataset)
		case k.RecordID == "":
			return nil, exitcode.Inputf("truth row %d, column %q: empty", row, colRecordID)
		case p == "":
			return nil, exitcode.Inputf("truth row %d, column %q: empty", row, colPersonID)
		}
		if first, dup := t.index[k]; dup { // record i came from row i+1
			return nil, exitcode.Inputf("truth row %d: dataset and record_id repeat row %d; each record must appear once", row, first+1)
		}
		attrs := make([]string, len(attrCols))
		for j, c := range attrCols {
			attrs[j] = strings.TrimSpace(rec[c])
		}
		t.add(TruthRecord{Key: k, Person: p, Attrs: attrs})
	}
	if len(t.Records) == 0 {
		return nil, exitcode.Inputf("truth file has a header but no rows")
	}
	return &t, nil
}

// csvErr strips the record text that encoding/csv may quote in a parse error
// (it never does today, but ParseError.Err is all we need).
func csvErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("line %d, column %d: %w", pe.Line, pe.Column, pe.Err)
	}
	return err
}

// PairFormat describes a FEBRL-style truth pair list: one "i,j" line per true
// match, i and j being 0-based data-row indices (header not counted) into the
// extracts of DatasetA and DatasetB. For deduplication of one extract,
// DatasetB is "" (or equal to DatasetA) and both indices refer to it.
type PairFormat struct {
	DatasetA, DatasetB string
	// IDsA and IDsB map a row index to the record_id that tokenize gave the
	// row (see ReadRowIDs). When nil, the record_id is the 1-based row number
	// (i+1 in decimal), which is what tokenize uses when the input mapping
	// names no record ID column.
	IDsA, IDsB []string
}

// ReadTruthPairs reads a FEBRL-style pair list. People are the connected
// groups of the pairs (so a-b and b-c make one person a, b, c); records that
// are in no pair are people of their own. An optional header line ("i,j") is
// skipped.
func ReadTruthPairs(r io.Reader, f PairFormat) (*Truth, error) {
	if f.DatasetA == "" {
		return nil, exitcode.Inputf("a pair-list truth needs the dataset names (--pair-datasets A,B, or A alone for deduplication)")
	}
	if f.DatasetB == "" {
		f.DatasetB = f.DatasetA
		if f.IDsB == nil {
			f.IDsB = f.IDsA
		}
	}
	cr := csv.NewReader(bufio.NewReader(r))
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	var keys []RecordKey
	index := map[RecordKey]int{}
	var parent []int
	find := func(x int) int {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	node := func(k RecordKey) int {
		if i, ok := index[k]; ok {
			return i
		}
		index[k] = len(keys)
		keys = append(keys, k)
		parent = append(parent, len(parent))
		return len(keys) - 1
	}
	idOf := func(row int, col string, s string, ids []string, ds string) (RecordKey, error) {
		s = strings.TrimSpace(s)
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return RecordKey{}, exitcode.Inputf("truth row %d, column %s: not a non-negative row index", row, col)
		}
		if ids == nil {
			return RecordKey{ds, strconv.Itoa(n + 1)}, nil
		}
		if n >= len(ids) {
			return RecordKey{}, exitcode.Inputf("truth row %d, column %s: row index %d is beyond the extract's %d rows", row, col, n, len(ids))
		}
		return RecordKey{ds, ids[n]}, nil
	}
	pairs := 0
	for line := 0; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, exitcode.AsInput(fmt.Errorf("truth line %d: %w", line+1, csvErr(err)))
		}
		if line == 0 && len(rec) >= 1 {
			if _, err := strconv.Atoi(strings.TrimSpace(rec[0])); err != nil {
				continue // header
			}
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		row := pairs + 1
		if len(rec) != 2 {
			return nil, exitcode.Inputf("truth row %d: want 2 fields (i,j), got %d", row, len(rec))
		}
		a, err := idOf(row, "i", rec[0], f.IDsA, f.DatasetA)
		if err != nil {
			return nil, err
		}
		b, err := idOf(row, "j", rec[1], f.IDsB, f.DatasetB)
		if err != nil {
			return nil, err
		}
		if a == b {
			return nil, exitcode.Inputf("truth row %d: a record paired with itself", row)
		}
		ra, rb := find(node(a)), find(node(b))
		if ra != rb {
			if ra < rb {
				parent[rb] = ra
			} else {
				parent[ra] = rb
			}
		}
		pairs++
	}
	if pairs == 0 {
		return nil, exitcode.Inputf("truth pair list has no pairs")
	}
	t := &Truth{}
	for i, k := range keys {
		// The person is named after its smallest node, which is stable for a
		// given file.
		t.add(TruthRecord{Key: k, Person: "p" + strconv.Itoa(find(i))})
	}
	return t, nil
}

// ReadRowIDs reads the record IDs of an extract in row order from its column
// named column (a CSV with a header), so that a pair list's row indices can be
// turned into the record_ids that tokenize wrote.
func ReadRowIDs(r io.Reader, column string) ([]string, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, exitcode.Inputf("extract is empty")
	}
	if err != nil {
		return nil, exitcode.AsInput(fmt.Errorf("extract header: %w", csvErr(err)))
	}
	col := -1
	for i, h := range header {
		if strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")) == column {
			col = i
			break
		}
	}
	if col < 0 {
		return nil, exitcode.Inputf("extract header: no column %q", column)
	}
	var ids []string
	for row := 1; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, exitcode.AsInput(fmt.Errorf("extract row %d: %w", row, csvErr(err)))
		}
		ids = append(ids, strings.TrimSpace(rec[col]))
	}
	return ids, nil
}
