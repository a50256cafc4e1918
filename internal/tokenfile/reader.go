package tokenfile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"filippo.io/age"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/pprl/pprl/internal/exitcode"
	"github.com/pprl/pprl/internal/pqguard"
	"github.com/pprl/pprl/internal/seal"
)

// File is an open token file whose manifest and schema have been checked.
type File struct {
	path     string
	manifest Manifest
	sealed   bool
	f        *os.File
	pf       *file.Reader
	fr       *pqarrow.FileReader
}

// Data holds a whole token file's columns in contiguous memory, the layout
// the matcher scans.
type Data struct {
	// RecordIDs[i] is record i's ID.
	RecordIDs []string
	// CLKs holds every CLK back to back, CLKBytes each.
	CLKs     []byte
	CLKBytes int
	// Tokens[r] holds rule r's tokens back to back, TokenWidth bytes each
	// (the first TokenWidth bytes of each TokenBytes-byte token); an invalid
	// (null) token is all zero bytes.
	Tokens     [][]byte
	TokenWidth int
	// TokenValid[r][i] reports whether record i has a token for rule r.
	TokenValid [][]bool
	// Attributes[a][i] is attribute a of record i ("" for null).
	Attributes [][]string
}

// Len returns the number of records.
func (d *Data) Len() int { return len(d.RecordIDs) }

// CLK returns record i's CLK (aliasing d.CLKs).
func (d *Data) CLK(i int) []byte { return d.CLKs[i*d.CLKBytes : (i+1)*d.CLKBytes : (i+1)*d.CLKBytes] }

// Token returns record i's token for rule r (aliasing d.Tokens) and whether
// it is valid.
func (d *Data) Token(r, i int) ([]byte, bool) {
	w := d.TokenWidth
	return d.Tokens[r][i*w : (i+1)*w : (i+1)*w], d.TokenValid[r][i]
}

// Open opens the token file at path, sealed or not. A sealed file is
// decrypted with identities as it is read (random access, nothing written
// to disk). Every problem a user can cause — a missing file, a file that is
// not a token file, truncated or corrupt data, a file sealed to another key,
// no key for a sealed file, an unknown format version — is an input error
// naming path.
func Open(path string, identities []age.Identity) (_ *File, err error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, exitcode.Inputf("token file %s does not exist", path)
		}
		return nil, exitcode.AsInput(fmt.Errorf("token file: %w", err))
	}
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	// Deferred after the close above, so it runs first and a panic on a
	// corrupt file becomes err, which then closes the file.
	defer pqguard.Recover(&err, "%s: token file is truncated or corrupt", path)
	fi, err := f.Stat()
	if err != nil {
		return nil, exitcode.AsInput(fmt.Errorf("token file: %w", err))
	}
	if fi.IsDir() {
		return nil, exitcode.Inputf("token file %s is a directory", path)
	}
	head := make([]byte, len(seal.Magic))
	n, _ := f.ReadAt(head, 0)
	tf := &File{path: path, f: f, sealed: seal.IsSealed(head[:n])}
	var src parquet.ReaderAtSeeker = f
	if tf.sealed {
		if len(identities) == 0 {
			return nil, exitcode.Inputf("%s is sealed: give the linkage unit's private key (.key) to open it", path)
		}
		ra, size, err := seal.OpenReaderAt(f, fi.Size(), identities)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		src = io.NewSectionReader(ra, 0, size)
	}
	props := parquet.NewReaderProperties(memory.DefaultAllocator)
	props.BufferedStreamEnabled = true
	props.BufferSize = 1 << 20
	pf, err := file.NewParquetReader(src, file.WithReadProps(props))
	if err != nil {
		if exitcode.IsInput(err) { // a decryption error from seal
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return nil, exitcode.Inputf("%s is not a pprl token file (not Parquet, or truncated): %v", path, err)
	}
	tf.pf = pf
	kv := pf.MetaData().KeyValueMetadata()
	js := kv.FindValue(ManifestKey)
	if js == nil {
		return nil, exitcode.Inputf("%s is a Parquet file but not a pprl token file (no %s in its metadata)", path, ManifestKey)
	}
	if err := json.Unmarshal([]byte(*js), &tf.manifest); err != nil {
		return nil, exitcode.Inputf("%s: the token file manifest is corrupt: %v", path, err)
	}
	m := &tf.manifest
	if m.Format != FormatName {
		return nil, exitcode.Inputf("%s is not a pprl token file (manifest format %q)", path, m.Format)
	}
	if m.FormatVersion != FormatVersion {
		return nil, exitcode.Inputf("%s has token file format version %d, which this pprl does not read (it reads version %d); use the pprl version that wrote it or a newer one", path, m.FormatVersion, FormatVersion)
	}
	if err := m.Validate(); err != nil {
		return nil, exitcode.Inputf("%s: invalid token file manifest: %v", path, err)
	}
	if m.Rows.Read != m.Rows.Encoded+m.Rows.Rejected || m.Rows.Encoded < 0 || m.Rows.Rejected < 0 {
		return nil, exitcode.Inputf("%s: the manifest's row counts do not add up (read %d, encoded %d, rejected %d); the file is damaged", path, m.Rows.Read, m.Rows.Encoded, m.Rows.Rejected)
	}
	if got := pf.NumRows(); got != m.Rows.Encoded {
		return nil, exitcode.Inputf("%s: has %d rows but its manifest says %d were encoded; the file is damaged", path, got, m.Rows.Encoded)
	}
	tf.fr, err = pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1 << 15}, memory.DefaultAllocator)
	if err != nil {
		return nil, exitcode.Inputf("%s: token file schema: %v", path, err)
	}
	sc, err := tf.fr.Schema()
	if err != nil {
		return nil, exitcode.Inputf("%s: token file schema: %v", path, err)
	}
	if err := checkSchema(m, sc); err != nil {
		return nil, exitcode.Inputf("%s: token file %v", path, err)
	}
	return tf, nil
}

