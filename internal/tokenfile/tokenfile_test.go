package tokenfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/pprl/pprl/internal/exitcode"
	"github.com/pprl/pprl/internal/seal"
)

func testManifest() Manifest {
	return Manifest{
		PPRLVersion:       "test",
		Dataset:           "social_work",
		SchemaFingerprint: "abc123",
		SecretFingerprint: "G3BS-E6H2-D7JR-VPFP",
		Encoding:          "native",
		CLKBits:           1024,
		Rules:             []string{"t1", "t2", "t3"},
		Attributes:        []string{"birth_year_band"},
		Created:           "2026-11-24T19:00:00Z",
	}
}

// synthData makes n deterministic records: token t2 missing for every 3rd,
// the attribute missing for every 7th.
func synthData(n int) *Data {
	d := &Data{CLKBytes: 128, Tokens: make([][]byte, 3), TokenWidth: TokenBytes, TokenValid: make([][]bool, 3), Attributes: make([][]string, 1)}
	for i := 0; i < n; i++ {
		d.RecordIDs = append(d.RecordIDs, fmt.Sprintf("SW%06d", i))
		for j := 0; j < 4; j++ {
			h := sha256.Sum256(binary.LittleEndian.AppendUint64([]byte{byte(j)}, uint64(i)))
			d.CLKs = append(d.CLKs, h[:]...)
		}
		for r := 0; r < 3; r++ {
			h := sha256.Sum256(binary.LittleEndian.AppendUint64([]byte{byte(100 + r)}, uint64(i)))
			ok := !(r == 1 && i%3 == 0)
			if !ok {
				h = [32]byte{}
			}
			d.Tokens[r] = append(d.Tokens[r], h[:TokenBytes]...)
			d.TokenValid[r] = append(d.TokenValid[r], ok)
		}
		v := fmt.Sprintf("%d-%d", 2000+i%20, 2004+i%20)
		if i%7 == 0 {
			v = ""
		}
		d.Attributes[0] = append(d.Attributes[0], v)
	}
	return d
}

// slice returns rows [lo, hi) of d as a writer batch.
func slice(d *Data, lo, hi int) *Batch {
	b := &Batch{RecordIDs: d.RecordIDs[lo:hi], CLKs: d.CLKs[lo*d.CLKBytes : hi*d.CLKBytes]}
	for r := range d.Tokens {
		b.Tokens = append(b.Tokens, d.Tokens[r][lo*TokenBytes:hi*TokenBytes])
		b.TokenValid = append(b.TokenValid, d.TokenValid[r][lo:hi])
	}
	for a := range d.Attributes {
		b.Attributes = append(b.Attributes, d.Attributes[a][lo:hi])
	}
	return b
}

func writeTokens(t testing.TB, path string, d *Data, opts WriterOptions, batch int) {
	t.Helper()
	w, err := Create(path, testManifest(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	for lo := 0; lo < d.Len(); lo += batch {
		if err := w.Write(slice(d, lo, min(lo+batch, d.Len()))); err != nil {
			t.Fatal(err)
		}
	}
	rows := Rows{Read: int64(d.Len()) + 2, Encoded: int64(d.Len()), Rejected: 2,
		Rejects: map[string]map[string]int64{"dob": {"invalid_date": 2}}}
	if err := w.Close(rows); err != nil {
		t.Fatal(err)
	}
}

func TestRoundTripUnsealed(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sw.tokens.parquet")
	d := synthData(1000)
	writeTokens(t, path, d, WriterOptions{RowGroupRows: 300}, 128)
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("leftover files: %v", ents)
	}
	m, got, err := ReadFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, d) {
		t.Fatal("data differs after round trip")
	}
	if m.Rows.Read != 1002 || m.Rows.Rejects["dob"]["invalid_date"] != 2 || m.Format != FormatName || m.FormatVersion != 1 {
		t.Fatalf("manifest %+v", m)
	}
	if v, ok := got.Token(1, 3); ok || !bytes.Equal(v, make([]byte, TokenBytes)) {
		t.Fatal("token 2 of record 3 should be null")
	}
	if !bytes.Equal(got.CLK(5), d.CLKs[5*128:6*128]) {
		t.Fatal("CLK accessor")
	}
}

