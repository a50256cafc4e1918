package linkage

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pprl/pprl/internal/exitcode"
	"github.com/pprl/pprl/internal/parquettest"
)

// quality returns precision and recall of links between datasets "a" and
// "b" against the true pairs of row indices.
func quality(t *testing.T, res *Result, truth map[[2]uint32]bool) (p, r float64) {
	t.Helper()
	tp := 0
	for _, l := range res.Links {
		if truth[[2]uint32{l.A, l.B}] {
			tp++
		}
	}
	return float64(tp) / float64(len(res.Links)), float64(tp) / float64(len(truth))
}

func TestFEBRL4Quality(t *testing.T) {
	a, b, truth := febrl4(t)
	res, err := Match([]*Dataset{a, b}, Options{AutoThreshold: true, MinDice: 0.6})
	if err != nil {
		t.Fatal(err)
	}
	p, r := quality(t, res, truth)
	t.Logf("FEBRL4: %d links, precision %.4f recall %.4f; threshold %v (%s)", len(res.Links), p, r, res.Summary.Threshold.Value, res.Summary.Threshold.Why)
	for _, l := range res.Summary.Model.Describe() {
		t.Log(l)
	}
	if p < 0.99 || r < 0.99 {
		t.Errorf("FEBRL4 precision %.4f recall %.4f, want ≥ 0.99 each", p, r)
	}
	// The automatic threshold is sane (the candidates are mostly matches,
	// which once drove it to −40) and the histogram covers every candidate.
	th := res.Summary.Threshold
	if th.Method != "auto-posterior" || th.Value < 0 || th.Value > 40 {
		t.Errorf("threshold %v by %s, want auto-posterior in [0, 40]", th.Value, th.Method)
	}
	if em := res.Summary.Model.ExpectedMatches; em < 4000 || em > 6000 {
		t.Errorf("expected matches %.0f, want about 5000", em)
	}
	var inHist int64
	for _, b := range res.Summary.ScoreHistogram {
		if b.Hi-b.Lo != 1 {
			t.Errorf("bin [%v, %v) is not one unit wide", b.Lo, b.Hi)
		}
		inHist += b.Count
	}
	if inHist != int64(res.Summary.Counts.Candidates) {
		t.Errorf("histogram counts %d candidates, want %d", inHist, res.Summary.Counts.Candidates)
	}
	// One-to-one between the files: no record appears in two cross links
	// unless it has a within-file link (FEBRL4's files hold no duplicates,
	// so those are few).
	seenA, seenB, dup := map[uint32]bool{}, map[uint32]bool{}, map[[2]uint32]bool{}
	within := 0
	for _, l := range res.Links {
		if l.Within() {
			within++
			dup[[2]uint32{uint32(l.DA), l.A}], dup[[2]uint32{uint32(l.DA), l.B}] = true, true
		}
	}
	if within > 5 {
		t.Errorf("%d within-file links in FEBRL4, which has no duplicates", within)
	}
	for _, l := range res.Links {
		if l.Within() || dup[[2]uint32{0, l.A}] || dup[[2]uint32{1, l.B}] {
			continue
		}
		if seenA[l.A] || seenB[l.B] {
			t.Fatalf("record linked twice: %+v", l)
		}
		seenA[l.A], seenB[l.B] = true, true
	}
	// Every record in exactly one entity.
	n := 0
	for _, e := range res.Entities {
		n += len(e.Members)
	}
	if n != a.Len()+b.Len() {
		t.Errorf("entities hold %d records, want %d", n, a.Len()+b.Len())
	}
}

