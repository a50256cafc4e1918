package report_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/pprl/pprl/internal/exitcode"
	"github.com/pprl/pprl/internal/tokenfile"
	"github.com/pprl/pprl/linkage/evaluate"
	"github.com/pprl/pprl/linkage/report"
)

// writeTokens writes a token file of dataset with one attribute, sealed to
// rcpt when not nil.
func writeTokens(t *testing.T, path, dataset string, ids, band []string, rcpt age.Recipient) {
	t.Helper()
	m := tokenfile.Manifest{Dataset: dataset, SchemaFingerprint: "S1", SecretFingerprint: "AAAA-BBBB-CCCC-DDDD",
		Encoding: "native", CLKBits: 64, Rules: []string{}, Attributes: []string{"birth_year_band"}, Created: "2026-11-24T19:00:00Z"}
	var opts tokenfile.WriterOptions
	if rcpt != nil {
		opts.Recipients = []age.Recipient{rcpt}
	}
	w, err := tokenfile.Create(path, m, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(&tokenfile.Batch{RecordIDs: ids, CLKs: make([]byte, 8*len(ids)), Tokens: [][]byte{}, TokenValid: [][]bool{}, Attributes: [][]string{band}}); err != nil {
		t.Fatal(err)
	}
	n := int64(len(ids))
	if err := w.Close(tokenfile.Rows{Read: n, Encoded: n, Rejects: map[string]map[string]int64{}}); err != nil {
		t.Fatal(err)
	}
}

func TestAttachTokenAttributes(t *testing.T) {
	dir, _ := fixture(t, "social_work")
	// The fixture's entities.parquet carries attr_birth_year_band already;
	// the token files' values replace it for their datasets.
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	hp, sp := filepath.Join(tmp, "health.tokens.age"), filepath.Join(tmp, "sw.tokens.parquet")
	writeTokens(t, hp, "health", []string{"REC-SECRET-2", "REC-SECRET-4", "REC-SECRET-5", "NOT-IN-OUTPUTS"}, []string{"2000-2004", "", "2005-2009", "1990-1994"}, id.Recipient())
	writeTokens(t, sp, "social_work", []string{"REC-SECRET-1"}, []string{"2000-2004"}, nil)

	o, err := evaluate.LoadOutputs(dir)
	if err != nil {
		t.Fatal(err)
	}
	from, err := report.AttachTokenAttributes(o, []string{hp, sp}, []age.Identity{id})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(from, ",") != "health,social_work" {
		t.Errorf("attributes from %q", from)
	}
	got := map[string]string{}
	for i, r := range o.Records {
		got[r.RecordID] = o.Attrs["birth_year_band"][i]
	}
	want := map[string]string{"REC-SECRET-1": "2000-2004", "REC-SECRET-2": "2000-2004", "REC-SECRET-3": "2015-2019", "REC-SECRET-4": "", "REC-SECRET-5": "2005-2009"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}

	// Through Run: the chart shows the token files' bands, never 1990-1994
	// (a record the outputs do not have).
	out := filepath.Join(tmp, "report.html")
	if err := report.Run(dir, report.Options{Tokens: []string{hp, sp}, Identities: []age.Identity{id}}, out); err != nil {
		t.Fatal(err)
	}
	page, _ := os.ReadFile(out)
	if !strings.Contains(string(page), "2005-2009") || strings.Contains(string(page), "1990-1994") {
		t.Error("report does not show the token files' attributes")
	}

	// A sealed file without the key, and a dataset the outputs lack, are input errors.
	if _, err := report.AttachTokenAttributes(o, []string{hp}, nil); err == nil || !exitcode.IsInput(err) {
		t.Errorf("sealed without key: %v", err)
	}
	op := filepath.Join(tmp, "other.tokens.parquet")
	writeTokens(t, op, "police", []string{"x"}, []string{"2000-2004"}, nil)
	if _, err := report.AttachTokenAttributes(o, []string{op}, nil); err == nil || !strings.Contains(err.Error(), `dataset "police"`) {
		t.Errorf("foreign dataset: %v", err)
	}
}