// Manifest returns the file's manifest.
func (t *File) Manifest() Manifest { return t.manifest }

// Sealed reports whether the file on disk is sealed with age.
func (t *File) Sealed() bool { return t.sealed }

// NumRows returns the number of records.
func (t *File) NumRows() int64 { return t.pf.NumRows() }

// Close releases the file.
func (t *File) Close() error { return t.pf.Close() }

// ReadBatch is a run of consecutive records of a token file, as Stream reads
// them. Everything it returns aliases the reader's buffers and is valid
// only during the Stream callback: copy what is kept.
type ReadBatch struct {
	first      int // index of the batch's first record in the file
	n          int
	clkBytes   int
	tokenBytes int           // Manifest.TokenWidth
	ids        *array.String // nil unless Stream was asked for record IDs
	clks       *array.FixedSizeBinary
	toks       []*array.FixedSizeBinary
	attrs      []*array.String
}

// Len returns the number of records in the batch.
func (b *ReadBatch) Len() int { return b.n }

// First returns the index (0-based) in the file of the batch's first record.
func (b *ReadBatch) First() int { return b.first }

// RecordID returns record i's ID (aliasing the batch). It panics if Stream
// was not asked for record IDs.
func (b *ReadBatch) RecordID(i int) string { return b.ids.Value(i) }

// CLKs returns the batch's CLKs back to back, CLKBytes each.
func (b *ReadBatch) CLKs() []byte { return fixedBytes(b.clks, b.clkBytes) }

// CLK returns record i's CLK.
func (b *ReadBatch) CLK(i int) []byte { return b.clks.Value(i) }

// Token returns record i's token for rule r and whether it is valid (not
// null). An invalid token's bytes are unspecified.
func (b *ReadBatch) Token(r, i int) ([]byte, bool) {
	return b.toks[r].Value(i), b.toks[r].IsValid(i)
}

// Tokens returns rule r's tokens back to back, TokenBytes each
// (legacyTokenBytes in files made before token_bytes was recorded: see
// TokenWidth); null tokens' bytes are unspecified.
func (b *ReadBatch) Tokens(r int) []byte { return fixedBytes(b.toks[r], b.tokenBytes) }

// TokenWidth returns the width in bytes of the batch's tokens.
func (b *ReadBatch) TokenWidth() int { return b.tokenBytes }

// TokenNulls returns the number of records of the batch without a token
// for rule r.
func (b *ReadBatch) TokenNulls(r int) int { return b.toks[r].NullN() }

// Attribute returns attribute a of record i and whether it is set.
func (b *ReadBatch) Attribute(a, i int) (string, bool) {
	if b.attrs[a].IsNull(i) {
		return "", false
	}
	return b.attrs[a].Value(i), true
}

// AttributeNulls returns the number of records of the batch without
// attribute a.
func (b *ReadBatch) AttributeNulls(a int) int { return b.attrs[a].NullN() }

