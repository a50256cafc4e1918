package table

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"

	"github.com/pprl/pprl/internal/exitcode"
	"github.com/pprl/pprl/internal/parquettest"
)

// writeParquet writes n rows of a mixed-type table (every 5th row null in
// the nullable columns) in row groups of rgRows.
func writeParquet(t testing.TB, n, rgRows int) string {
	t.Helper()
	mem := memory.DefaultAllocator
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.BinaryTypes.String},
		{Name: "name", Type: arrow.BinaryTypes.LargeString, Nullable: true},
		{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "small", Type: arrow.PrimitiveTypes.Int32},
		{Name: "dob", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}},
		{Name: "x", Type: arrow.PrimitiveTypes.Float64},
		{Name: "ok", Type: arrow.FixedWidthTypes.Boolean},
	}, nil)
	b := array.NewRecordBuilder(mem, sc)
	defer b.Release()
	base := time.Date(2010, 3, 4, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		b.Field(0).(*array.StringBuilder).Append(fmt.Sprintf("R%d", i))
		if i%5 == 4 {
			b.Field(1).AppendNull()
			b.Field(2).AppendNull()
			b.Field(4).AppendNull()
		} else {
			b.Field(1).(*array.LargeStringBuilder).Append("Ó Briain")
			b.Field(2).(*array.Int64Builder).Append(int64(-i))
			b.Field(4).(*array.Date32Builder).Append(arrow.Date32FromTime(base.AddDate(0, 0, i)))
		}
		b.Field(3).(*array.Int32Builder).Append(int32(i))
		b.Field(5).(*array.TimestampBuilder).Append(arrow.Timestamp(base.UnixMilli() + int64(i)*1000))
		b.Field(6).(*array.Float64Builder).Append(float64(i) + 0.5)
		b.Field(7).(*array.BooleanBuilder).Append(i%2 == 0)
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	path := filepath.Join(t.TempDir(), "in.parquet")
	if err := parquettest.WriteRecord(path, rec, parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(int64(rgRows)))); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestParquetRead(t *testing.T) {
	path := writeParquet(t, 2500, 1000)
	r, err := Open(path, Options{BatchSize: 300})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	want := []string{"id", "name", "n", "small", "dob", "ts", "x", "ok"}
	if !reflect.DeepEqual(r.Header(), want) {
		t.Fatalf("header %q", r.Header())
	}
	rows, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2500 {
		t.Fatalf("%d rows", len(rows))
	}
	if got, want := rows[0], []string{"R0", "Ó Briain", "0", "0", "2010-03-04", "2010-03-04T00:00:00Z", "0.5", "true"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("row 1 = %q, want %q", got, want)
	}
	if got, want := rows[4], []string{"R4", "", "", "4", "", "2010-03-04T00:00:04Z", "4.5", "true"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("row 5 = %q, want %q", got, want)
	}
	if rows[2499][0] != "R2499" {
		t.Fatalf("last row %q", rows[2499])
	}
}

func TestParquetSniffedByMagic(t *testing.T) {
	path := writeParquet(t, 3, 10)
	renamed := strings.TrimSuffix(path, ".parquet") + ".dat"
	os.Rename(path, renamed)
	r, err := Open(renamed, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if rows, err := readAll(t, r); err != nil || len(rows) != 3 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
}

func TestParquetEmpty(t *testing.T) {
	r, err := Open(writeParquet(t, 0, 10), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if len(r.Header()) != 8 {
		t.Fatalf("header %q", r.Header())
	}
	if rows, err := readAll(t, r); err != nil || len(rows) != 0 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
}

func TestParquetTruncatedOrCorrupt(t *testing.T) {
	path := writeParquet(t, 3000, 500)
	full, _ := os.ReadFile(path)
	cases := map[string][]byte{
		"half":         full[:len(full)/2],
		"no footer":    full[:len(full)-8],
		"magic only":   []byte("PAR1"),
		"empty":        nil,
		"text":         []byte("id,name\n1,a\n"),
		"short footer": append(append([]byte{}, full[:len(full)-12]...), full[len(full)-4:]...),
	}
	// Corrupt the middle of the data pages but keep the footer intact.
	mid := append([]byte{}, full...)
	for i := 100; i < len(mid)/2; i += 7 {
		mid[i] ^= 0x5a
	}
	cases["corrupt pages"] = mid
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "bad.parquet")
			os.WriteFile(p, data, 0o644)
			r, err := Open(p, Options{})
			if err == nil {
				defer r.Close()
				_, err = readAll(t, r)
			}
			if err == nil {
				t.Fatal("no error")
			}
			if exitcode.Of(err) != exitcode.Input {
				t.Fatalf("exit code %d, want 2: %v", exitcode.Of(err), err)
			}
			t.Log(err)
			if !strings.Contains(err.Error(), "truncated or corrupt") && !strings.Contains(err.Error(), "Parquet") {
				t.Fatalf("unclear error: %v", err)
			}
		})
	}
}