// TestFooterIndependently reads the footer and schema with the plain
// Parquet reader, as another tool would.
func TestFooterIndependently(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.parquet")
	writeTokens(t, path, synthData(10), WriterOptions{}, 10)
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	js := pf.MetaData().KeyValueMetadata().FindValue("pprl.manifest")
	if js == nil {
		t.Fatal("no pprl.manifest")
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(*js), &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"format", "format_version", "pprl_version", "dataset", "schema_fingerprint", "secret_fingerprint", "encoding", "clk_bits", "rules", "attributes", "rows", "created"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("manifest lacks %q", k)
		}
	}
	if raw["format"] != "pprl-tokens" || raw["clk_bits"] != 1024.0 {
		t.Errorf("manifest %s", *js)
	}
	fr, _ := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	sc, _ := fr.Schema()
	var cols []string
	for _, f := range sc.Fields() {
		cols = append(cols, f.Name+":"+f.Type.String())
	}
	want := "record_id:utf8 clk:fixed_size_binary[128] tok_t1:fixed_size_binary[16] tok_t2:fixed_size_binary[16] tok_t3:fixed_size_binary[16] attr_birth_year_band:utf8"
	if strings.Join(cols, " ") != want {
		t.Fatalf("schema %s\nwant   %s", strings.Join(cols, " "), want)
	}
	if pf.MetaData().GetCreatedBy() != "pprl" {
		t.Errorf("created_by %q", pf.MetaData().GetCreatedBy())
	}
}

func TestByteIdenticalRerun(t *testing.T) {
	dir := t.TempDir()
	d := synthData(3000)
	a, b := filepath.Join(dir, "a.parquet"), filepath.Join(dir, "b.parquet")
	writeTokens(t, a, d, WriterOptions{RowGroupRows: 1000}, 500)
	writeTokens(t, b, d, WriterOptions{RowGroupRows: 1000}, 500)
	ab, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	if !bytes.Equal(ab, bb) {
		t.Fatal("two runs on the same data differ")
	}
}

func unitKeys(t *testing.T, hybrid bool) ([]age.Recipient, []age.Identity) {
	t.Helper()
	prefix := filepath.Join(t.TempDir(), "lu")
	if _, err := seal.GenerateUnit(prefix, hybrid, false); err != nil {
		t.Fatal(err)
	}
	rs, err := seal.ReadRecipients(prefix + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	ids, err := seal.ReadIdentities(prefix + ".key")
	if err != nil {
		t.Fatal(err)
	}
	return rs, ids
}

func TestSealed(t *testing.T) {
	dir := t.TempDir()
	d := synthData(2000)
	rs, ids := unitKeys(t, true)
	_, otherIDs := unitKeys(t, true)
	sealed := filepath.Join(dir, "sw.tokens.age")
	plain := filepath.Join(dir, "sw.tokens.parquet")
	writeTokens(t, sealed, d, WriterOptions{Recipients: rs, RowGroupRows: 700}, 256)
	writeTokens(t, plain, d, WriterOptions{RowGroupRows: 700}, 256)

	raw, _ := os.ReadFile(sealed)
	if !seal.IsSealed(raw) || bytes.Contains(raw, []byte("SW000001")) || bytes.Contains(raw, []byte("PAR1")) {
		t.Fatal("sealed file is not opaque")
	}
	// The standard age decryption yields exactly the unsealed file.
	r, err := age.Decrypt(bytes.NewReader(raw), ids...)
	if err != nil {
		t.Fatal(err)
	}
	dec, _ := io.ReadAll(r)
	want, _ := os.ReadFile(plain)
	if !bytes.Equal(dec, want) {
		t.Fatal("decrypted sealed file differs from the unsealed file")
	}

	tf, err := Open(sealed, ids)
	if err != nil {
		t.Fatal(err)
	}
	if !tf.Sealed() || tf.NumRows() != 2000 {
		t.Fatalf("sealed=%v rows=%d", tf.Sealed(), tf.NumRows())
	}
	got, err := tf.ReadAll(TokenBytes)
	tf.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, d) {
		t.Fatal("sealed round trip differs")
	}
	checkTokenPrefix(t, sealed, ids, d)

	_, err = Open(sealed, otherIDs)
	wantInput(t, err, "different recipient")
	_, err = Open(sealed, nil)
	wantInput(t, err, "is sealed")
}

