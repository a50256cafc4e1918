package linkage

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pprl/pprl/internal/exitcode"
)

// TestMergedShardsEqualOneProcess runs the FEBRL4 link-and-dedupe match in
// one process and as N shards written to disk and merged, for several N:
// links.parquet and entities.parquet must be byte-identical, and
// summary.json too once its timings and the merge's list of shards are
// set aside.
func TestMergedShardsEqualOneProcess(t *testing.T) {
	a, b, _ := febrl4(t)
	if raceEnabled { // the same cases on fewer records: the detector is slow
		a, b = randomSubset(t, a, "a", 1500), randomSubset(t, b, "b", 1500)
	}
	c := randomSubset(t, a, "c", 700)
	datasets := []*Dataset{a, b, c}
	opt := Options{AutoThreshold: true, MinDice: 0.7, Seed: 3}
	whole := writeResult(t, func() (*Result, error) { return Match(datasets, opt) })
	for _, n := range []int{1, 2, 3, 7} {
		root := t.TempDir()
		var parts []*Part
		for i := n - 1; i >= 0; i-- { // any order
			p, err := MatchShard(datasets, opt, Shard{Index: i, Count: n})
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(root, "part", string(rune('a'+i)))
			if err := p.Write(dir, false); err != nil {
				t.Fatal(err)
			}
			op, err := OpenPart(dir)
			if err != nil {
				t.Fatal(err)
			}
			parts = append(parts, op)
		}
		merged := writeResult(t, func() (*Result, error) { return MergeParts(datasets, opt, parts) })
		for _, f := range []string{LinksFile, EntitiesFile} {
			if !bytes.Equal(whole[f], merged[f]) {
				t.Errorf("N=%d: %s differs from the one-process run", n, f)
			}
		}
		var ws, ms map[string]any
		if err := json.Unmarshal(whole[SummaryFile], &ws); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(merged[SummaryFile], &ms); err != nil {
			t.Fatal(err)
		}
		if sh, _ := ms["shards"].([]any); len(sh) != n {
			t.Errorf("N=%d: the summary lists %d shards", n, len(sh))
		}
		for _, m := range []map[string]any{ws, ms} {
			delete(m, "timings")
			delete(m, "shards")
		}
		wj, _ := json.Marshal(ws)
		mj, _ := json.Marshal(ms)
		if !bytes.Equal(wj, mj) {
			t.Errorf("N=%d: summary.json differs from the one-process run beyond timings and shards:\n%s\n%s", n, wj, mj)
		}
	}
}

// TestShardRerunSameBytes: a shard run twice writes the same part.
func TestShardRerunSameBytes(t *testing.T) {
	a, b, _ := febrl4(t)
	opt := Options{MinDice: 0.8}
	var got [2]map[string][]byte
	for k := range got {
		p, err := MatchShard([]*Dataset{a, b}, opt, Shard{Index: 1, Count: 3})
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), "p")
		if err := p.Write(dir, false); err != nil {
			t.Fatal(err)
		}
		got[k] = readDir(t, dir)
	}
	for _, f := range []string{PartFile, CandidatesFile} {
		if !bytes.Equal(got[0][f], got[1][f]) {
			t.Errorf("%s differs between two runs of one shard", f)
		}
	}
}

