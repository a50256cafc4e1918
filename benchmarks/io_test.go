package benchmarks

// I/O: streaming CSV reading (internal/table) and token-file writing and
// reading (internal/tokenfile), each beside a naive baseline measured in the
// same run:
//   - CSV: table.Open (BOM, sniffing, UTF-8 and field-length checks, batches)
//     against a bare encoding/csv loop with no checks. Report the ratio of
//     rec/s (the checks' cost).
//   - Token-file write: tokenfile.Writer (zero-copy Arrow buffers, zstd,
//     buffered row groups) against a naive pqarrow writer that appends every
//     value through Arrow builders with default properties; and sealed
//     against unsealed (the cost of age).
//   - Token-file read: tokenfile ReadAll (contiguous columns) against a
//     naive pqarrow.ReadTable with a per-value copy into [][]byte.

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/pprl/pprl/internal/seal"
	"github.com/pprl/pprl/internal/table"
	"github.com/pprl/pprl/internal/tokenfile"
)

const ioRows = 100_000

// writeExtractCSV writes an agency-like extract of n rows with quoted
// addresses.
func writeExtractCSV(b *testing.B, n int) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "extract.csv")
	var sb strings.Builder
	sb.WriteString("SW_ID,FIRST_NAME,MIDDLE_NAMES,SURNAME,DATE_OF_BIRTH,GENDER,POSTCODE,CHI_NO,ADDRESS_LINE_1\n")
	first := []string{"Olivia", "Jack", "Isla", "Noah", "Aoife", "Ruaridh", "Siobhán", "Callum"}
	last := []string{"MacDonald", "O'Neill", "Smith-Jones", "Mc Bride", "Campbell", "Ní Bhriain", "Stewart", "Brown"}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sb, "SW%07d,%s,,%s,%02d/%02d/%d,%s,EH%d %dAB,%010d,\"%d High Street, Leith\"\n",
			i, first[i%8], last[(i/8)%8], 1+i%28, 1+i%12, 2000+i%18, "MF"[i%2:i%2+1], 1+i%20, i%10, 1000000000+i, 1+i%200)
	}
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

