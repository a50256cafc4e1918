package evaluate

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pprl/pprl/internal/exitcode"
	"github.com/pprl/pprl/linkage/evaluate/evaluatetest"
)

// TestLoadOutputsCorrupt damages links.parquet and entities.parquet in
// many places (truncation, overwritten bytes) and checks that LoadOutputs
// never panics and answers with an input error that names the file and
// quotes no record ID. arrow-go panics on some of these files; the reader
// must turn that into an error (internal/pqguard).
func TestLoadOutputsCorrupt(t *testing.T) {
	src := t.TempDir()
	var ents []evaluatetest.Entity
	var links []evaluatetest.Link
	for i := range 200 {
		ents = append(ents,
			evaluatetest.Entity{EntityID: fmt.Sprintf("E%016x", i), Dataset: "a", RecordID: fmt.Sprintf("SECRET-A%04d", i)},
			evaluatetest.Entity{EntityID: fmt.Sprintf("E%016x", i), Dataset: "b", RecordID: fmt.Sprintf("SECRET-B%04d", i)})
		links = append(links, evaluatetest.Link{DatasetA: "a", RecordIDA: fmt.Sprintf("SECRET-A%04d", i),
			DatasetB: "b", RecordIDB: fmt.Sprintf("SECRET-B%04d", i), Score: 9, Dice: 0.9})
	}
	if err := evaluatetest.Dir(src, ents, links, map[string]any{"threshold": 0.8}); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOutputs(src); err != nil {
		t.Fatalf("intact outputs: %v", err)
	}
	// Damage found by random search that makes arrow-go v18 dereference nil
	// in a page header of this links.parquet (without internal/pqguard the
	// test process panics).
	good, err := os.ReadFile(filepath.Join(src, LinksFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at  int
		put []byte
	}{{31, []byte{246}}, {65, []byte{236, 184, 111, 161}}, {67, []byte{9, 21, 114}}} {
		dir := t.TempDir()
		for _, f := range []string{EntitiesFile, "summary.json"} {
			b, _ := os.ReadFile(filepath.Join(src, f))
			os.WriteFile(filepath.Join(dir, f), b, 0o644)
		}
		bad := append([]byte(nil), good...)
		copy(bad[c.at:], c.put)
		os.WriteFile(filepath.Join(dir, LinksFile), bad, 0o644)
		_, err := LoadOutputs(dir)
		if err == nil || !exitcode.IsInput(err) || !strings.Contains(err.Error(), LinksFile) {
			t.Errorf("bytes %v at %d: err = %v, want an input error naming %s", c.put, c.at, err, LinksFile)
		}
	}

	for _, name := range []string{LinksFile, EntitiesFile} {
		good, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		// Offsets through the data pages and, densely, through the footer
		// (the Thrift metadata at the end), where damage makes arrow-go
		// index out of range.
		var offsets []int
		for cut := 1; cut < 16; cut++ {
			offsets = append(offsets, len(good)*cut/16)
		}
		for back := 12; back < 400 && back < len(good); back += 7 {
			offsets = append(offsets, len(good)-back)
		}
		for _, at := range offsets {
			for _, damage := range []string{"truncate", "overwrite"} {
				dir := t.TempDir()
				for _, f := range []string{LinksFile, EntitiesFile, "summary.json"} {
					b, _ := os.ReadFile(filepath.Join(src, f))
					os.WriteFile(filepath.Join(dir, f), b, 0o644)
				}
				bad := append([]byte(nil), good...)
				if damage == "truncate" {
					bad = bad[:at]
				} else {
					for i := at; i < min(at+4, len(bad)-8); i++ {
						bad[i] ^= 0xff
					}
				}
				os.WriteFile(filepath.Join(dir, name), bad, 0o644)
				_, err := LoadOutputs(dir)
				if err == nil {
					continue // some overwritten bytes are not read (statistics, padding)
				}
				if !exitcode.IsInput(err) {
					t.Errorf("%s %s at %d: err = %v, want an input error", damage, name, at, err)
				}
				if strings.Contains(err.Error(), "SECRET-") {
					t.Errorf("%s %s at %d: error quotes a record ID: %v", damage, name, at, err)
				}
			}
		}
	}
}
