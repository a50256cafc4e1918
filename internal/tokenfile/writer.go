package tokenfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"filippo.io/age"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/pprl/pprl/internal/atomicfile"
	"github.com/pprl/pprl/internal/buildinfo"
	"github.com/pprl/pprl/internal/seal"
)

// DefaultRowGroupRows is the default number of rows per Parquet row group:
// large enough for good compression and fast scans, small enough that the
// buffered row group stays a few tens of MB.
const DefaultRowGroupRows = 1 << 16

// WriterOptions controls Create.
type WriterOptions struct {
	// Recipients, when non-empty, seal the file with age as it is written.
	Recipients []age.Recipient
	// RowGroupRows is the number of rows per row group (default 65536).
	RowGroupRows int
	// NoOverwrite refuses to replace an existing file.
	NoOverwrite bool
}

// Batch is a run of encoded records to append. Its byte and bool slices
// are copied during Write: the caller may reuse them afterwards. Its
// strings (record IDs, attributes) are kept until their row group is
// written, as Go strings may be: they must not alias memory the caller
// reuses (strings made with unsafe over a buffer).
type Batch struct {
	RecordIDs []string
	// CLKs holds len(RecordIDs) CLKs of clk_bits/8 bytes each, back to back.
	CLKs []byte
	// Tokens[r] holds rule r's TokenBytes-byte tokens back to back (schema
	// order).
	Tokens [][]byte
	// TokenValid[r][i] is false where record i has no token for rule r
	// (a component missing or invalid); the stored value is then null.
	// A nil TokenValid[r] means every token of rule r is valid.
	TokenValid [][]bool
	// Attributes[a][i] is attribute a of record i; "" is stored as null.
	Attributes [][]string
}

// Writer streams a token file to disk. Rows go through pqarrow into, when
// sealing, an age encryption stream, into a temporary file in the target
// directory that Close renames into place. Parquet is written strictly
// sequentially (the footer comes last), so sealing streams too: the
// plaintext never touches the disk and nothing is buffered beyond one row
// group. A Writer is not safe for concurrent use: a parallel pipeline writes
// its batches in input order from one goroutine, which is also what keeps
// reruns byte-identical (row groups split at fixed row counts).
type Writer struct {
	m        Manifest
	schema   *arrow.Schema
	out      *atomicfile.File
	sealer   io.WriteCloser // nil when not sealing
	buf      *bufio.Writer  // between pqarrow and the file (or sealer)
	pw       *pqarrow.FileWriter
	mem      memory.Allocator
	group    *rowGroup // rows not yet written
	rgRows   int       // rows per row group
	rows     int64
	clkBytes int
	err      error
}

// writerOnly hides Close from pqarrow, which would otherwise close the
// destination itself.
type writerOnly struct{ io.Writer }

// Create starts writing a token file at path described by m (whose Rows are
// filled in by Close). If m.PPRLVersion is empty it is set to this build's
// version.
func Create(path string, m Manifest, opts WriterOptions) (*Writer, error) {
	m.Format, m.FormatVersion, m.TokenBytes = FormatName, FormatVersion, TokenBytes
	if m.PPRLVersion == "" {
		m.PPRLVersion = buildinfo.Version()
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("token file manifest: %w", err)
	}
	rg := opts.RowGroupRows
	if rg <= 0 {
		rg = DefaultRowGroupRows
	}
	out, err := atomicfile.Create(path, atomicfile.Options{Perm: 0o644, NoOverwrite: opts.NoOverwrite})
	if err != nil {
		return nil, err
	}
	w := &Writer{m: m, schema: arrowSchema(&m), out: out, mem: memory.NewGoAllocator(), clkBytes: m.CLKBytes(),
		group: newRowGroup(rg, len(m.Rules), len(m.Attributes)), rgRows: rg}
	var dst io.Writer = out
	if len(opts.Recipients) > 0 {
		w.sealer, err = seal.Seal(out, opts.Recipients)
		if err != nil {
			out.Abort()
			return nil, err
		}
		dst = w.sealer
	}
	// Pages are written as they are encoded, headers and all: buffer them
	// into large writes.
	w.buf = bufio.NewWriterSize(dst, 1<<20)
	props := []parquet.WriterProperty{
		parquet.WithCompression(compress.Codecs.Zstd),
		parquet.WithMaxRowGroupLength(int64(rg)),
		// A fixed created_by keeps the bytes independent of the Arrow
		// library's version string.
		parquet.WithCreatedBy("pprl"),
		parquet.WithAllocator(w.mem),
		// Record IDs, CLKs and tokens are (nearly) unique: dictionaries
		// and min/max statistics would only cost space.
		parquet.WithDictionaryDefault(false),
		parquet.WithStats(false),
	}
	// CLKs and tokens are indistinguishable from random bytes: compressing
	// them costs time and saves nothing.
	props = append(props, parquet.WithCompressionFor(ColCLK, compress.Codecs.Uncompressed))
	for _, r := range m.Rules {
		props = append(props, parquet.WithCompressionFor(TokenPrefix+r, compress.Codecs.Uncompressed))
	}
	for _, a := range m.Attributes {
		props = append(props, parquet.WithDictionaryFor(AttrPrefix+a, true))
	}
	w.pw, err = pqarrow.NewFileWriter(w.schema, writerOnly{w.buf}, parquet.NewWriterProperties(props...),
		pqarrow.NewArrowWriterProperties(pqarrow.WithAllocator(w.mem)))
	if err != nil {
		out.Abort()
		return nil, fmt.Errorf("token file: %w", err)
	}
	return w, nil
}