// checkTokenPrefix reads path keeping 8 bytes of each token and checks
// them against full's, null tokens zeroed; widths outside 1..32 are
// refused.
func checkTokenPrefix(t *testing.T, path string, ids []age.Identity, full *Data) {
	t.Helper()
	tf, err := Open(path, ids)
	if err != nil {
		t.Fatal(err)
	}
	defer tf.Close()
	for _, w := range []int{0, TokenBytes + 1} {
		if _, err := tf.ReadAll(w); err == nil {
			t.Errorf("ReadAll(%d): no error", w)
		}
	}
	got, err := tf.ReadAll(8)
	if err != nil {
		t.Fatal(err)
	}
	if got.TokenWidth != 8 || len(got.Tokens) != len(full.Tokens) {
		t.Fatalf("width %d, %d rules", got.TokenWidth, len(got.Tokens))
	}
	for r := range full.Tokens {
		if len(got.Tokens[r]) != 8*full.Len() {
			t.Fatalf("rule %d: %d token bytes for %d records", r, len(got.Tokens[r]), full.Len())
		}
		for i := range full.Len() {
			g, gok := got.Token(r, i)
			f, fok := full.Token(r, i)
			want := f[:8]
			if !fok {
				want = make([]byte, 8)
			}
			if gok != fok || !bytes.Equal(g, want) {
				t.Fatalf("rule %d record %d: %x (valid %v), want %x (valid %v)", r, i, g, gok, want, fok)
			}
		}
	}
}

func wantInput(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one saying %q", want)
	}
	if exitcode.Of(err) != exitcode.Input {
		t.Errorf("exit code %d, want 2: %v", exitcode.Of(err), err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
	if strings.Contains(err.Error(), "SW0") {
		t.Errorf("error leaks a record ID: %q", err)
	}
}

// openAll opens and reads path, returning the first error.
func openAll(path string, ids []age.Identity) error {
	_, _, err := ReadFile(path, ids)
	return err
}

func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	d := synthData(3000)
	rs, ids := unitKeys(t, false)
	plain := filepath.Join(dir, "p.parquet")
	sealed := filepath.Join(dir, "s.age")
	writeTokens(t, plain, d, WriterOptions{RowGroupRows: 1000}, 3000)
	writeTokens(t, sealed, d, WriterOptions{Recipients: rs, RowGroupRows: 1000}, 3000)
	pb, _ := os.ReadFile(plain)
	sb, _ := os.ReadFile(sealed)
	put := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, data, 0o644)
		return p
	}
	flipped := bytes.Clone(sb)
	flipped[len(flipped)/2] ^= 1

	// A Parquet file without a manifest.
	noManifest := filepath.Join(dir, "plain.parquet")
	{
		m := testManifest()
		f, _ := os.Create(noManifest)
		w, _ := pqarrow.NewFileWriter(arrowSchema(&m), f, parquet.NewWriterProperties(), pqarrow.DefaultWriterProps())
		w.Close()
	}
	// A token file from a future pprl.
	future := filepath.Join(dir, "future.parquet")
	{
		m := testManifest()
		m.Format, m.FormatVersion = FormatName, 2
		js, _ := json.Marshal(m)
		f, _ := os.Create(future)
		w, _ := pqarrow.NewFileWriter(arrowSchema(&m), f, parquet.NewWriterProperties(), pqarrow.DefaultWriterProps())
		w.AppendKeyValueMetadata(ManifestKey, string(js))
		w.Close()
	}
	// A manifest whose counts do not add up.
	badCounts := filepath.Join(dir, "counts.parquet")
	{
		m := testManifest()
		m.Format, m.FormatVersion = FormatName, FormatVersion
		m.Rows = Rows{Read: 5, Encoded: 0, Rejected: 1}
		js, _ := json.Marshal(m)
		f, _ := os.Create(badCounts)
		w, _ := pqarrow.NewFileWriter(arrowSchema(&m), f, parquet.NewWriterProperties(), pqarrow.DefaultWriterProps())
		w.AppendKeyValueMetadata(ManifestKey, string(js))
		w.Close()
	}
	tests := []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(dir, "nope"), "does not exist"},
		{"counts", badCounts, "do not add up"},
		{"csv", put("x.csv", []byte("id,name\n1,a\n")), "not a pprl token file"},
		{"empty", put("e", nil), "not a pprl token file"},
		{"truncated parquet", put("t.parquet", pb[:len(pb)/2]), "not a pprl token file"},
		{"truncated sealed", put("t.age", sb[:len(sb)-5000]), "truncated or corrupt"},
		{"corrupt sealed", put("c.age", flipped), "truncated or corrupt"},
		{"no manifest", noManifest, "not a pprl token file (no pprl.manifest"},
		{"future version", future, "format version 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantInput(t, openAll(tt.path, ids), tt.want)
		})
	}
}

