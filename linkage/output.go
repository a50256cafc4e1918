package linkage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/pprl/pprl/internal/exitcode"
	"github.com/pprl/pprl/internal/pqguard"
)

// Output file names inside the output directory.
const (
	LinksFile    = "links.parquet"
	EntitiesFile = "entities.parquet"
	SummaryFile  = "summary.json"
)

// LinksSchema is the Arrow schema of links.parquet (docs/architecture.md).
var LinksSchema = arrow.NewSchema([]arrow.Field{
	{Name: "dataset_a", Type: arrow.BinaryTypes.String},
	{Name: "record_id_a", Type: arrow.BinaryTypes.String},
	{Name: "dataset_b", Type: arrow.BinaryTypes.String},
	{Name: "record_id_b", Type: arrow.BinaryTypes.String},
	{Name: "score", Type: arrow.PrimitiveTypes.Float64},
	{Name: "dice", Type: arrow.PrimitiveTypes.Float64},
	{Name: "rules", Type: arrow.BinaryTypes.String},
	{Name: "evidence", Type: arrow.BinaryTypes.String},
}, nil)

// OptOutRegistersKey is the entities.parquet footer key that records how
// many opt-out registers the run applied ("0" when none), so that a cohort
// can tell "nobody objected" from "objections were not applied".
const OptOutRegistersKey = "pprl.opt_out_registers"

// EntitiesSchema is the Arrow schema of entities.parquet.
var EntitiesSchema = arrow.NewSchema([]arrow.Field{
	{Name: "entity_id", Type: arrow.BinaryTypes.String},
	{Name: "dataset", Type: arrow.BinaryTypes.String},
	{Name: "record_id", Type: arrow.BinaryTypes.String},
	// opted_out: the entity matched an opt-out register (the same on every
	// row of an entity; false on every row when no register was given).
	{Name: "opted_out", Type: arrow.FixedWidthTypes.Boolean},
}, nil)

// dictionaryColumns are the output columns with few distinct values
// (dataset names, rule lists, a flag), which are dictionary-encoded. The
// rest are written plain: a dictionary column falls back to plain encoding
// when its dictionary outgrows the page limit, and the footer then lists
// its encodings in an order that varied between identical runs (seen at
// 300,000 people), so the same rows did not give the same bytes.
var dictionaryColumns = []string{"dataset", "dataset_a", "dataset_b", "rules", "opted_out"}

// parquetProps are fixed so that the same rows give the same bytes.
func parquetProps() (*parquet.WriterProperties, pqarrow.ArrowWriterProperties) {
	opts := []parquet.WriterProperty{
		parquet.WithCompression(compress.Codecs.Zstd),
		parquet.WithCreatedBy("pprl"),
		parquet.WithMaxRowGroupLength(1 << 20),
		parquet.WithDictionaryDefault(false),
	}
	for _, c := range dictionaryColumns {
		opts = append(opts, parquet.WithDictionaryFor(c, true))
	}
	return parquet.NewWriterProperties(opts...), pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema())
}

// rowWriter streams rows into a Parquet file in record batches.
type rowWriter struct {
	fw  *pqarrow.FileWriter
	b   *array.RecordBuilder
	n   int
	err error
}

func newRowWriter(w io.Writer, schema *arrow.Schema) (*rowWriter, error) {
	props, aprops := parquetProps()
	// pqarrow closes a writer that is an io.Closer; the atomic file must stay
	// open until it is committed, so hide Close.
	fw, err := pqarrow.NewFileWriter(schema, struct{ io.Writer }{w}, props, aprops)
	if err != nil {
		return nil, err
	}
	return &rowWriter{fw: fw, b: array.NewRecordBuilder(memory.DefaultAllocator, schema)}, nil
}

// row is called after appending one row to the builder's fields.
func (rw *rowWriter) row() {
	rw.n++
	if rw.n == 1<<16 {
		rw.flush()
	}
}