// Stream reads the file's records in order, in batches of up to 32,768,
// and calls fn with each; it stops at fn's first error and returns it.
// Record IDs are read only when withIDs is set (inspecting a file needs
// none). Memory is one batch, whatever the file's size. A null record ID
// or CLK, a short file, or damaged data is an input error naming the file
// and row, never a value.
func (t *File) Stream(withIDs bool, fn func(*ReadBatch) error) (err error) {
	defer pqguard.Recover(&err, "%s: token file data is truncated or corrupt", t.path)
	m := &t.manifest
	nr, na := len(m.Rules), len(m.Attributes)
	n := int(t.pf.NumRows())
	if n == 0 {
		return nil
	}
	// Columns: record_id, clk, tok_<rule>..., attr_<name>...
	first := 1
	if withIDs {
		first = 0
	}
	cols := make([]int, 0, firstTokenCol+nr+na)
	for c := first; c < firstTokenCol+nr+na; c++ {
		cols = append(cols, c)
	}
	rr, err := t.fr.GetRecordReader(context.Background(), cols, nil)
	if err != nil {
		return t.dataErr(err)
	}
	defer rr.Release()
	b := &ReadBatch{clkBytes: m.CLKBytes(), tokenBytes: m.TokenWidth(), toks: make([]*array.FixedSizeBinary, nr), attrs: make([]*array.String, na)}
	for {
		rec, err := rr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return t.dataErr(err)
		}
		b.n = int(rec.NumRows())
		off := 0 // position of record_id in rec, -1 when not read
		if !withIDs {
			off = -1
		} else {
			b.ids = rec.Column(0).(*array.String)
			if b.ids.NullN() > 0 {
				return exitcode.Inputf("%s: record_id is null in row %d; the file is damaged", t.path, b.first+firstNull(b.ids)+1)
			}
		}
		b.clks = rec.Column(off + 1).(*array.FixedSizeBinary)
		if b.clks.NullN() > 0 {
			return exitcode.Inputf("%s: clk is null in row %d; the file is damaged", t.path, b.first+firstNull(b.clks)+1)
		}
		for r := range nr {
			b.toks[r] = rec.Column(off + firstTokenCol + r).(*array.FixedSizeBinary)
		}
		for a := range na {
			b.attrs[a] = rec.Column(off + firstTokenCol + nr + a).(*array.String)
		}
		if err := fn(b); err != nil {
			return err
		}
		b.first += b.n
	}
	if b.first != n {
		return exitcode.Inputf("%s: read %d rows, expected %d; the file is truncated or corrupt", t.path, b.first, n)
	}
	return nil
}

// zeroToken stands in for a null token.
var zeroToken [legacyTokenBytes]byte

// ReadAll reads every column into contiguous memory, keeping the first
// tokenWidth bytes of each token (1 to the file's TokenWidth: a matcher
// that only tests tokens for equality needs fewer than all 16). Peak memory
// is the result plus one batch of 32,768 rows.
func (t *File) ReadAll(tokenWidth int) (*Data, error) {
	if w := t.manifest.TokenWidth(); tokenWidth < 1 || tokenWidth > w {
		return nil, fmt.Errorf("tokenfile: token width %d is not between 1 and %d, the file's", tokenWidth, w)
	}
	m := &t.manifest
	n := int(t.pf.NumRows())
	d := &Data{
		RecordIDs:  make([]string, 0, n),
		CLKs:       make([]byte, 0, n*m.CLKBytes()),
		CLKBytes:   m.CLKBytes(),
		Tokens:     make([][]byte, len(m.Rules)),
		TokenWidth: tokenWidth,
		TokenValid: make([][]bool, len(m.Rules)),
		Attributes: make([][]string, len(m.Attributes)),
	}
	for r := range m.Rules {
		d.Tokens[r] = make([]byte, 0, n*tokenWidth)
		d.TokenValid[r] = make([]bool, 0, n)
	}
	for a := range m.Attributes {
		d.Attributes[a] = make([]string, 0, n)
	}
	err := t.Stream(true, func(b *ReadBatch) error {
		k := b.Len()
		// The IDs and attributes alias the batch's buffers, which is safe to
		// keep here: Open reads with the Go allocator (memory.DefaultAllocator),
		// which never reuses a released buffer, so the strings keep theirs
		// alive. That saves an allocation per record when the matcher loads
		// millions.
		for i := range k {
			d.RecordIDs = append(d.RecordIDs, b.RecordID(i))
		}
		d.CLKs = append(d.CLKs, b.CLKs()...)
		for r := range m.Rules {
			for i := range k {
				tok, ok := b.Token(r, i)
				d.TokenValid[r] = append(d.TokenValid[r], ok)
				if !ok {
					tok = zeroToken[:]
				}
				d.Tokens[r] = append(d.Tokens[r], tok[:tokenWidth]...)
			}
		}
		for a := range m.Attributes {
			for i := range k {
				v, _ := b.Attribute(a, i)
				d.Attributes[a] = append(d.Attributes[a], v)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

func (t *File) dataErr(err error) error {
	if exitcode.IsInput(err) {
		return fmt.Errorf("%s: %w", t.path, err)
	}
	return exitcode.Inputf("%s: token file data is truncated or corrupt: %v", t.path, err)
}

type nullable interface {
	Len() int
	IsNull(int) bool
}

func firstNull(a nullable) int {
	for i := 0; i < a.Len(); i++ {
		if a.IsNull(i) {
			return i
		}
	}
	return 0
}

// ReadFile opens, reads and closes a token file.
func ReadFile(path string, identities []age.Identity) (Manifest, *Data, error) {
	t, err := Open(path, identities)
	if err != nil {
		return Manifest{}, nil, err
	}
	defer t.Close()
	d, err := t.ReadAll(t.manifest.TokenWidth())
	if err != nil {
		return Manifest{}, nil, err
	}
	return t.manifest, d, nil
}

// fixedBytes returns the contiguous values of a fixed-size binary array
// (aliasing its buffer), width bytes per value.
func fixedBytes(a *array.FixedSizeBinary, width int) []byte {
	d := a.Data()
	buf := d.Buffers()[1]
	if buf == nil {
		return make([]byte, a.Len()*width)
	}
	off := d.Offset()
	return buf.Bytes()[off*width : (off+a.Len())*width]
}
