package cohort

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"filippo.io/age"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/pprl/pprl/internal/exitcode"
	"github.com/pprl/pprl/internal/pqguard"
	"github.com/pprl/pprl/internal/seal"
)

// mapSchema is the schema of an agency's map: two UTF-8 string columns,
// never null.
var mapSchema = arrow.NewSchema([]arrow.Field{
	{Name: "record_id", Type: arrow.BinaryTypes.String},
	{Name: "study_id", Type: arrow.BinaryTypes.String},
}, nil)

// WriteMap writes rows as Parquet (columns record_id, study_id; zstd) to w.
// The bytes depend only on rows.
func WriteMap(w io.Writer, rows []MapRow) error {
	props := parquet.NewWriterProperties(
		parquet.WithCompression(compress.Codecs.Zstd),
		parquet.WithCreatedBy("pprl"),
		parquet.WithMaxRowGroupLength(1<<20),
		// Both columns are distinct per row: plain encoding, never a
		// dictionary that falls back part way (whose footer statistics
		// come out in varying order), so the bytes depend only on rows.
		parquet.WithDictionaryDefault(false),
	)
	// Hide Close: pqarrow closes a writer that is an io.Closer, and the
	// caller still has to finish the sealed stream.
	fw, err := pqarrow.NewFileWriter(mapSchema, struct{ io.Writer }{w}, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		return err
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, mapSchema)
	defer b.Release()
	rid, sid := b.Field(0).(*array.StringBuilder), b.Field(1).(*array.StringBuilder)
	flush := func() error {
		rec := b.NewRecordBatch()
		defer rec.Release()
		return fw.WriteBuffered(rec)
	}
	for i, r := range rows {
		rid.Append(r.RecordID)
		sid.Append(r.StudyID)
		if (i+1)%(1<<16) == 0 {
			if err := flush(); err != nil {
				fw.Close()
				return err
			}
		}
	}
	if len(rows)%(1<<16) != 0 || len(rows) == 0 {
		if err := flush(); err != nil {
			fw.Close()
			return err
		}
	}
	return fw.Close()
}

// ReadMap reads an agency's map from its unsealed Parquet bytes. Errors
// are input errors and name no value.
func ReadMap(data []byte) (rows []MapRow, err error) {
	defer pqguard.Recover(&err, "cohort map: not a valid Parquet file (truncated or corrupt)")
	rdr, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		return nil, exitcode.Inputf("cohort map: not a readable Parquet file: %v", err)
	}
	defer rdr.Close()
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{BatchSize: 1 << 16}, memory.DefaultAllocator)
	if err != nil {
		return nil, exitcode.Inputf("cohort map: %v", err)
	}
	rr, err := fr.GetRecordReader(context.Background(), nil, nil)
	if err != nil {
		return nil, exitcode.Inputf("cohort map: %v", err)
	}
	defer rr.Release()
	sc := rr.Schema()
	if sc.NumFields() != 2 || sc.Field(0).Name != "record_id" || sc.Field(1).Name != "study_id" ||
		!arrow.TypeEqual(sc.Field(0).Type, arrow.BinaryTypes.String) || !arrow.TypeEqual(sc.Field(1).Type, arrow.BinaryTypes.String) {
		return nil, exitcode.Inputf("cohort map: the columns are not record_id and study_id")
	}
	var out []MapRow
	for rr.Next() {
		rec := rr.RecordBatch()
		rid, sid := rec.Column(0).(*array.String), rec.Column(1).(*array.String)
		for i := 0; i < int(rec.NumRows()); i++ {
			out = append(out, MapRow{RecordID: rid.Value(i), StudyID: sid.Value(i)})
		}
	}
	if err := rr.Err(); err != nil && !errors.Is(err, io.EOF) {
		return nil, exitcode.Inputf("cohort map: %v", err)
	}
	return out, nil
}

// OpenMap opens a sealed map file with the agency's private keys
// (seal.ReadIdentities) and reads it. A map sealed to another agency fails
// with an error wrapping seal.ErrWrongRecipient.
func OpenMap(path string, identities []age.Identity) ([]MapRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, exitcode.AsInput(fmt.Errorf("cohort map: %w", err))
	}
	defer f.Close()
	r, err := seal.Open(f, identities)
	if err != nil {
		return nil, fmt.Errorf("cohort map %s: %w", path, err)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("cohort map %s: %w", path, err)
	}
	return ReadMap(data)
}
