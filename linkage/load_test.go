package linkage

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/pprl/pprl/internal/exitcode"
	"github.com/pprl/pprl/internal/tokenfile"
)

// writeTokenFile writes d as a token file, sealed to rcpt when not nil.
func writeTokenFile(t testing.TB, path string, d *Dataset, rcpt age.Recipient) {
	t.Helper()
	m := tokenfile.Manifest{Dataset: d.Name, SchemaFingerprint: d.SchemaFingerprint, SecretFingerprint: d.SecretFingerprint,
		Encoding: "native", CLKBits: d.Width * 8, Rules: d.Rules, Attributes: []string{}, Created: "2026-11-24T19:00:00Z",
		NormaliserVersion: d.Normalisers}
	var opts tokenfile.WriterOptions
	if rcpt != nil {
		opts.Recipients = []age.Recipient{rcpt}
	}
	w, err := tokenfile.Create(path, m, opts)
	if err != nil {
		t.Fatal(err)
	}
	// The matcher holds TokenBytes of each token; a token file holds all
	// 32: pad with zeros, which reading back drops.
	toks := make([][]byte, len(d.Tokens))
	for r, held := range d.Tokens {
		toks[r] = make([]byte, d.Len()*tokenfile.TokenBytes)
		for i := range d.Len() {
			copy(toks[r][i*tokenfile.TokenBytes:], held[i*TokenBytes:(i+1)*TokenBytes])
		}
	}
	if err := w.Write(&tokenfile.Batch{RecordIDs: d.RecordIDs, CLKs: d.CLKs, Tokens: toks, TokenValid: d.Valid}); err != nil {
		t.Fatal(err)
	}
	n := int64(d.Len())
	if err := w.Close(tokenfile.Rows{Read: n, Encoded: n, Rejects: map[string]map[string]int64{}}); err != nil {
		t.Fatal(err)
	}
}

func smallFEBRL(t testing.TB, n int) (*Dataset, *Dataset) {
	a, b, _ := febrl4(t)
	return subset(a, n), subset(b, n)
}

// subset returns the first n records of d.
func subset(d *Dataset, n int) *Dataset {
	s := *d
	s.RecordIDs = d.RecordIDs[:n]
	s.CLKs = d.CLKs[:n*d.Width]
	s.Tokens, s.Valid = nil, nil
	for r := range d.Rules {
		s.Tokens = append(s.Tokens, d.Tokens[r][:n*TokenBytes])
		s.Valid = append(s.Valid, d.Valid[r][:n])
	}
	s.pop = nil
	return &s
}

func wantInputError(t *testing.T, err error, substr string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", substr)
	}
	if !exitcode.IsInput(err) {
		t.Errorf("error %v is not an input error", err)
	}
	if !strings.Contains(err.Error(), substr) {
		t.Errorf("error %q does not contain %q", err, substr)
	}
}