// Rows returns the number of rows written so far.
func (w *Writer) Rows() int64 { return w.rows }

// Write appends a batch: its rows are copied into the row group being
// gathered, which is written to the file once it holds RowGroupRows rows. A
// malformed batch (wrong widths or counts, an empty or non-UTF-8 record ID)
// is a programming error: it fails the writer.
func (w *Writer) Write(b *Batch) error {
	if w.err != nil {
		return w.err
	}
	n := len(b.RecordIDs)
	if n == 0 {
		return nil
	}
	if err := w.check(b); err != nil {
		w.fail(err)
		return w.err
	}
	for from := 0; from < n; {
		to := min(n, from+w.rgRows-w.group.n)
		w.group.add(b, from, to, w.clkBytes)
		from = to
		if w.group.n == w.rgRows {
			if err := w.flush(); err != nil {
				return err
			}
		}
	}
	w.rows += int64(n)
	return nil
}

// flush writes the gathered rows as one row group, column by column,
// straight to the file.
func (w *Writer) flush() error {
	if w.group.n == 0 {
		return nil
	}
	rec := w.record(w.group.batch())
	defer rec.Release()
	if err := w.pw.Write(rec); err != nil {
		w.fail(fmt.Errorf("write token file: %w", err))
		return w.err
	}
	w.group.reset()
	return nil
}

func (w *Writer) check(b *Batch) error {
	n := len(b.RecordIDs)
	if len(b.CLKs) != n*w.clkBytes {
		return fmt.Errorf("tokenfile: batch has %d CLK bytes for %d records of %d bytes", len(b.CLKs), n, w.clkBytes)
	}
	if len(b.Tokens) != len(w.m.Rules) {
		return fmt.Errorf("tokenfile: batch has %d token columns, manifest has %d rules", len(b.Tokens), len(w.m.Rules))
	}
	for r := range b.Tokens {
		if len(b.Tokens[r]) != n*TokenBytes {
			return fmt.Errorf("tokenfile: rule %s: %d token bytes for %d records", w.m.Rules[r], len(b.Tokens[r]), n)
		}
		if r < len(b.TokenValid) && b.TokenValid[r] != nil && len(b.TokenValid[r]) != n {
			return fmt.Errorf("tokenfile: rule %s: %d validity flags for %d records", w.m.Rules[r], len(b.TokenValid[r]), n)
		}
	}
	if len(b.Attributes) != len(w.m.Attributes) {
		return fmt.Errorf("tokenfile: batch has %d attribute columns, manifest has %d", len(b.Attributes), len(w.m.Attributes))
	}
	for a := range b.Attributes {
		if len(b.Attributes[a]) != n {
			return fmt.Errorf("tokenfile: attribute %s: %d values for %d records", w.m.Attributes[a], len(b.Attributes[a]), n)
		}
	}
	for i, id := range b.RecordIDs {
		if id == "" || !utf8.ValidString(id) {
			// The row number is all we may say: never the value.
			return fmt.Errorf("tokenfile: record %d of the batch (file row %d) has an empty or non-UTF-8 record_id", i+1, w.rows+int64(i)+1)
		}
	}
	return nil
}

