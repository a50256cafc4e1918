package table

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/pprl/pprl/internal/exitcode"
	"github.com/pprl/pprl/internal/pqguard"
)

// parquetReader streams a Parquet file in record batches with pqarrow.
// Memory is bounded by the batch size and one page buffer per column:
// pages are read through a buffered stream rather than whole column chunks.
type parquetReader struct {
	name   string
	f      *os.File
	pf     *file.Reader
	rr     pqarrow.RecordReader
	header []string
	opts   Options
	row    int64
	done   atomic.Int64 // row, readable from other goroutines
	err    error
}

func newParquet(f *os.File, size int64, name string, opts Options) (r Reader, err error) {
	defer pqguard.Recover(&err, "%s is not a valid Parquet file (truncated or corrupt)", name)
	props := parquet.NewReaderProperties(memory.DefaultAllocator)
	props.BufferedStreamEnabled = true
	props.BufferSize = 1 << 20
	pf, err := file.NewParquetReader(f, file.WithReadProps(props))
	if err != nil {
		return nil, exitcode.Inputf("%s is not a valid Parquet file (truncated or corrupt): %v", name, err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: int64(opts.BatchSize)}, memory.DefaultAllocator)
	if err != nil {
		pf.Close()
		return nil, exitcode.Inputf("%s: cannot read the Parquet schema: %v", name, err)
	}
	sc, err := fr.Schema()
	if err != nil {
		pf.Close()
		return nil, exitcode.Inputf("%s: cannot read the Parquet schema: %v", name, err)
	}
	p := &parquetReader{name: name, f: f, pf: pf, opts: opts}
	for _, fld := range sc.Fields() {
		if !supported(fld.Type) {
			pf.Close()
			return nil, exitcode.Inputf("%s: column %q has type %s, which pprl cannot read as text; use strings, integers, dates or timestamps", name, fld.Name, fld.Type)
		}
		p.header = append(p.header, fld.Name)
	}
	if pf.NumRows() == 0 || pf.NumRowGroups() == 0 {
		p.err = io.EOF
		return p, nil
	}
	rr, err := fr.GetRecordReader(context.Background(), nil, nil)
	if err != nil {
		pf.Close()
		return nil, exitcode.Inputf("%s: %v", name, err)
	}
	p.rr = rr
	return p, nil
}

func (p *parquetReader) Header() []string { return p.header }

func (p *parquetReader) Progress() (done, total int64) { return p.done.Load(), p.pf.NumRows() }

func (p *parquetReader) Close() error {
	if p.rr != nil {
		p.rr.Release()
		p.rr = nil
	}
	return p.pf.Close() // closes the file too
}

func (p *parquetReader) Next() (b *Batch, err error) {
	if p.err != nil {
		return nil, p.err
	}
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, exitcode.Inputf("%s: after row %d: Parquet data is truncated or corrupt", p.name, p.row)
			p.err = err
		}
	}()
	rec, err := p.rr.Read()
	if err == io.EOF {
		p.err = io.EOF
		return nil, io.EOF
	}
	if err != nil {
		p.err = exitcode.Inputf("%s: after row %d: Parquet data is truncated or corrupt: %v", p.name, p.row, err)
		return nil, p.err
	}
	n := int(rec.NumRows())
	if n == 0 {
		return p.Next()
	}
	ncol := len(p.header)
	// One backing array for the whole batch keeps allocations per batch,
	// not per row.
	cells := make([]string, n*ncol)
	for j := 0; j < ncol; j++ {
		if err := column(rec.Column(j), cells, j, ncol); err != nil {
			err.Row += p.row
			err.Column = p.header[j]
			p.err = inputErr(p.name, err)
			return nil, p.err
		}
	}
	b = &Batch{FirstRow: p.row + 1, Rows: make([][]string, n)}
	for i := range b.Rows {
		b.Rows[i] = cells[i*ncol : (i+1)*ncol : (i+1)*ncol]
		for j, v := range b.Rows[i] {
			if reason := badCell(v, p.opts.MaxFieldBytes, true); reason != "" {
				p.err = inputErr(p.name, &RowError{Row: p.row + int64(i) + 1, Column: p.header[j], Reason: reason})
				return nil, p.err
			}
		}
	}
	p.row += int64(n)
	p.done.Store(p.row)
	return b, nil
}

