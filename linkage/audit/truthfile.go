package audit

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/pprl/pprl/internal/exitcode"
	"github.com/pprl/pprl/internal/table"
)

// TruthColumns names the columns of a plaintext extract that hold each
// record's identifier, forename and surname (forename or surname may be
// empty when the extract lacks it).
type TruthColumns struct {
	ID, Forename, Surname string
	// DOB and Sex, optional, give the known-plaintext attack those fields.
	DOB, Sex string
}

// ReadTruth reads the true forenames and surnames of the records recordIDs
// (a token file's record_id column, in order) from a plaintext extract (CSV
// or Parquet; delimiter 0 sniffs it). Records the extract lacks stay
// unknown and are not scored. It is for development and evaluation: it
// holds names in memory only, and its errors name rows and columns, never
// values.
func ReadTruth(path string, delimiter rune, cols TruthColumns, recordIDs []string) (*Truth, error) {
	if cols.ID == "" || (cols.Forename == "" && cols.Surname == "") {
		return nil, exitcode.Inputf("truth %s: need the record ID column and a forename or surname column", path)
	}
	r, err := table.Open(path, table.Options{Delimiter: delimiter})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	idx := map[string]int{}
	for i, h := range r.Header() {
		idx[strings.TrimSpace(h)] = i
	}
	// The columns' indices, -1 for a column not asked for.
	var at [5]int
	for k, name := range []string{cols.ID, cols.Forename, cols.Surname, cols.DOB, cols.Sex} {
		at[k] = -1
		if name == "" {
			continue
		}
		i, ok := idx[name]
		if !ok {
			return nil, exitcode.Inputf("truth %s: no column %q in the header", path, name)
		}
		at[k] = i
	}
	ci, cf, cs, cd, cx := at[0], at[1], at[2], at[3], at[4]
	pos := make(map[string]int, len(recordIDs))
	for i, id := range recordIDs {
		pos[id] = i
	}
	t := &Truth{}
	if cf >= 0 {
		t.Forenames = make([]string, len(recordIDs))
	}
	if cs >= 0 {
		t.Surnames = make([]string, len(recordIDs))
	}
	if cd >= 0 {
		t.DOBs = make([]string, len(recordIDs))
	}
	if cx >= 0 {
		t.Sexes = make([]string, len(recordIDs))
	}
	for {
		b, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("truth %s: %w", path, err)
		}
		for _, row := range b.Rows {
			i, ok := pos[strings.TrimSpace(row[ci])]
			if !ok {
				continue
			}
			if cf >= 0 {
				t.Forenames[i] = row[cf]
			}
			if cs >= 0 {
				t.Surnames[i] = row[cs]
			}
			if cd >= 0 {
				t.DOBs[i] = strings.TrimSpace(row[cd])
			}
			if cx >= 0 {
				t.Sexes[i] = strings.TrimSpace(row[cx])
			}
		}
	}
	return t, nil
}
