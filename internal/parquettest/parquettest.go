// Package parquettest writes small Parquet files for tests: inputs that a
// reader under test opens (extracts, entities files, match outputs), built
// with the same Arrow writer any other tool would use. It is imported by
// tests only.
package parquettest

import (
	"fmt"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// WriteRecord writes rec as a new Parquet file at path, with props (nil:
// the library's defaults).
func WriteRecord(path string, rec arrow.RecordBatch, props *parquet.WriterProperties) error {
	if props == nil {
		props = parquet.NewWriterProperties()
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w, err := pqarrow.NewFileWriter(rec.Schema(), f, props, pqarrow.DefaultWriterProps())
	if err != nil {
		f.Close()
		return err
	}
	if err := w.Write(rec); err != nil {
		w.Close()
		return err
	}
	return w.Close() // closes f too
}

// WriteStrings writes rows as a Parquet file at path whose columns are the
// non-null UTF-8 strings named by columns, e.g. an entities.parquet.
func WriteStrings(path string, columns []string, rows [][]string) error {
	fields := make([]arrow.Field, len(columns))
	for i, c := range columns {
		fields[i] = arrow.Field{Name: c, Type: arrow.BinaryTypes.String}
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(fields, nil))
	defer b.Release()
	for r, row := range rows {
		if len(row) != len(columns) {
			return fmt.Errorf("parquettest: row %d has %d values for %d columns", r+1, len(row), len(columns))
		}
		for c, v := range row {
			b.Field(c).(*array.StringBuilder).Append(v)
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	return WriteRecord(path, rec, nil)
}