// record builds an Arrow record batch over the batch's memory without
// copying CLKs or tokens: the Parquet encoder copies what it needs during
// the row group's Write.
func (w *Writer) record(b *Batch) arrow.RecordBatch {
	n := len(b.RecordIDs)
	cols := make([]arrow.Array, 0, w.schema.NumFields())
	sb := array.NewStringBuilder(w.mem)
	sb.Reserve(n)
	size := 0
	for _, id := range b.RecordIDs {
		size += len(id)
	}
	sb.ReserveData(size)
	for _, id := range b.RecordIDs {
		sb.Append(id)
	}
	cols = append(cols, sb.NewArray())
	sb.Release()
	cols = append(cols, fixedArray(w.schema.Field(1).Type, b.CLKs, nil, n))
	for r := range b.Tokens {
		var valid []bool
		if r < len(b.TokenValid) {
			valid = b.TokenValid[r]
		}
		cols = append(cols, fixedArray(w.schema.Field(firstTokenCol+r).Type, b.Tokens[r], valid, n))
	}
	for a := range b.Attributes {
		ab := array.NewStringBuilder(w.mem)
		ab.Reserve(n)
		for _, v := range b.Attributes[a] {
			if v == "" {
				ab.AppendNull()
			} else {
				ab.Append(v)
			}
		}
		cols = append(cols, ab.NewArray())
		ab.Release()
	}
	rec := array.NewRecordBatch(w.schema, cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return rec
}

// fixedArray wraps data (n values of the type's width) as a
// fixed_size_binary array, with nulls where valid is false.
func fixedArray(t arrow.DataType, data []byte, valid []bool, n int) arrow.Array {
	var bitmap *memory.Buffer
	nulls := 0
	if valid != nil {
		bits := make([]byte, bitutil.BytesForBits(int64(n)))
		for i, ok := range valid {
			if ok {
				bitutil.SetBit(bits, i)
			} else {
				nulls++
			}
		}
		if nulls > 0 {
			bitmap = memory.NewBufferBytes(bits)
		}
	}
	d := array.NewData(t, n, []*memory.Buffer{bitmap, memory.NewBufferBytes(data)}, nil, nulls, 0)
	defer d.Release()
	return array.NewFixedSizeBinaryData(d)
}

func (w *Writer) fail(err error) {
	if w.err == nil {
		w.err = err
	}
	w.Abort()
}

// Close records the final row counts in the manifest, writes the footer,
// finishes sealing and renames the file into place. rows.Encoded must equal
// the number of rows written and rows.Read must equal Encoded + Rejected:
// every input row is accounted for.
func (w *Writer) Close(rows Rows) error {
	if w.err != nil {
		return w.err
	}
	if rows.Encoded != w.rows {
		w.fail(fmt.Errorf("tokenfile: %d rows written but the manifest says %d encoded", w.rows, rows.Encoded))
		return w.err
	}
	if rows.Read != rows.Encoded+rows.Rejected {
		w.fail(fmt.Errorf("tokenfile: rows read (%d) != encoded (%d) + rejected (%d)", rows.Read, rows.Encoded, rows.Rejected))
		return w.err
	}
	if err := w.flush(); err != nil {
		return err
	}
	w.m.Rows = rows
	js, err := w.m.marshal()
	if err != nil {
		w.fail(err)
		return w.err
	}
	if err := w.pw.AppendKeyValueMetadata(ManifestKey, js); err != nil {
		w.fail(err)
		return w.err
	}
	if err := w.pw.Close(); err != nil {
		w.fail(fmt.Errorf("write token file: %w", err))
		return w.err
	}
	if err := w.buf.Flush(); err != nil {
		w.fail(fmt.Errorf("write token file: %w", err))
		return w.err
	}
	if w.sealer != nil {
		if err := w.sealer.Close(); err != nil {
			w.fail(fmt.Errorf("seal token file: %w", err))
			return w.err
		}
	}
	if err := w.out.Commit(); err != nil {
		w.err = err
		return err
	}
	w.err = errors.New("tokenfile: Writer is closed")
	return nil
}

// Abort discards the partial file. It is safe after Close.
func (w *Writer) Abort() {
	if w.err == nil {
		w.err = errors.New("tokenfile: Writer aborted")
	}
	if w.pw != nil {
		// Closing only flushes into the temporary file being removed.
		w.pw.Close()
		w.pw = nil
	}
	w.out.Abort()
}

// Manifest returns the manifest as it will be (or was) written.
func (w *Writer) Manifest() Manifest { return w.m }