// TestMergeRefusals: parts that are not every shard of this run once are
// refused, naming the part or the shard.
func TestMergeRefusals(t *testing.T) {
	a, b, _ := febrl4(t)
	if raceEnabled {
		a, b = randomSubset(t, a, "a", 1500), randomSubset(t, b, "b", 1500)
	}
	datasets := []*Dataset{a, b}
	opt := Options{MinDice: 0.8, AutoThreshold: true}
	root := t.TempDir()
	part := func(name string, o Options, i, n int) string {
		p, err := MatchShard(datasets, o, Shard{Index: i, Count: n})
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(root, name)
		if err := p.Write(dir, false); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	p0, p1, p2 := part("p0", opt, 0, 3), part("p1", opt, 1, 3), part("p2", opt, 2, 3)
	other := part("seed7", Options{MinDice: 0.8, Seed: 7}, 2, 3)
	half := part("half", opt, 1, 2)
	edited := part("edited", opt, 2, 3)
	cand := filepath.Join(edited, CandidatesFile)
	data, _ := os.ReadFile(cand)
	data[len(data)/2] ^= 1
	os.WriteFile(cand, data, 0o644)
	forged := part("forged", opt, 2, 3)
	pj := filepath.Join(forged, PartFile)
	data, _ = os.ReadFile(pj)
	os.WriteFile(pj, bytes.Replace(data, []byte(`"min_dice": 0.8`), []byte(`"min_dice": 0.7`), 1), 0o644)

	for _, c := range []struct {
		name string
		dirs []string
		want string
	}{
		{"missing", []string{p0, p2}, "shard(s) 1 of 3 missing"},
		{"repeated", []string{p0, p1, p1, p2}, "are both shard 1/3"},
		{"other run", []string{p0, p1, other}, "seed7 does not belong to this run: it was searched with --seed 7"},
		{"other count", []string{p0, p1, half}, "is shard 1 of 2"},
		{"edited candidates", []string{p0, p1, edited}, "does not hash to the candidates_sha256"},
		{"forged manifest", []string{p0, p1, forged}, "was edited"},
		{"not a part", []string{p0, p1, root}, "no part.json"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var parts []*Part
			var err error
			for _, d := range c.dirs {
				var p *Part
				if p, err = OpenPart(d); err != nil {
					break
				}
				parts = append(parts, p)
			}
			if err == nil {
				_, err = MergeParts(datasets, opt, parts)
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
	// And the good set merges, in any order.
	var parts []*Part
	for _, d := range []string{p2, p0, p1} {
		p, err := OpenPart(d)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, p)
	}
	if _, err := MergeParts(datasets, opt, parts); err != nil {
		t.Fatal(err)
	}
}

// randomSubset returns a dataset named name holding every k-th record of d
// (k chosen to give about n records), so that it shares people with d.
func randomSubset(t *testing.T, d *Dataset, name string, n int) *Dataset {
	t.Helper()
	step := max(d.Len()/n, 1)
	out := &Dataset{Name: name, Width: d.Width, Rules: d.Rules, SchemaFingerprint: d.SchemaFingerprint, SecretFingerprint: d.SecretFingerprint,
		Tokens: make([][]byte, len(d.Rules)), Valid: make([][]bool, len(d.Rules))}
	for i := 0; i < d.Len(); i += step {
		out.RecordIDs = append(out.RecordIDs, d.RecordIDs[i])
		out.CLKs = append(out.CLKs, d.CLK(i)...)
		for r := range d.Rules {
			out.Tokens[r] = append(out.Tokens[r], d.Tokens[r][i*TokenBytes:(i+1)*TokenBytes]...)
			out.Valid[r] = append(out.Valid[r], d.Valid[r][i])
		}
	}
	return out
}

// writeResult writes a match's outputs to a temporary directory and
// returns them by file name.
func writeResult(t *testing.T, run func() (*Result, error)) map[string][]byte {
	t.Helper()
	res, err := run()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "out")
	if err := res.Write(dir, false, time.Now(), 0); err != nil {
		t.Fatal(err)
	}
	return readDir(t, dir)
}

func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

// FuzzOpenPart: a part.json of any content is read or refused as an input
// error, never a panic.
func FuzzOpenPart(f *testing.F) {
	f.Add([]byte(`{"format":"pprl-match-part","format_version":1,"shard":0,"shards":2,"run_id":"x","run":{},"sets":[],"candidates":0,"candidates_sha256":""}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, PartFile), data, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := OpenPart(dir); err != nil && !exitcode.IsInput(err) {
			t.Fatalf("OpenPart: %v is not an input error", err)
		}
	})
}
