package tokenize

import (
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/pprl/pprl/bloom"
)

// The known answers in testdata/clkhash are copied from
// ../shared/vectors (computed with clkhash 0.18.3 and anonlink 0.15.3; see
// testdata/clkhash/LICENSE.clkhash).
const clkhashVectors = "testdata/clkhash"

func clkhashCases(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(clkhashVectors, "*", "schema.json"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no clkhash vectors under %s", clkhashVectors)
	}
	for i := range dirs {
		dirs[i] = filepath.Dir(dirs[i])
	}
	return dirs
}

func readCSV(t *testing.T, path string) (header []string, rows [][]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	all, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return all[0], all[1:]
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimRight(string(data), "\n"), "\n")
}

func loadCase(t *testing.T, dir string) (*ClkhashSchema, *ClkhashEncoder) {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cs, err := LoadClkhashSchema(f)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := os.ReadFile(filepath.Join(dir, "secret.txt"))
	if err != nil {
		t.Fatal(err)
	}
	enc, err := cs.Encoder(secret)
	if err != nil {
		t.Fatal(err)
	}
	return cs, enc
}

// encodeFile encodes a vector CSV and returns the CLKs.
func encodeFile(t *testing.T, cs *ClkhashSchema, enc *ClkhashEncoder, path string) [][]byte {
	t.Helper()
	header, rows := readCSV(t, path)
	if err := cs.CheckHeader(header); err != nil {
		t.Fatal(err)
	}
	var clks [][]byte
	for i, row := range rows {
		clk, err := enc.Encode(row)
		if err != nil {
			var ve *ClkhashValueError
			if errors.As(err, &ve) {
				ve.Row = i + 1
			}
			t.Fatalf("%s: %v", path, err)
		}
		clks = append(clks, clk)
	}
	return clks
}

// TestClkhashVectors reproduces every CLK of every known-answer case byte
// for byte, then every candidate score at the case's threshold and
// anonlink's greedy matching.
func TestClkhashVectors(t *testing.T) {
	for _, dir := range clkhashCases(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			cs, enc := loadCase(t, dir)
			var sides [2][][]byte
			for s, name := range []string{"a", "b"} {
				clks := encodeFile(t, cs, enc, filepath.Join(dir, name+".csv"))
				want := readLines(t, filepath.Join(dir, name+".b64"))
				if len(clks) != len(want) {
					t.Fatalf("%s: %d CLKs, want %d", name, len(clks), len(want))
				}
				bad := 0
				for i := range clks {
					if got := bloom.EncodeBase64(clks[i]); got != want[i] {
						if bad < 3 {
							t.Errorf("%s row %d: CLK differs\n got %s\nwant %s", name, i+1, got, want[i])
						}
						bad++
					}
				}
				if bad > 0 {
					t.Fatalf("%s: %d of %d CLKs differ", name, bad, len(clks))
				}
				sides[s] = clks
			}
			checkCandidates(t, dir, cs.Bits(), sides[0], sides[1])
		})
	}
}

func checkCandidates(t *testing.T, dir string, bits int, a, b [][]byte) {
	files, _ := filepath.Glob(filepath.Join(dir, "candidates_*.csv"))
	if len(files) == 0 {
		t.Fatal("no candidates file")
	}
	for _, file := range files {
		ts := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(file), "candidates_"), ".csv")
		threshold, err := strconv.ParseFloat(ts, 64)
		if err != nil {
			t.Fatal(err)
		}
		ia, err := bloom.NewIndex(bits, a)
		if err != nil {
			t.Fatal(err)
		}
		ib, _ := bloom.NewIndex(bits, b)
		got := ib.SearchIndex(ia, threshold, nil)
		want := map[[2]int]float64{}
		for _, line := range readLines(t, file)[1:] {
			f := strings.Split(line, ",")
			i, _ := strconv.Atoi(f[0])
			j, _ := strconv.Atoi(f[1])
			s, err := strconv.ParseFloat(f[2], 64)
			if err != nil {
				t.Fatal(err)
			}
			want[[2]int{i, j}] = s
		}
		if len(got) != len(want) {
			t.Fatalf("threshold %v: %d candidates, want %d", threshold, len(got), len(want))
		}
		for _, p := range got {
			w, ok := want[[2]int{p.A, p.B}]
			if !ok {
				t.Fatalf("unexpected candidate %+v", p)
			}
			if w != p.Score {
				t.Fatalf("candidate (%d,%d): score %v, anonlink %v", p.A, p.B, p.Score, w)
			}
		}
		// Greedy solving gives anonlink's matches.
		matches := bloom.GreedyMatch(got)
		var gotM []string
		for _, m := range matches {
			gotM = append(gotM, strconv.Itoa(m.A)+","+strconv.Itoa(m.B))
		}
		wantM := readLines(t, filepath.Join(dir, "matches_"+ts+".csv"))[1:]
		sort.Strings(gotM)
		sort.Strings(wantM)
		if strings.Join(gotM, ";") != strings.Join(wantM, ";") {
			t.Fatalf("threshold %v: %d greedy matches, anonlink %d; first differences: %v", threshold, len(gotM), len(wantM), firstDiff(gotM, wantM))
		}
	}
}

func firstDiff(a, b []string) string {
	set := map[string]bool{}
	for _, x := range b {
		set[x] = true
	}
	var extra []string
	for _, x := range a {
		if !set[x] && len(extra) < 5 {
			extra = append(extra, x)
		}
	}
	return "ours only: " + strings.Join(extra, " ")
}