// TestParquetBinaryColumns: binary columns of UTF-8 text read as strings;
// one that is not UTF-8 is an input error naming the row and column, never
// the bytes.
func TestParquetBinaryColumns(t *testing.T) {
	for _, typ := range []arrow.DataType{arrow.BinaryTypes.Binary, arrow.BinaryTypes.LargeBinary} {
		t.Run(typ.String(), func(t *testing.T) {
			write := func(values ...[]byte) string {
				sc := arrow.NewSchema([]arrow.Field{{Name: "surname", Type: typ, Nullable: true}}, nil)
				b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
				defer b.Release()
				for _, v := range values {
					if v == nil {
						b.Field(0).AppendNull()
						continue
					}
					b.Field(0).(*array.BinaryBuilder).Append(v) // large_binary too
				}
				rec := b.NewRecordBatch()
				defer rec.Release()
				path := filepath.Join(t.TempDir(), "bin.parquet")
				if err := parquettest.WriteRecord(path, rec, parquet.NewWriterProperties()); err != nil {
					t.Fatal(err)
				}
				return path
			}
			r, err := Open(write([]byte("Seán"), nil), Options{})
			if err != nil {
				t.Fatal(err)
			}
			rows, err := readAll(t, r)
			r.Close()
			if err != nil || !reflect.DeepEqual(rows, [][]string{{"Seán"}, {""}}) {
				t.Fatalf("rows %q, err %v", rows, err)
			}
			r, err = Open(write([]byte("ok"), []byte("MacL\xe9od")), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			_, err = readAll(t, r)
			if err == nil || !strings.Contains(err.Error(), `row 2, column "surname": not valid UTF-8`) || strings.Contains(err.Error(), "MacL") {
				t.Fatalf("err = %v", err)
			}
			if !exitcode.IsInput(err) {
				t.Errorf("err is not an input error: %v", err)
			}
		})
	}
}

// TestCellRulesSameForCSVAndParquet: a field over the size limit and a NUL
// byte (in a record ID or a name) are refused in Parquet extracts as in
// CSV, naming the row and column, never the value.
func TestCellRulesSameForCSVAndParquet(t *testing.T) {
	long := strings.Repeat("x", DefaultMaxFieldBytes+1)
	for _, tc := range []struct {
		name, id, forename, want string
	}{
		{"long name", "R1", long, "field is longer than the 65536-byte limit"},
		{"NUL in ID", "R\x00SECRET", "Ann", "NUL byte"},
		{"NUL in name", "R1", "AN\x00SECRET", "NUL byte"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			pq := filepath.Join(dir, "x.parquet")
			rows := [][]string{{"R0", "Bob"}, {tc.id, tc.forename}}
			if err := parquettest.WriteStrings(pq, []string{"id", "forename"}, rows); err != nil {
				t.Fatal(err)
			}
			csvPath := filepath.Join(dir, "x.csv")
			os.WriteFile(csvPath, []byte("id,forename\nR0,Bob\n"+tc.id+","+tc.forename+"\n"), 0o644)
			for _, p := range []string{pq, csvPath} {
				r, err := Open(p, Options{})
				if err != nil {
					t.Fatal(err)
				}
				_, err = r.Next()
				r.Close()
				if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "row 2") || !exitcode.IsInput(err) {
					t.Errorf("%s: %v, want an input error at row 2 saying %q", filepath.Base(p), err, tc.want)
				}
				if err != nil && strings.Contains(err.Error(), "SECRET") {
					t.Errorf("%s: the error shows the value: %v", filepath.Base(p), err)
				}
			}
		})
	}
}