// supported reports whether column converts t to strings.
func supported(t arrow.DataType) bool {
	switch t := t.(type) {
	case *arrow.StringType, *arrow.LargeStringType, *arrow.StringViewType,
		*arrow.BinaryType, *arrow.LargeBinaryType,
		*arrow.Int8Type, *arrow.Int16Type, *arrow.Int32Type, *arrow.Int64Type,
		*arrow.Uint8Type, *arrow.Uint16Type, *arrow.Uint32Type, *arrow.Uint64Type,
		*arrow.Float32Type, *arrow.Float64Type, *arrow.BooleanType,
		*arrow.Date32Type, *arrow.Date64Type, *arrow.TimestampType,
		*arrow.Decimal128Type, *arrow.Decimal256Type, *arrow.NullType:
		return true
	case *arrow.DictionaryType:
		return supported(t.ValueType)
	}
	return false
}

// binaryColumn writes a binary column's values as strings, refusing one that
// is not UTF-8 text (naming the row, never the bytes).
func binaryColumn(arr interface {
	arrow.Array
	Value(int) []byte
}, cells []string, j, stride int) *RowError {
	for i := 0; i < arr.Len(); i++ {
		if arr.IsValid(i) {
			v := arr.Value(i)
			if !utf8.Valid(v) {
				return &RowError{Row: int64(i + 1), Reason: "not valid UTF-8"}
			}
			cells[i*stride+j] = string(v)
		}
	}
	return nil
}

// column writes arr's values as strings into cells[i*stride+j]. Nulls become
// "". Values are copied: arr's buffers are reused by the next batch.
// Dates are YYYY-MM-DD; timestamps RFC 3339 in UTC.
func column(arr arrow.Array, cells []string, j, stride int) *RowError {
	n := arr.Len()
	set := func(f func(i int) string) {
		for i := 0; i < n; i++ {
			if arr.IsValid(i) {
				cells[i*stride+j] = f(i)
			}
		}
	}
	switch a := arr.(type) {
	case *array.String:
		set(func(i int) string { return strings.Clone(a.Value(i)) })
	case *array.LargeString:
		set(func(i int) string { return strings.Clone(a.Value(i)) })
	case *array.StringView:
		set(func(i int) string { return strings.Clone(a.Value(i)) })
	case *array.Binary:
		return binaryColumn(a, cells, j, stride)
	case *array.LargeBinary:
		return binaryColumn(a, cells, j, stride)
	case *array.Int8:
		set(func(i int) string { return strconv.FormatInt(int64(a.Value(i)), 10) })
	case *array.Int16:
		set(func(i int) string { return strconv.FormatInt(int64(a.Value(i)), 10) })
	case *array.Int32:
		set(func(i int) string { return strconv.FormatInt(int64(a.Value(i)), 10) })
	case *array.Int64:
		set(func(i int) string { return strconv.FormatInt(a.Value(i), 10) })
	case *array.Uint8:
		set(func(i int) string { return strconv.FormatUint(uint64(a.Value(i)), 10) })
	case *array.Uint16:
		set(func(i int) string { return strconv.FormatUint(uint64(a.Value(i)), 10) })
	case *array.Uint32:
		set(func(i int) string { return strconv.FormatUint(uint64(a.Value(i)), 10) })
	case *array.Uint64:
		set(func(i int) string { return strconv.FormatUint(a.Value(i), 10) })
	case *array.Float32:
		set(func(i int) string { return strconv.FormatFloat(float64(a.Value(i)), 'g', -1, 32) })
	case *array.Float64:
		set(func(i int) string { return strconv.FormatFloat(a.Value(i), 'g', -1, 64) })
	case *array.Boolean:
		set(func(i int) string { return strconv.FormatBool(a.Value(i)) })
	case *array.Date32:
		set(func(i int) string { return a.Value(i).ToTime().Format(time.DateOnly) })
	case *array.Date64:
		set(func(i int) string { return a.Value(i).ToTime().UTC().Format(time.DateOnly) })
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		set(func(i int) string { return a.Value(i).ToTime(unit).UTC().Format(time.RFC3339Nano) })
	case *array.Decimal128, *array.Decimal256:
		set(a.ValueStr)
	case *array.Null:
	case *array.Dictionary:
		dict := a.Dictionary()
		vals := make([]string, dict.Len())
		if err := column(dict, vals, 0, 1); err != nil {
			err.Row = 0
			err.Reason = "dictionary: " + err.Reason
			return err
		}
		set(func(i int) string { return vals[a.GetValueIndex(i)] })
	default:
		return &RowError{Row: 1, Reason: fmt.Sprintf("unsupported type %s", arr.DataType())}
	}
	return nil
}