func TestMatchOutputsDeterministic(t *testing.T) {
	a, b, _ := febrl4(t)
	dir1, dir2 := t.TempDir(), t.TempDir()
	for _, dir := range []string{dir1, dir2} {
		// Reverse the input order on the second run: output must not change.
		in := []*Dataset{a, b}
		if dir == dir2 {
			in = []*Dataset{b, a}
		}
		res, err := Match(in, Options{AutoThreshold: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := res.Write(dir, true, time.Now(), 0); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{LinksFile, EntitiesFile} {
		x, err := os.ReadFile(filepath.Join(dir1, name))
		if err != nil {
			t.Fatal(err)
		}
		y, _ := os.ReadFile(filepath.Join(dir2, name))
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between identical runs", name)
		}
	}
}

// TestReadEntitiesCorrupt damages a real entities.parquet in many ways
// (truncation, flipped bytes in data pages and in the footer): ReadEntities
// must return an input error every time it cannot read it, never panic.
func TestReadEntitiesCorrupt(t *testing.T) {
	a, b, _ := febrl4(t)
	res, err := Match([]*Dataset{a, b}, Options{AutoThreshold: true})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := res.Write(dir, true, time.Now(), 0); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(filepath.Join(dir, EntitiesFile))
	if err != nil {
		t.Fatal(err)
	}
	if m, err := ReadEntities(filepath.Join(dir, EntitiesFile)); err != nil || len(m) != a.Len()+b.Len() {
		t.Fatalf("intact file: %d records, %v", len(m), err)
	}
	path := filepath.Join(dir, "bad.parquet")
	failures := 0
	for k := 1; k < 200; k++ {
		bad := bytes.Clone(good)
		switch k % 3 {
		case 0: // truncated
			bad = bad[:len(bad)*k/200]
		case 1: // a byte flipped somewhere
			bad[len(bad)*k/200] ^= 0x5a
		case 2: // a byte of the footer flipped
			bad[len(bad)-8-k%64] ^= 0xff
		}
		if err := os.WriteFile(path, bad, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadEntities(path); err != nil {
			failures++
			if !exitcode.IsInput(err) {
				t.Errorf("case %d: %v is not an input error", k, err)
			}
		}
	}
	if failures == 0 {
		t.Error("no damaged file was refused")
	}
}

// TestLargeOutputsDeterministic writes the outputs of a run with 120,000
// links four times: large enough that a dictionary-encoded record_id
// column would outgrow its page and fall back to plain encoding (the
// footer's page encoding statistics then came out in map order, which
// varied: each write differed from the one before with probability about
// 3/4; four identical writes by chance, 1 in 64), and the bytes must not
// change.
func TestLargeOutputsDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 120,000 links")
	}
	const n = 120000
	mk := func(name string) *Dataset {
		d := &Dataset{Name: name, Width: 8, CLKs: make([]byte, n*8)}
		for i := range n {
			d.RecordIDs = append(d.RecordIDs, fmt.Sprintf("%s-%09d", name, i*7919%1000003))
		}
		return d
	}
	res := &Result{Datasets: []*Dataset{mk("a"), mk("b")}}
	for i := range n {
		res.Links = append(res.Links, Link{DA: 0, DB: 1, A: uint32(i), B: uint32(n - 1 - i), Rules: uint16(i % 7), Score: float64(i%97) / 3, Dice: float64(i%101) / 101})
		res.Entities = append(res.Entities, Entity{ID: fmt.Sprintf("E%016x", i*2654435761), Members: []RecordKey{
			{Dataset: "a", RecordID: res.Datasets[0].RecordIDs[i]}, {Dataset: "b", RecordID: res.Datasets[1].RecordIDs[n-1-i]}}})
	}
	res.Datasets[0].Rules = []string{"t1", "t2", "t3"}
	var first map[string][]byte
	for run := range 4 {
		dir := t.TempDir()
		if d := os.Getenv("PPRL_KEEP_DIR"); d != "" {
			dir = filepath.Join(d, fmt.Sprint(run))
		}
		if err := res.Write(dir, true, time.Now(), 0); err != nil {
			t.Fatal(err)
		}
		got := map[string][]byte{}
		for _, name := range []string{LinksFile, EntitiesFile} {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			got[name] = b
			if run > 0 && !bytes.Equal(b, first[name]) {
				t.Errorf("%s differs between identical writes (%d vs %d bytes)", name, len(b), len(first[name]))
			}
		}
		first = got
	}
}

// TestReadPreviousEntitiesRefusesForeignIDs: --previous must hold entity IDs
// as match writes them, and no empty or repeated record.
func TestReadPreviousEntitiesRefusesForeignIDs(t *testing.T) {
	cols := []string{"entity_id", "dataset", "record_id"}
	for _, tc := range []struct {
		name string
		rows [][]string
		want string
	}{
		{"study ID", [][]string{{"SABCDEFGHIJKLMNOP", "a", "1"}}, "row 1: entity_id is not an ID pprl match writes"},
		{"upper-case hex", [][]string{{"E00000000000000AB", "a", "1"}}, "row 1: entity_id is not an ID"},
		{"short", [][]string{{"E0000000000000001", "a", "1"}, {"E01", "a", "2"}}, "row 2: entity_id is not an ID"},
		{"empty record", [][]string{{"E0000000000000001", "a", ""}}, "row 1 has an empty dataset or record_id"},
		{"repeated record", [][]string{{"E0000000000000001", "a", "1"}, {"E0000000000000002", "a", "1"}}, "row 2 repeats a record"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "entities.parquet")
			if err := parquettest.WriteStrings(p, cols, tc.rows); err != nil {
				t.Fatal(err)
			}
			_, err := ReadEntities(p)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !exitcode.IsInput(err) {
				t.Fatalf("ReadEntities: %v, want an input error containing %q", err, tc.want)
			}
		})
	}
}