func TestWriterAccounting(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.parquet")
	d := synthData(10)
	w, err := Create(path, testManifest(), WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(slice(d, 0, 10))
	if err := w.Close(Rows{Read: 11, Encoded: 9, Rejected: 2}); err == nil {
		t.Fatal("inconsistent counts accepted")
	}
	w2, _ := Create(path, testManifest(), WriterOptions{})
	w2.Write(slice(d, 0, 10))
	if err := w2.Close(Rows{Read: 12, Encoded: 10, Rejected: 1}); err == nil {
		t.Fatal("read != encoded + rejected accepted")
	}
	w3, _ := Create(path, testManifest(), WriterOptions{})
	w3.Write(slice(d, 0, 10))
	w3.Abort()
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("failed writes left files: %v", ents)
	}
}

func TestWriterRejectsBadBatches(t *testing.T) {
	d := synthData(4)
	bad := map[string]func(b *Batch){
		"short clks":   func(b *Batch) { b.CLKs = b.CLKs[:10] },
		"missing rule": func(b *Batch) { b.Tokens = b.Tokens[:2] },
		"short tokens": func(b *Batch) { b.Tokens[0] = b.Tokens[0][:32] },
		"short valid":  func(b *Batch) { b.TokenValid[0] = b.TokenValid[0][:1] },
		"attrs":        func(b *Batch) { b.Attributes = nil },
		"empty id":     func(b *Batch) { b.RecordIDs = []string{"a", "", "c", "d"} },
		"bad utf8 id":  func(b *Batch) { b.RecordIDs = []string{"a", "\xff", "c", "d"} },
	}
	for name, mutate := range bad {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			w, err := Create(filepath.Join(dir, "x"), testManifest(), WriterOptions{})
			if err != nil {
				t.Fatal(err)
			}
			b := slice(synthData(4), 0, 4)
			b.RecordIDs = append([]string{}, d.RecordIDs...)
			mutate(b)
			if err := w.Write(b); err == nil {
				t.Fatal("accepted")
			} else if strings.Contains(err.Error(), "SW0") {
				t.Fatalf("error leaks an ID: %v", err)
			}
			if err := w.Close(Rows{}); err == nil {
				t.Fatal("Close after a failed Write succeeded")
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 0 {
				t.Fatalf("left files: %v", ents)
			}
		})
	}
}

// TestWriterDoesNotRetainBatch reuses the batch memory after each Write, as
// a streaming pipeline does.
func TestWriterDoesNotRetainBatch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.parquet")
	d := synthData(600)
	w, err := Create(path, testManifest(), WriterOptions{RowGroupRows: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for lo := 0; lo < 600; lo += 100 {
		src := slice(d, lo, lo+100)
		b := &Batch{RecordIDs: append([]string{}, src.RecordIDs...), CLKs: bytes.Clone(src.CLKs)}
		for r := range src.Tokens {
			b.Tokens = append(b.Tokens, bytes.Clone(src.Tokens[r]))
			b.TokenValid = append(b.TokenValid, append([]bool{}, src.TokenValid[r]...))
		}
		for a := range src.Attributes {
			b.Attributes = append(b.Attributes, append([]string{}, src.Attributes[a]...))
		}
		if err := w.Write(b); err != nil {
			t.Fatal(err)
		}
		clear(b.CLKs)
		for r := range b.Tokens {
			clear(b.Tokens[r])
			clear(b.TokenValid[r])
		}
	}
	if err := w.Close(Rows{Read: 600, Encoded: 600}); err != nil {
		t.Fatal(err)
	}
	_, got, err := ReadFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, d) {
		t.Fatal("writer kept references to batch memory")
	}
}

func TestEmptyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.parquet")
	w, err := Create(path, testManifest(), WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(Rows{Read: 3, Rejected: 3}); err != nil {
		t.Fatal(err)
	}
	m, d, err := ReadFile(path, nil)
	if err != nil || d.Len() != 0 || m.Rows.Rejected != 3 {
		t.Fatalf("%v %d %+v", err, d.Len(), m.Rows)
	}
}

func TestManifestValidate(t *testing.T) {
	bad := map[string]func(m *Manifest){
		"dataset":   func(m *Manifest) { m.Dataset = "" },
		"encoding":  func(m *Manifest) { m.Encoding = "x" },
		"bits":      func(m *Manifest) { m.CLKBits = 1001 },
		"rule case": func(m *Manifest) { m.Rules = []string{"T1"} },
		"dup rule":  func(m *Manifest) { m.Rules = []string{"t1", "t1"} },
		"created":   func(m *Manifest) { m.Created = "yesterday" },
		"family":    func(m *Manifest) { m.FamilyRules = []string{"t9"} },
		"unordered": func(m *Manifest) { m.UnorderedRules = []string{"t9"} },
	}
	for name, mutate := range bad {
		m := testManifest()
		mutate(&m)
		if _, err := Create(filepath.Join(t.TempDir(), "x"), m, WriterOptions{}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestManifestTokenWidth: files without token_bytes hold whole 32-byte
// HMACs; 16 and 32 are the only widths read.
func TestManifestTokenWidth(t *testing.T) {
	tests := []struct {
		bytes, width int
		ok           bool
	}{{0, 32, true}, {16, 16, true}, {32, 32, true}, {8, 0, false}, {24, 0, false}, {-16, 0, false}}
	for _, tc := range tests {
		m := testManifest()
		m.Format, m.FormatVersion, m.TokenBytes = FormatName, FormatVersion, tc.bytes
		err := m.Validate()
		if (err == nil) != tc.ok {
			t.Errorf("token_bytes %d: Validate() = %v, want ok %v", tc.bytes, err, tc.ok)
		}
		if tc.ok && m.TokenWidth() != tc.width {
			t.Errorf("token_bytes %d: TokenWidth() = %d, want %d", tc.bytes, m.TokenWidth(), tc.width)
		}
	}
}

func TestCreated(t *testing.T) {
	in := filepath.Join(t.TempDir(), "in.csv")
	os.WriteFile(in, nil, 0o644)
	mt := time.Date(2025, 1, 2, 3, 4, 5, 600, time.UTC)
	os.Chtimes(in, mt, mt)
	t.Setenv("SOURCE_DATE_EPOCH", "")
	if got, err := Created(in); err != nil || got != "2025-01-02T03:04:05Z" {
		t.Fatalf("mtime: %q %v", got, err)
	}
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	if got, err := Created(in); err != nil || got != "2023-11-14T22:13:20Z" {
		t.Fatalf("SOURCE_DATE_EPOCH: %q %v", got, err)
	}
	t.Setenv("SOURCE_DATE_EPOCH", "soon")
	if _, err := Created(in); err == nil {
		t.Fatal("bad SOURCE_DATE_EPOCH accepted")
	}
}

func TestCreatedMissingInput(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "")
	_, err := Created(filepath.Join(t.TempDir(), "nope.csv"))
	wantInput(t, err, "nope.csv does not exist")
}

// FuzzOpen feeds damaged token files to the reader: it must return an
// input error or valid data, never panic.
func FuzzOpen(f *testing.F) {
	dir := f.TempDir()
	good := filepath.Join(dir, "good.parquet")
	w, err := Create(good, testManifest(), WriterOptions{RowGroupRows: 4})
	if err != nil {
		f.Fatal(err)
	}
	w.Write(slice(synthData(10), 0, 10))
	if err := w.Close(Rows{Read: 10, Encoded: 10}); err != nil {
		f.Fatal(err)
	}
	data, _ := os.ReadFile(good)
	f.Add(data, 0, byte(0))
	f.Add(data, len(data)/2, byte(1))
	f.Add(data[:100], 0, byte(0))
	f.Fuzz(func(t *testing.T, data []byte, pos int, flip byte) {
		if len(data) > 0 {
			if pos < 0 {
				pos = -pos
			}
			data = bytes.Clone(data)
			data[pos%len(data)] ^= flip
		}
		p := filepath.Join(t.TempDir(), "x.parquet")
		os.WriteFile(p, data, 0o644)
		_, d, err := ReadFile(p, nil)
		if err != nil {
			if exitcode.Of(err) != exitcode.Input {
				t.Fatalf("not an input error: %v", err)
			}
			return
		}
		if len(d.CLKs) != d.Len()*d.CLKBytes {
			t.Fatal("inconsistent data")
		}
	})
}

// TestStream reads a file of more than one batch with and without record
// IDs and checks every value against what was written, the batch offsets,
// the null counts, and that fn's error stops the stream.
func TestStream(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sw.tokens.parquet")
	d := synthData(40000) // two batches of Stream
	writeTokens(t, path, d, WriterOptions{}, 5000)
	f, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, withIDs := range []bool{false, true} {
		var clks []byte
		batches, next, tokNulls, attrNulls := 0, 0, 0, 0
		err := f.Stream(withIDs, func(b *ReadBatch) error {
			batches++
			if b.First() != next {
				t.Fatalf("batch starts at %d, want %d", b.First(), next)
			}
			next += b.Len()
			clks = append(clks, b.CLKs()...)
			tokNulls += b.TokenNulls(1)
			attrNulls += b.AttributeNulls(0)
			for i := range b.Len() {
				rec := b.First() + i
				if withIDs && b.RecordID(i) != d.RecordIDs[rec] {
					t.Fatalf("record %d: ID differs", rec)
				}
				if !bytes.Equal(b.CLK(i), d.CLK(rec)) {
					t.Fatalf("record %d: CLK differs", rec)
				}
				tok, ok := b.Token(2, i)
				want, wantOK := d.Token(2, rec)
				if ok != wantOK || !bytes.Equal(tok, want) {
					t.Fatalf("record %d: token t3 differs", rec)
				}
				if v, _ := b.Attribute(0, i); v != d.Attributes[0][rec] {
					t.Fatalf("record %d: attribute differs", rec)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if batches != 2 || next != d.Len() || !bytes.Equal(clks, d.CLKs) {
			t.Fatalf("withIDs=%v: %d batches, %d records, CLKs equal %v", withIDs, batches, next, bytes.Equal(clks, d.CLKs))
		}
		if want := (d.Len() + 2) / 3; tokNulls != want {
			t.Errorf("t2 nulls = %d, want %d", tokNulls, want)
		}
		if want := (d.Len() + 6) / 7; attrNulls != want {
			t.Errorf("attribute nulls = %d, want %d", attrNulls, want)
		}
	}
	stop := errors.New("stop")
	calls := 0
	if err := f.Stream(false, func(*ReadBatch) error { calls++; return stop }); err != stop || calls != 1 {
		t.Errorf("Stream returned %v after %d calls, want fn's error after 1", err, calls)
	}
}

// TestRowGroups writes batches of uneven sizes that straddle row groups,
// some with a nil TokenValid (every token present), and reads back the
// same rows in ceil(n/RowGroupRows) row groups.
func TestRowGroups(t *testing.T) {
	const n = 301
	d := synthData(n)
	sizes := []int{1, 2, 3, 50, 7, 64}
	for _, rg := range []int{1, 5, 64, 300, 301, 1000} {
		t.Run(fmt.Sprint(rg), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.parquet")
			w, err := Create(path, testManifest(), WriterOptions{RowGroupRows: rg})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Abort()
			for k, lo := 0, 0; lo < n; k++ {
				hi := min(n, lo+sizes[k%len(sizes)])
				b := slice(d, lo, hi)
				for r, v := range b.TokenValid {
					if k%2 == 0 && !slices.Contains(v, false) {
						b.TokenValid[r] = nil
					}
				}
				if err := w.Write(b); err != nil {
					t.Fatal(err)
				}
				lo = hi
			}
			if err := w.Close(Rows{Read: n, Encoded: n}); err != nil {
				t.Fatal(err)
			}
			_, got, err := ReadFile(path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, d) {
				t.Fatal("data differs after round trip")
			}
			pf, err := file.OpenParquetFile(path, false)
			if err != nil {
				t.Fatal(err)
			}
			defer pf.Close()
			if want := (n + rg - 1) / rg; pf.NumRowGroups() != want {
				t.Fatalf("%d row groups, want %d", pf.NumRowGroups(), want)
			}
		})
	}
}