func (rw *rowWriter) flush() {
	if rw.n == 0 || rw.err != nil {
		return
	}
	rec := rw.b.NewRecordBatch()
	defer rec.Release()
	rw.err = rw.fw.WriteBuffered(rec)
	rw.n = 0
}

func (rw *rowWriter) close() error {
	rw.flush()
	rw.b.Release()
	if err := rw.fw.Close(); rw.err == nil {
		rw.err = err
	}
	return rw.err
}

// createIn creates a new file name in dir (the run's temporary directory).
func createIn(dir, name string) (*os.File, error) {
	return os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// ReadEntities reads a previous run's entities.parquet into a map from
// record to entity ID. Errors are input errors: the file is the user's.
func ReadEntities(path string) (out map[RecordKey]string, err error) {
	// The Parquet reader panics on some corrupt files; a bad file is the
	// user's input, not a crash.
	defer pqguard.Recover(&err, "previous entities %s: not a valid Parquet file (truncated or corrupt): give the entities.parquet that pprl match wrote", path)
	f, err := os.Open(path)
	if err != nil {
		return nil, exitcode.AsInput(fmt.Errorf("previous entities: %w", err))
	}
	defer f.Close()
	rdr, err := file.NewParquetReader(f)
	if err != nil {
		return nil, exitcode.Inputf("previous entities %s: not a readable Parquet file: %w", path, err)
	}
	defer rdr.Close()
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{BatchSize: 1 << 16}, memory.DefaultAllocator)
	if err != nil {
		return nil, exitcode.Inputf("previous entities %s: %w", path, err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		return nil, exitcode.Inputf("previous entities %s: %w", path, err)
	}
	defer tbl.Release()
	cols := map[string]int{}
	for i, fld := range tbl.Schema().Fields() {
		cols[fld.Name] = i
	}
	var idx [3]int
	for k, name := range []string{"entity_id", "dataset", "record_id"} {
		i, ok := cols[name]
		if !ok {
			return nil, exitcode.Inputf("previous entities %s: no column %q (is it a pprl entities.parquet?)", path, name)
		}
		idx[k] = i
	}
	out = make(map[RecordKey]string, tbl.NumRows())
	tr := array.NewTableReader(tbl, 1<<16)
	defer tr.Release()
	row := 0
	for tr.Next() {
		rec := tr.RecordBatch()
		var strs [3]interface {
			Value(int) string
			IsNull(int) bool
			Len() int
		}
		for k := range 3 {
			s, ok := rec.Column(idx[k]).(*array.String)
			if !ok {
				return nil, exitcode.Inputf("previous entities %s: column %d is %s, not a string", path, idx[k], rec.Column(idx[k]).DataType())
			}
			strs[k] = s
		}
		for i := range int(rec.NumRows()) {
			row++
			if strs[0].IsNull(i) || strs[1].IsNull(i) || strs[2].IsNull(i) {
				return nil, exitcode.Inputf("previous entities %s: row %d has a null field", path, row)
			}
			if !isEntityID(strs[0].Value(i)) {
				return nil, exitcode.Inputf("previous entities %s: row %d: entity_id is not an ID pprl match writes (E and 16 hex digits): give the entities.parquet of a previous pprl match run", path, row)
			}
			if strs[1].Value(i) == "" || strs[2].Value(i) == "" {
				return nil, exitcode.Inputf("previous entities %s: row %d has an empty dataset or record_id", path, row)
			}
			key := RecordKey{strs[1].Value(i), strs[2].Value(i)}
			if _, dup := out[key]; dup {
				return nil, exitcode.Inputf("previous entities %s: row %d repeats a record of dataset %q", path, row, key.Dataset)
			}
			out[key] = strs[0].Value(i)
		}
	}
	if err := tr.Err(); err != nil && !errors.Is(err, io.EOF) {
		return nil, exitcode.Inputf("previous entities %s: %w", path, err)
	}
	return out, nil
}

// isEntityID reports whether s has the shape of an entity ID: "E" and 16
// lower-case hex digits (entityID).
func isEntityID(s string) bool {
	if len(s) != 17 || s[0] != 'E' {
		return false
	}
	for _, c := range s[1:] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Write writes links.parquet, entities.parquet and summary.json into dir.
// The directory is written under a temporary name beside it and renamed
// into place only when all three files are complete, so a failed run
// leaves the previous directory (or nothing) behind. An existing dir must
// be empty unless overwrite is set (it is then replaced as a whole, never
// merged into). The Parquet files depend only on the inputs; summary.json
// differs between identical runs only in its "timings" object.
func (r *Result) Write(dir string, overwrite bool, started time.Time, loaded time.Duration) error {
	d, err := CreateOutputDir(dir, overwrite, "output directory")
	if err != nil {
		return err
	}
	defer d.Abort()
	t0 := time.Now()
	// The two files are independent: each is encoded and compressed on its
	// own core (the write stage was 12-14 s at 5.5M records, one core busy).
	var linksErr error
	var wg sync.WaitGroup
	wg.Go(func() { linksErr = r.writeLinks(d.Path()) })
	entitiesErr := r.writeEntities(d.Path())
	wg.Wait()
	if linksErr != nil {
		return fmt.Errorf("write %s: %w", LinksFile, linksErr)
	}
	if entitiesErr != nil {
		return fmt.Errorf("write %s: %w", EntitiesFile, entitiesErr)
	}
	r.Summary.Timings.Load = secs(loaded)
	r.Summary.Timings.Write = secs(time.Since(t0))
	r.Summary.Timings.Total = secs(time.Since(started))
	f, err := createIn(d.Path(), SummaryFile)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := writeJSON(f, &r.Summary); err != nil {
		return fmt.Errorf("write %s: %w", SummaryFile, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", SummaryFile, err)
	}
	return d.Commit()
}

func (r *Result) writeLinks(dir string) error {
	f, err := createIn(dir, LinksFile)
	if err != nil {
		return err
	}
	defer f.Close()
	rw, err := newRowWriter(f, LinksSchema)
	if err != nil {
		return err
	}
	b := rw.b
	rules := r.Datasets[0].Rules
	lists := map[uint16]string{}
	for _, l := range r.Links {
		A, B := r.Datasets[l.DA], r.Datasets[l.DB]
		b.Field(0).(*array.StringBuilder).Append(A.Name)
		b.Field(1).(*array.StringBuilder).Append(A.RecordIDs[l.A])
		b.Field(2).(*array.StringBuilder).Append(B.Name)
		b.Field(3).(*array.StringBuilder).Append(B.RecordIDs[l.B])
		b.Field(4).(*array.Float64Builder).Append(l.Score)
		b.Field(5).(*array.Float64Builder).Append(l.Dice)
		rl, ev := evidence(rules, l, lists)
		b.Field(6).(*array.StringBuilder).Append(rl)
		b.Field(7).(*array.StringBuilder).Append(ev)
		rw.row()
	}
	if err := rw.close(); err != nil {
		return err
	}
	return f.Close()
}

func (r *Result) writeEntities(dir string) error {
	f, err := createIn(dir, EntitiesFile)
	if err != nil {
		return err
	}
	defer f.Close()
	registers := 0
	if r.Summary.OptOut != nil {
		registers = len(r.Summary.OptOut.Registers)
	}
	md := arrow.NewMetadata([]string{OptOutRegistersKey}, []string{strconv.Itoa(registers)})
	rw, err := newRowWriter(f, arrow.NewSchema(EntitiesSchema.Fields(), &md))
	if err != nil {
		return err
	}
	b := rw.b
	for _, e := range r.Entities {
		for _, m := range e.Members {
			b.Field(0).(*array.StringBuilder).Append(e.ID)
			b.Field(1).(*array.StringBuilder).Append(m.Dataset)
			b.Field(2).(*array.StringBuilder).Append(m.RecordID)
			b.Field(3).(*array.BooleanBuilder).Append(e.OptedOut)
			rw.row()
		}
	}
	if err := rw.close(); err != nil {
		return err
	}
	return f.Close()
}
