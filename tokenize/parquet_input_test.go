package tokenize

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/pprl/pprl/internal/parquettest"
)

// TestTokenizeParquetInput checks that a Parquet extract (dates as date32,
// a null surname) gives the same token file as the same rows in CSV.
func TestTokenizeParquetInput(t *testing.T) {
	dir := t.TempDir()
	type row struct {
		id, first, last, sex string
		dob                  time.Time
	}
	rows := []row{
		{"P1", "Mary", "McDonald", "F", time.Date(2010, 9, 24, 0, 0, 0, 0, time.UTC)},
		{"P2", "Seán", "", "M", time.Date(2012, 2, 3, 0, 0, 0, 0, time.UTC)},
		{"P3", "Ann", "O'Neill", "F", time.Date(2015, 12, 31, 0, 0, 0, 0, time.UTC)},
	}
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "ID", Type: arrow.BinaryTypes.String},
		{Name: "FIRST", Type: arrow.BinaryTypes.String},
		{Name: "LAST", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "BORN", Type: arrow.FixedWidthTypes.Date32},
		{Name: "SEX", Type: arrow.BinaryTypes.String},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	csv := "ID,FIRST,LAST,BORN,SEX\n"
	for _, r := range rows {
		b.Field(0).(*array.StringBuilder).Append(r.id)
		b.Field(1).(*array.StringBuilder).Append(r.first)
		if r.last == "" {
			b.Field(2).AppendNull()
		} else {
			b.Field(2).(*array.StringBuilder).Append(r.last)
		}
		b.Field(3).(*array.Date32Builder).Append(arrow.Date32FromTime(r.dob))
		b.Field(4).(*array.StringBuilder).Append(r.sex)
		csv += r.id + "," + r.first + "," + r.last + "," + r.dob.Format("2006-01-02") + "," + r.sex + "\n"
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	pq := filepath.Join(dir, "extract.parquet")
	if err := parquettest.WriteRecord(pq, rec, nil); err != nil {
		t.Fatal(err)
	}
	m := &Mapping{Version: MappingVersion, RecordID: "ID",
		Columns: map[string]string{"forename": "FIRST", "surname": "LAST", "dob": "BORN", "sex": "SEX"}}
	spec := StarterSpec()
	run := func(input, out string) []byte {
		_, err := Tokenize(context.Background(), Options{
			Schema: &Schema{Native: spec, fingerprint: spec.Fingerprint()}, Mapping: m, Secret: testSecret,
			Dataset: "p", Input: input, Output: out, MaxRejectRate: 0, Created: testCreated,
			Logger: slog.New(slog.DiscardHandler),
		})
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	fromParquet := run(pq, filepath.Join(dir, "a.parquet"))
	fromCSV := run(writeFile(t, dir, "extract.csv", csv), filepath.Join(dir, "b.parquet"))
	if !bytes.Equal(fromParquet, fromCSV) {
		t.Error("a Parquet extract and the same rows in CSV give different token files")
	}
}
