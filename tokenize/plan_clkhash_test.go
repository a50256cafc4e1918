package tokenize

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pprl/pprl/internal/tokenfile"
)

// TestTokenizeClkhashVectors runs the whole pipeline with each clkhash
// known-answer schema in ../shared/vectors and checks that the token file
// holds clkhash's CLKs byte for byte, in row order.
func TestTokenizeClkhashVectors(t *testing.T) {
	cases, _ := filepath.Glob(filepath.Join("..", "..", "shared", "vectors", "*", "schema.json"))
	if len(cases) == 0 {
		t.Skip("no clkhash vectors in ../shared/vectors")
	}
	for _, schemaPath := range cases {
		dir := filepath.Dir(schemaPath)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			s, err := LoadSchema(schemaPath)
			if err != nil {
				t.Fatal(err)
			}
			if s.Encoding() != "clkhash" || len(s.Fingerprint()) != 64 {
				t.Fatalf("encoding %q, fingerprint %q", s.Encoding(), s.Fingerprint())
			}
			secret, err := os.ReadFile(filepath.Join(dir, "secret.txt"))
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "a.tokens.parquet")
			res, err := Tokenize(context.Background(), Options{
				Schema: s, Secret: secret, Dataset: "a", Input: filepath.Join(dir, "a.csv"), Output: out,
				MaxRejectRate: 0, Created: testCreated, BatchSize: 3, Logger: slog.New(slog.DiscardHandler),
			})
			if err != nil {
				t.Fatal(err)
			}
			m, d, err := tokenfile.ReadFile(res.Output, nil)
			if err != nil {
				t.Fatal(err)
			}
			if m.Encoding != "clkhash" || len(m.Rules) != 0 {
				t.Errorf("manifest encoding %q rules %v", m.Encoding, m.Rules)
			}
			want := readB64(t, filepath.Join(dir, "a.b64"))
			if d.Len() != len(want) {
				t.Fatalf("%d CLKs, want %d", d.Len(), len(want))
			}
			for i := range want {
				if d.RecordIDs[i] != strconv.Itoa(i+1) {
					t.Fatalf("record %d has ID %q, want the row number", i, d.RecordIDs[i])
				}
				if !bytes.Equal(d.CLK(i), want[i]) {
					t.Errorf("row %d: CLK differs from clkhash's", i+1)
				}
			}
		})
	}
}

func readB64(t *testing.T, path string) [][]byte {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		b, err := base64.StdEncoding.DecodeString(line)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func TestTokenizeClkhashIDColumnAndRejects(t *testing.T) {
	dir := t.TempDir()
	schema := writeFile(t, dir, "schema.json", `{"version": 3, "clkConfig": {"l": 1024, "kdf": {"type": "HKDF"}},
	 "features": [
	  {"identifier": "id", "ignored": true},
	  {"identifier": "name", "format": {"type": "string", "encoding": "utf-8"}, "hashing": {"comparison": {"type": "ngram", "n": 2}, "strategy": {"bitsPerToken": 20}}},
	  {"identifier": "dob, ISO", "format": {"type": "date", "format": "%Y-%m-%d"}, "hashing": {"comparison": {"type": "exact"}, "strategy": {"bitsPerToken": 10}}}
	 ]}`)
	s, err := LoadSchema(schema)
	if err != nil {
		t.Fatal(err)
	}
	input := writeFile(t, dir, "x.csv", "id,name,\"dob, ISO\"\nx1,Mary,2010-09-24\nx2,John,24/09/2010\nx3,Ann,2011-01-01\n")
	out := filepath.Join(dir, "x.tokens.parquet")
	res, err := Tokenize(context.Background(), Options{Schema: s, IDColumn: "id", Secret: testSecret, Dataset: "x",
		Input: input, Output: out, MaxRejectRate: 0.5, Created: testCreated, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	_, d, err := tokenfile.ReadFile(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(d.RecordIDs, ","); got != "x1,x3" {
		t.Errorf("records %s, want x1,x3", got)
	}
	rej, _ := os.ReadFile(res.Rejects)
	if !strings.Contains(string(rej), "2,\"dob, ISO\",") || strings.Contains(string(rej), "24/09/2010") {
		t.Errorf("rejects file:\n%s", rej)
	}
	// A mapping makes no sense with clkhash's positional columns.
	_, err = Tokenize(context.Background(), Options{Schema: s, Mapping: smallMapping(), Secret: testSecret, Dataset: "x",
		Input: input, Output: out + "2", Created: testCreated})
	if err == nil || !strings.Contains(err.Error(), "maps columns by position") {
		t.Errorf("clkhash with a mapping: %v", err)
	}
	// A header that is not the schema's.
	bad := writeFile(t, dir, "bad.csv", "id,forename,dob\nx1,Mary,2010-09-24\n")
	_, err = Tokenize(context.Background(), Options{Schema: s, Secret: testSecret, Dataset: "x",
		Input: bad, Output: out + "3", Created: testCreated})
	if err == nil || !strings.Contains(err.Error(), `expected columns: "id", "name", "dob, ISO"`) {
		t.Errorf("bad header: %v", err)
	}
}