func TestLoadAndRefusals(t *testing.T) {
	a, b := smallFEBRL(t, 500)
	dir := t.TempDir()
	id, _ := age.GenerateX25519Identity()
	other, _ := age.GenerateX25519Identity()
	pa, pb := filepath.Join(dir, "a.tokens.age"), filepath.Join(dir, "b.tokens.parquet")
	writeTokenFile(t, pa, a, id.Recipient())
	writeTokenFile(t, pb, b, nil)

	ds, err := LoadTokenFiles([]string{pa, pb}, []age.Identity{id})
	if err != nil {
		t.Fatal(err)
	}
	if ds[0].Len() != 500 || ds[0].Name != "a" || string(ds[0].CLKs) != string(a.CLKs) {
		t.Fatalf("loaded dataset differs from the one written")
	}
	if _, err := Match(ds, Options{AutoThreshold: true}); err != nil {
		t.Fatal(err)
	}

	t.Run("wrong recipient", func(t *testing.T) {
		_, err := LoadTokenFiles([]string{pa}, []age.Identity{other})
		wantInputError(t, err, "a.tokens.age")
	})
	t.Run("no key for sealed file", func(t *testing.T) {
		_, err := LoadTokenFiles([]string{pa}, nil)
		wantInputError(t, err, "sealed")
	})
	t.Run("truncated", func(t *testing.T) {
		for _, src := range []string{pa, pb} {
			raw, _ := os.ReadFile(src)
			p := filepath.Join(dir, "trunc-"+filepath.Base(src))
			os.WriteFile(p, raw[:len(raw)*2/3], 0o644)
			_, err := LoadTokenFiles([]string{p}, []age.Identity{id})
			wantInputError(t, err, "trunc-")
		}
	})
	t.Run("corrupt", func(t *testing.T) {
		raw, _ := os.ReadFile(pa)
		raw[len(raw)/2] ^= 0xff
		p := filepath.Join(dir, "corrupt.tokens.age")
		os.WriteFile(p, raw, 0o644)
		_, err := LoadTokenFiles([]string{p}, []age.Identity{id})
		wantInputError(t, err, "corrupt.tokens.age")
	})
	t.Run("schema fingerprint", func(t *testing.T) {
		c := *b
		c.Name, c.SchemaFingerprint = "c", "other-schema"
		pc := filepath.Join(dir, "c.tokens.parquet")
		writeTokenFile(t, pc, &c, nil)
		ds, err := LoadTokenFiles([]string{pb, pc}, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Match(ds, Options{})
		wantInputError(t, err, "different linkage specs")
		if !strings.Contains(err.Error(), "b.tokens.parquet") || !strings.Contains(err.Error(), "c.tokens.parquet") {
			t.Errorf("error %q does not name both files", err)
		}
	})
	t.Run("secret fingerprint", func(t *testing.T) {
		c := *b
		c.Name, c.SecretFingerprint = "c", "AAAA-BBBB-CCCC-DDDD"
		pc := filepath.Join(dir, "c2.tokens.parquet")
		writeTokenFile(t, pc, &c, nil)
		ds, _ := LoadTokenFiles([]string{pb, pc}, nil)
		_, err := Match(ds, Options{})
		wantInputError(t, err, "different project secrets")
	})
	t.Run("normaliser version", func(t *testing.T) {
		// b's file records none (version 1, files made before it was
		// recorded); c's was made by normalisers of version 2.
		c := *b
		c.Name, c.Normalisers = "c", 2
		pc := filepath.Join(dir, "c3.tokens.parquet")
		writeTokenFile(t, pc, &c, nil)
		ds, err := LoadTokenFiles([]string{pb, pc}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if ds[0].Normalisers != 1 || ds[1].Normalisers != 2 {
			t.Fatalf("normaliser versions read as %d and %d, want 1 and 2", ds[0].Normalisers, ds[1].Normalisers)
		}
		_, err = Match(ds, Options{})
		wantInputError(t, err, "normalisers differ (versions 1 and 2")
		c.Normalisers = 1 // written as 1: the same as recording none
		pc1 := filepath.Join(dir, "c4.tokens.parquet")
		writeTokenFile(t, pc1, &c, nil)
		ds, _ = LoadTokenFiles([]string{pb, pc1}, nil)
		if _, err := Match(ds, Options{}); err != nil {
			t.Fatalf("version 1 and no version: %v", err)
		}
	})
	t.Run("duplicate dataset", func(t *testing.T) {
		p2 := filepath.Join(dir, "b-again.tokens.parquet")
		writeTokenFile(t, p2, b, nil)
		ds, _ := LoadTokenFiles([]string{pb, p2}, nil)
		_, err := Match(ds, Options{})
		wantInputError(t, err, "both hold dataset")
	})
	t.Run("duplicate record id", func(t *testing.T) {
		c := subset(b, 10)
		c.RecordIDs = append([]string(nil), c.RecordIDs...)
		c.RecordIDs[7] = c.RecordIDs[2]
		p := filepath.Join(dir, "dupid.tokens.parquet")
		writeTokenFile(t, p, c, nil)
		_, err := LoadTokenFiles([]string{p}, nil)
		wantInputError(t, err, "row 8")
	})
}
