package linkage

import (
	"bytes"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
)

// denseDatasets returns two datasets of n dense random filters (each bit
// set with probability density) without token rules; record i of b is
// record i of a with flip bits changed at random, so that pairs sit near
// Dice 0.85.
func denseDatasets(n int, density float64, flip int) (*Dataset, *Dataset) {
	const width = 128
	rng := rand.New(rand.NewPCG(1, 2))
	mk := func(name string) *Dataset {
		d := &Dataset{Name: name, Width: width, CLKs: make([]byte, n*width), Tokens: [][]byte{}, Valid: [][]bool{}}
		for i := range n {
			d.RecordIDs = append(d.RecordIDs, fmt.Sprintf("%s%d", name, i))
		}
		return d
	}
	a, b := mk("a"), mk("b")
	for i := range n {
		clk := a.CLK(i)
		for bit := range width * 8 {
			if rng.Float64() < density {
				clk[bit/8] |= 0x80 >> (bit % 8)
			}
		}
		copy(b.CLK(i), clk)
		for range flip {
			bit := rng.IntN(width * 8)
			b.CLK(i)[bit/8] ^= 0x80 >> (bit % 8)
		}
	}
	return a, b
}

// On dense filters the cost model picks the exhaustive search, which finds
// every pair above the floor as a candidate, and the summary carries no
// warning. (Linkage quality on real dense filters is the match_febrl4_clkhash
// testscript's.)
func TestDenseFiltersChooseExhaustive(t *testing.T) {
	a, b := denseDatasets(400, 0.7, 200)
	res, err := Match([]*Dataset{a, b}, Options{AutoThreshold: true, LinkOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	ps := res.Summary.Search.DatasetPairs[0]
	if ps.Method != "exhaustive-cost" || ps.EstRecall != 1 {
		t.Errorf("search %q with estimated recall %v, want exhaustive-cost and 1", ps.Method, ps.EstRecall)
	}
	if w := res.Summary.Search.Warnings; len(w) != 0 {
		t.Errorf("warnings %q on an exhaustive search", w)
	}
	if c := res.Summary.Counts.Candidates; c < 400 {
		t.Errorf("%d candidates, want at least the 400 true pairs", c)
	}
}

// When the LSH index cannot hold the bands dense filters need, the match
// says so on the log and in summary.json.
func TestDenseFiltersRecallWarning(t *testing.T) {
	a, b := denseDatasets(1500, 0.7, 200)
	var logBuf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logBuf, nil))
	res, err := Match([]*Dataset{a, b}, Options{AutoThreshold: true, LinkOnly: true, maxBands: 8, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	ps := res.Summary.Search.DatasetPairs[0]
	if ps.Method != "lsh" || ps.EstRecall >= RecallWarnBelow || ps.NeededBands <= 8 || ps.Bands != 8 {
		t.Fatalf("search %+v: want LSH with 8 bands, estimated recall below %v and more bands needed", ps, RecallWarnBelow)
	}
	w := res.Summary.Search.Warnings
	if len(w) != 1 || !strings.Contains(w[0], "a ~ b") || !strings.Contains(w[0], "--exhaustive") {
		t.Errorf("summary warnings %q", w)
	}
	if !strings.Contains(logBuf.String(), "level=WARN") || !strings.Contains(logBuf.String(), "recall below target") {
		t.Errorf("no warning logged: %s", logBuf.String())
	}
}

// On sparse, well-spread filters (the native default) at scale the cost
// model keeps LSH at the floor 0.8, whose plan meets the recall target.
func TestSparseFiltersKeepLSH(t *testing.T) {
	a, b := denseDatasets(20000, 0.25, 40)
	res, err := Match([]*Dataset{a, b}, Options{AutoThreshold: true, LinkOnly: true, MinDice: 0.8})
	if err != nil {
		t.Fatal(err)
	}
	ps := res.Summary.Search.DatasetPairs[0]
	if ps.Method != "lsh" || ps.EstRecall < RecallWarnBelow {
		t.Errorf("search %+v: want LSH meeting its recall target", ps)
	}
}