func BenchmarkCSVRead(b *testing.B) {
	path := writeExtractCSV(b, ioRows)
	fi, _ := os.Stat(path)
	b.Run("table", func(b *testing.B) {
		b.SetBytes(fi.Size())
		for range b.N {
			r, err := table.Open(path, table.Options{})
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for {
				batch, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				n += len(batch.Rows)
			}
			r.Close()
			if n != ioRows {
				b.Fatalf("%d rows", n)
			}
		}
		b.ReportMetric(float64(ioRows*b.N)/b.Elapsed().Seconds(), "rec/s")
	})
	b.Run("naive-encoding-csv", func(b *testing.B) {
		b.SetBytes(fi.Size())
		for range b.N {
			f, _ := os.Open(path)
			cr := csv.NewReader(f)
			n := -1
			for {
				_, err := cr.Read()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			f.Close()
			if n != ioRows {
				b.Fatalf("%d rows", n)
			}
		}
		b.ReportMetric(float64(ioRows*b.N)/b.Elapsed().Seconds(), "rec/s")
	})
}

// tokenData makes n records of a 1024-bit CLK and four token rules.
type tokenData struct {
	ids    []string
	clks   []byte
	tokens [][]byte
	valid  [][]bool
}

func makeTokenData(n int) *tokenData {
	d := &tokenData{tokens: make([][]byte, 4), valid: make([][]bool, 4)}
	for i := 0; i < n; i++ {
		d.ids = append(d.ids, fmt.Sprintf("SW%07d", i))
		for k := 0; k < 4; k++ {
			h := sha256.Sum256(binary.LittleEndian.AppendUint32([]byte{byte(k)}, uint32(i)))
			d.clks = append(d.clks, h[:]...)
		}
		for r := 0; r < 4; r++ {
			h := sha256.Sum256(binary.LittleEndian.AppendUint32([]byte{byte(9 + r)}, uint32(i)))
			d.tokens[r] = append(d.tokens[r], h[:tokenfile.TokenBytes]...)
			d.valid[r] = append(d.valid[r], !(r == 1 && i%4 == 0))
		}
	}
	return d
}

func benchManifest() tokenfile.Manifest {
	return tokenfile.Manifest{Dataset: "social_work", Encoding: "native", CLKBits: 1024,
		Rules: []string{"t1", "t2", "t3", "t4"}, Created: "2026-01-01T00:00:00Z"}
}

func writeTokenFile(b *testing.B, path string, d *tokenData, opts tokenfile.WriterOptions) {
	w, err := tokenfile.Create(path, benchManifest(), opts)
	if err != nil {
		b.Fatal(err)
	}
	const batch = 4096
	n := len(d.ids)
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		tb := &tokenfile.Batch{RecordIDs: d.ids[lo:hi], CLKs: d.clks[lo*128 : hi*128]}
		for r := range d.tokens {
			tb.Tokens = append(tb.Tokens, d.tokens[r][lo*tokenfile.TokenBytes:hi*tokenfile.TokenBytes])
			tb.TokenValid = append(tb.TokenValid, d.valid[r][lo:hi])
		}
		if err := w.Write(tb); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(tokenfile.Rows{Read: int64(n), Encoded: int64(n)}); err != nil {
		b.Fatal(err)
	}
}

// naiveWrite writes the same columns through Arrow builders, one value at
// a time, with default writer properties and one Write per batch.
func naiveWrite(b *testing.B, path string, d *tokenData) {
	fields := []arrow.Field{{Name: "record_id", Type: arrow.BinaryTypes.String}, {Name: "clk", Type: &arrow.FixedSizeBinaryType{ByteWidth: 128}}}
	for r := 0; r < 4; r++ {
		fields = append(fields, arrow.Field{Name: fmt.Sprintf("tok_t%d", r+1), Type: &arrow.FixedSizeBinaryType{ByteWidth: tokenfile.TokenBytes}, Nullable: true})
	}
	sc := arrow.NewSchema(fields, nil)
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(sc, f, parquet.NewWriterProperties(), pqarrow.DefaultWriterProps())
	if err != nil {
		b.Fatal(err)
	}
	n := len(d.ids)
	const batch = 4096
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		rb := array.NewRecordBuilder(memory.DefaultAllocator, sc)
		for i := lo; i < hi; i++ {
			rb.Field(0).(*array.StringBuilder).Append(d.ids[i])
			rb.Field(1).(*array.FixedSizeBinaryBuilder).Append(d.clks[i*128 : (i+1)*128])
			for r := 0; r < 4; r++ {
				if d.valid[r][i] {
					rb.Field(2 + r).(*array.FixedSizeBinaryBuilder).Append(d.tokens[r][i*tokenfile.TokenBytes : (i+1)*tokenfile.TokenBytes])
				} else {
					rb.Field(2 + r).AppendNull()
				}
			}
		}
		rec := rb.NewRecordBatch()
		if err := w.Write(rec); err != nil {
			b.Fatal(err)
		}
		rec.Release()
		rb.Release()
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}

func unitRecipients(b *testing.B) ([]age.Recipient, []age.Identity) {
	prefix := filepath.Join(b.TempDir(), "lu")
	if _, err := seal.GenerateUnit(prefix, true, false); err != nil {
		b.Fatal(err)
	}
	rs, err := seal.ReadRecipients(prefix + ".pub")
	if err != nil {
		b.Fatal(err)
	}
	ids, err := seal.ReadIdentities(prefix + ".key")
	if err != nil {
		b.Fatal(err)
	}
	return rs, ids
}

func BenchmarkTokenFileWrite(b *testing.B) {
	d := makeTokenData(ioRows)
	dir := b.TempDir()
	rs, _ := unitRecipients(b)
	b.Run("tokenfile", func(b *testing.B) {
		for range b.N {
			writeTokenFile(b, filepath.Join(dir, "a.parquet"), d, tokenfile.WriterOptions{})
		}
		b.ReportMetric(float64(ioRows*b.N)/b.Elapsed().Seconds(), "rec/s")
	})
	b.Run("tokenfile-sealed", func(b *testing.B) {
		for range b.N {
			writeTokenFile(b, filepath.Join(dir, "a.age"), d, tokenfile.WriterOptions{Recipients: rs})
		}
		b.ReportMetric(float64(ioRows*b.N)/b.Elapsed().Seconds(), "rec/s")
	})
	b.Run("naive-builders", func(b *testing.B) {
		for range b.N {
			naiveWrite(b, filepath.Join(dir, "n.parquet"), d)
		}
		b.ReportMetric(float64(ioRows*b.N)/b.Elapsed().Seconds(), "rec/s")
	})
}

func BenchmarkTokenFileRead(b *testing.B) {
	d := makeTokenData(ioRows)
	dir := b.TempDir()
	rs, ids := unitRecipients(b)
	plain, sealed, naive := filepath.Join(dir, "a.parquet"), filepath.Join(dir, "a.age"), filepath.Join(dir, "n.parquet")
	writeTokenFile(b, plain, d, tokenfile.WriterOptions{})
	writeTokenFile(b, sealed, d, tokenfile.WriterOptions{Recipients: rs})
	naiveWrite(b, naive, d)
	for _, c := range []struct{ name, path string }{{"tokenfile", plain}, {"tokenfile-sealed", sealed}} {
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				_, data, err := tokenfile.ReadFile(c.path, ids)
				if err != nil {
					b.Fatal(err)
				}
				if data.Len() != ioRows {
					b.Fatal("rows")
				}
			}
			b.ReportMetric(float64(ioRows*b.N)/b.Elapsed().Seconds(), "rec/s")
		})
	}
	b.Run("naive-readtable", func(b *testing.B) {
		for range b.N {
			f, _ := os.Open(naive)
			tbl, err := pqarrow.ReadTable(b.Context(), f, nil, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
			if err != nil {
				b.Fatal(err)
			}
			var ids []string
			var clks [][]byte
			for _, ch := range tbl.Column(0).Data().Chunks() {
				a := ch.(*array.String)
				for i := 0; i < a.Len(); i++ {
					ids = append(ids, strings.Clone(a.Value(i)))
				}
			}
			for _, ch := range tbl.Column(1).Data().Chunks() {
				a := ch.(*array.FixedSizeBinary)
				for i := 0; i < a.Len(); i++ {
					clks = append(clks, append([]byte(nil), a.Value(i)...))
				}
			}
			for c := 2; c < 6; c++ {
				var toks [][]byte
				for _, ch := range tbl.Column(c).Data().Chunks() {
					a := ch.(*array.FixedSizeBinary)
					for i := 0; i < a.Len(); i++ {
						if a.IsValid(i) {
							toks = append(toks, append([]byte(nil), a.Value(i)...))
						} else {
							toks = append(toks, nil)
						}
					}
				}
			}
			tbl.Release()
			f.Close()
			if len(ids) != ioRows || len(clks) != ioRows {
				b.Fatal("rows")
			}
		}
		b.ReportMetric(float64(ioRows*b.N)/b.Elapsed().Seconds(), "rec/s")
	})
}
