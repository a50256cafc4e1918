package tokenize

import (
	"os"
	"strings"
	"testing"

	"github.com/pprl/pprl/internal/exitcode"
)

// TestHeaderlessExtractNotQuoted checks that when an extract has no header
// row, so that its "header" is the first person's record, no error quotes
// it: a missing mapped column, a forgotten --mapping, and a clkhash
// header mismatch each say to check the header row instead.
func TestHeaderlessExtractNotQuoted(t *testing.T) {
	firstRecord := []string{"SW1", "Mary", "McDonald", "24/09/2010", "Female", "EH1 1AA", "0101012345", "Extra"}
	leaks := func(t *testing.T, err error) {
		t.Helper()
		if err == nil || !exitcode.IsInput(err) {
			t.Fatalf("err = %v, want an input error", err)
		}
		for _, v := range firstRecord {
			if strings.Contains(err.Error(), v) {
				t.Errorf("error quotes the first record's %q: %v", v, err)
			}
		}
		if !strings.Contains(err.Error(), "check that the extract has a header row") && !strings.Contains(err.Error(), "is not named") {
			t.Errorf("error does not point at the header row: %v", err)
		}
	}
	spec := StarterSpec()
	native := &Schema{Native: spec, fingerprint: spec.Fingerprint()}
	m, err := ParseMapping([]byte(socialWorkMapping))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("mapping", func(t *testing.T) {
		_, err := native.Bind(m, "", firstRecord)
		leaks(t, err)
	})
	t.Run("no mapping", func(t *testing.T) {
		_, err := native.Bind(nil, "", firstRecord)
		leaks(t, err)
	})
	t.Run("clkhash", func(t *testing.T) {
		data, err := os.ReadFile(clkhashVectors + "/demo_good_schema/schema.json")
		if err != nil {
			t.Fatal(err)
		}
		cs, err := ParseClkhashSchema(data)
		if err != nil {
			t.Fatal(err)
		}
		row := append([]string{"a0", "JANE"}, make([]string, 10)...)
		_, err = (&Schema{Clkhash: cs}).Bind(nil, "", row)
		if err == nil || strings.Contains(err.Error(), "JANE") || strings.Contains(err.Error(), "a0") {
			t.Errorf("err = %v, want an error that does not quote the first record", err)
		}
		// A real header with one wrong name is quoted: it helps, and it is
		// not data.
		hdr := append([]string(nil), cs.Identifiers()...)
		hdr[1] = "first_name"
		if _, err := (&Schema{Clkhash: cs}).Bind(nil, "", hdr); err == nil || !strings.Contains(err.Error(), `"first_name"`) {
			t.Errorf("header with a wrong name: %v", err)
		}
	})
}
