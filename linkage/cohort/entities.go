package cohort

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/pprl/pprl/internal/exitcode"
	"github.com/pprl/pprl/internal/pqguard"
	"github.com/pprl/pprl/internal/seal"
	"github.com/pprl/pprl/linkage"
)

// Member is one row of entities.parquet: a record of a dataset and the
// entity it belongs to.
type Member struct {
	EntityID string
	Dataset  string
	RecordID string
	// OptedOut: the entity matched an opt-out register in pprl match
	// (column opted_out, the same on every row of an entity).
	OptedOut bool
}

// entityColumns are the columns of entities.parquet that a cohort reads, as
// docs/architecture.md defines them.
var entityColumns = [3]string{"entity_id", "dataset", "record_id"}

// ReadEntities reads an entities.parquet written by pprl match. Every
// problem is an input error naming the file, the row (1-based) and the
// column, never a value: a missing or unreadable file, a sealed file, a
// missing column, a column that is not a string, a null or empty field, a
// record listed twice.
func ReadEntities(path string) ([]Member, error) {
	ms, _, err := readEntities(path, nil)
	return ms, err
}

// optOutColumn is the optional boolean column of entities.parquet that
// flags opted-out entities; files written before it existed lack it.
const optOutColumn = "opted_out"

// entityStats describes the whole entities file, kept rows or not.
type entityStats struct {
	rows     int             // data rows read
	datasets map[string]bool // every dataset named
	optOuts  bool            // the file has the opted_out column
	// registers is the number of opt-out registers the match applied (its
	// footer's pprl.opt_out_registers); 0 when none or not recorded.
	registers int
}

// readEntities is ReadEntities keeping only the rows of datasets for which
// keep returns true (every row when keep is nil), so that memory grows with
// the datasets a cohort concerns, not with the whole linkage. Records are
// checked for duplicates among the rows kept.
func readEntities(path string, keep func(dataset string) bool) (members []Member, st entityStats, err error) {
	st = entityStats{datasets: map[string]bool{}}
	defer pqguard.Recover(&err, "entities %s: not a valid Parquet file (truncated or corrupt)", path)
	bad := func(format string, args ...any) error {
		return exitcode.Inputf("entities %s: "+format, append([]any{path}, args...)...)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, st, exitcode.AsInput(fmt.Errorf("entities: %w", err))
	}
	defer f.Close()
	var head [len(seal.Magic)]byte
	if n, _ := io.ReadFull(f, head[:]); seal.IsSealed(head[:n]) {
		return nil, st, bad("is sealed; give the entities.parquet that pprl match wrote")
	}
	rdr, err := file.NewParquetReader(f)
	if err != nil {
		return nil, st, bad("not a readable Parquet file (%v); give the entities.parquet that pprl match wrote", err)
	}
	defer rdr.Close()
	if v := rdr.MetaData().KeyValueMetadata().FindValue(linkage.OptOutRegistersKey); v != nil {
		n, err := strconv.Atoi(*v)
		if err != nil || n < 0 {
			return nil, st, bad("footer entry %s is not a count; give the entities.parquet that pprl match wrote", linkage.OptOutRegistersKey)
		}
		st.registers = n
	}
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{BatchSize: 1 << 16}, memory.DefaultAllocator)
	if err != nil {
		return nil, st, bad("%v", err)
	}
	schema, err := fr.Schema()
	if err != nil {
		return nil, st, bad("%v", err)
	}
	var idx [3]int
	for k, name := range entityColumns {
		is := schema.FieldIndices(name)
		if len(is) != 1 {
			return nil, st, bad("needs exactly one column %q (the columns of pprl match's entities.parquet are entity_id, dataset, record_id)", name)
		}
		idx[k] = is[0]
	}
	cols := idx[:]
	if is := schema.FieldIndices(optOutColumn); len(is) == 1 {
		if schema.Field(is[0]).Type.ID() != arrow.BOOL {
			return nil, st, bad("column %q is %s, not a boolean", optOutColumn, schema.Field(is[0]).Type)
		}
		st.optOuts = true
		cols = append(cols, is[0])
	}
	rr, err := fr.GetRecordReader(context.Background(), cols, nil)
	if err != nil {
		return nil, st, bad("%v", err)
	}
	defer rr.Release()
	var out []Member
	type key struct{ dataset, record string }
	seen := map[key]struct{}{}
	// Dataset names repeat on every row: keep one copy of each.
	names := map[string]string{}
	row := 0
	for rr.Next() {
		rec := rr.RecordBatch()
		var cols [3]*array.String
		for k := range cols {
			c, ok := rec.Column(k).(*array.String)
			if !ok {
				return nil, st, bad("column %q is %s, not a string", entityColumns[k], rec.Column(k).DataType())
			}
			cols[k] = c
		}
		var optedOut *array.Boolean
		if st.optOuts {
			optedOut = rec.Column(3).(*array.Boolean)
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			row++
			// Values alias the batch's buffers, which the next batch may
			// reuse: copy what is kept.
			var m [3]string
			for k, c := range cols {
				if c.IsNull(i) || c.Value(i) == "" {
					return nil, st, bad("row %d: column %q is empty", row, entityColumns[k])
				}
				m[k] = c.Value(i)
			}
			ds, ok := names[m[1]]
			if !ok {
				ds = strings.Clone(m[1])
				names[ds] = ds
				st.datasets[ds] = true
			}
			if keep != nil && !keep(ds) {
				continue
			}
			rec := strings.Clone(m[2])
			k := key{ds, rec}
			if _, dup := seen[k]; dup {
				return nil, st, bad("row %d: a record of dataset %q is listed twice (every record belongs to exactly one entity)", row, ds)
			}
			seen[k] = struct{}{}
			if optedOut != nil && optedOut.IsNull(i) {
				return nil, st, bad("row %d: column %q is empty", row, optOutColumn)
			}
			out = append(out, Member{EntityID: strings.Clone(m[0]), Dataset: ds, RecordID: rec,
				OptedOut: optedOut != nil && optedOut.Value(i)})
		}
	}
	if err := rr.Err(); err != nil && !errors.Is(err, io.EOF) {
		return nil, st, bad("row %d: %v", row+1, err)
	}
	st.rows = row
	if row == 0 {
		return nil, st, bad("has no rows")
	}
	return out, st, nil
}
