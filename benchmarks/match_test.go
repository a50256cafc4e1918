package benchmarks

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pprl/pprl/internal/synth"
	"github.com/pprl/pprl/linkage"
	"github.com/pprl/pprl/linkage/evaluate"
	"github.com/pprl/pprl/tokenize"
)

// synthTokens generates a synthetic population with internal/synth and
// tokenizes each agency's extract with the starter linkage spec, as the
// demo does, returning the token file paths and the truth file. Files are
// cached under dir.
func synthTokens(tb testing.TB, dir string, people int, agencies []string, overlap map[string]float64) ([]string, string) {
	tb.Helper()
	truth := filepath.Join(dir, "synth", "truth.csv")
	if _, err := os.Stat(truth); err != nil {
		_, err := synth.Generate(context.Background(), synth.Config{People: people, Seed: 1, Agencies: agencies, Overlap: overlap, Force: true}, filepath.Join(dir, "synth"))
		if err != nil {
			tb.Fatal(err)
		}
	}
	specBytes, err := tokenize.MarshalSpec(tokenize.StarterSpec())
	if err != nil {
		tb.Fatal(err)
	}
	schema, err := tokenize.ParseSchema(specBytes)
	if err != nil {
		tb.Fatal(err)
	}
	secret := []byte("benchmark secret: not for real use")
	var out []string
	// The token files are cached under the spec's fingerprint and the
	// normalisers' version, so a new rule or table is measured, not a stale
	// cache (a rerun after t15 came measured the t1-t14 files cached
	// before it).
	tag := fmt.Sprintf("%.8s.v%d", schema.Fingerprint(), tokenize.NormaliserVersion)
	for _, a := range agencies {
		path := filepath.Join(dir, a+"."+tag+".tokens.parquet")
		out = append(out, path)
		if _, err := os.Stat(path); err == nil {
			continue
		}
		mapping, err := tokenize.LoadMapping(filepath.Join(dir, "synth", "mapping", a+".json"))
		if err != nil {
			tb.Fatal(err)
		}
		_, err = tokenize.Tokenize(context.Background(), tokenize.Options{Schema: schema, Mapping: mapping, Secret: secret,
			Dataset: a, Input: filepath.Join(dir, "synth", a+".csv"), Output: path, MaxRejectRate: -1,
			Created: time.Date(2025, 3, 31, 0, 0, 0, 0, time.UTC), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			tb.Fatal(err)
		}
	}
	return out, truth
}

func envInt(name string) int {
	n, _ := strconv.Atoi(os.Getenv(name))
	return n
}

func cacheDir(tb testing.TB, name string) string {
	base := os.Getenv("PPRL_BENCH_CACHE")
	if base == "" {
		return tb.TempDir()
	}
	d := filepath.Join(base, name)
	os.MkdirAll(d, 0o755)
	return d
}

// peakMemory samples the Go runtime's memory obtained from the OS until
// stop is closed and returns the maximum.
func peakMemory(stop chan struct{}) *atomic.Uint64 {
	var peak atomic.Uint64
	go func() {
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if v := ms.Sys - ms.HeapReleased; v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	return &peak
}

// TestMatchSynthQuality measures pairwise quality of `pprl match` on the
// four-agency synthetic data with default corruption. It is a measurement,
// not a unit test: set PPRL_MATCH_SYNTH=<people> to run it, e.g. 20000.
func TestMatchSynthQuality(t *testing.T) {
	people := envInt("PPRL_MATCH_SYNTH")
	if people == 0 {
		t.Skip("set PPRL_MATCH_SYNTH=<people> to measure quality on synthetic data")
	}
	dir := cacheDir(t, fmt.Sprintf("synth4-%d", people))
	files, truthPath := synthTokens(t, dir, people, synth.AgencyNames, nil)
	ds, err := linkage.LoadTokenFiles(files, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res, err := linkage.Match(ds, linkage.Options{AutoThreshold: true, MinDice: minDiceEnv(), Exhaustive: os.Getenv("PPRL_MATCH_EXHAUSTIVE") != ""})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("match took %v", time.Since(start))
	out := filepath.Join(dir, "out")
	if err := res.Write(out, true, start, 0); err != nil {
		t.Fatal(err)
	}
	o, err := evaluate.LoadOutputs(out)
	if err != nil {
		t.Fatal(err)
	}
	tf, _ := os.Open(truthPath)
	defer tf.Close()
	truth, err := evaluate.ReadTruth(tf)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := evaluate.Evaluate(o, truth, evaluate.Options{Scope: evaluate.ScopeCross})
	if err != nil {
		t.Fatal(err)
	}
	evaluate.WriteText(os.Stdout, ev)
	t.Logf("threshold %v: %s", res.Summary.Threshold.Value, res.Summary.Threshold.Why)
	for _, l := range res.Summary.Model.Describe() {
		t.Log(l)
	}
}

func minDiceEnv() float64 {
	v, _ := strconv.ParseFloat(os.Getenv("PPRL_MIN_DICE"), 64)
	return v
}

// TestMatchScale measures time and peak memory of linking two synthetic
// datasets (health and education extracts) of about n records each, and,
// with PPRL_MATCH_EXHAUSTIVE=1, the recall of the blocked search against
// the exhaustive one at the same Dice floor. Set PPRL_MATCH_SCALE=<people>.
func TestMatchScale(t *testing.T) {
	people := envInt("PPRL_MATCH_SCALE")
	if people == 0 {
		t.Skip("set PPRL_MATCH_SCALE=<people> to measure time and memory")
	}
	dir := cacheDir(t, fmt.Sprintf("scale-%d", people))
	files, _ := synthTokens(t, dir, people, []string{"health", "social_work"}, map[string]float64{"health": 1, "social_work": 1})
	runtime.GC()
	stop := make(chan struct{})
	peak := peakMemory(stop)
	start := time.Now()
	ds, err := linkage.LoadTokenFiles(files, nil)
	if err != nil {
		t.Fatal(err)
	}
	loaded := time.Since(start)
	res, err := linkage.Match(ds, linkage.Options{AutoThreshold: true, MinDice: minDiceEnv()})
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Write(filepath.Join(t.TempDir(), "out"), false, start, loaded); err != nil {
		t.Fatal(err)
	}
	close(stop)
	s := res.Summary
	t.Logf("n=%d×%d GOMAXPROCS=%d: total %.2fs (load %.2f search %.2f score %.2f solve %.2f write %.2f), peak Go memory %.0f MiB",
		ds[0].Len(), ds[1].Len(), runtime.GOMAXPROCS(0), s.Timings.Total, s.Timings.Load, s.Timings.Search, s.Timings.Score, s.Timings.Solve, s.Timings.Write, float64(peak.Load())/(1<<20))
	for _, p := range s.Search.DatasetPairs {
		t.Logf("search %+v", p)
	}
	t.Logf("counts %+v threshold %.3f", s.Counts, s.Threshold.Value)
	if os.Getenv("PPRL_MATCH_EXHAUSTIVE") == "" {
		return
	}
	md := s.Search.MinDice
	t0 := time.Now()
	ex, _ := linkage.Search(ds[0], ds[1], false, linkage.SearchOptions{MinDice: md, Exhaustive: true})
	tEx := time.Since(t0)
	t0 = time.Now()
	bl, _ := linkage.Search(ds[0], ds[1], false, linkage.SearchOptions{MinDice: md})
	tBl := time.Since(t0)
	in := map[[2]uint32]bool{}
	for _, p := range bl {
		in[[2]uint32{p.A, p.B}] = true
	}
	found, total := 0, 0
	for _, p := range ex {
		if linkage.PairDice(ds[0], ds[1], p) >= md { // similarity pairs only
			total++
			if in[[2]uint32{p.A, p.B}] {
				found++
			}
		}
	}
	t.Logf("recall vs exhaustive at Dice ≥ %.2f: %d of %d = %.4f; exhaustive %.1fs, blocked %.1fs (%.0f× faster)",
		md, found, total, float64(found)/float64(total), tEx.Seconds(), tBl.Seconds(), tEx.Seconds()/tBl.Seconds())
}

// benchData returns two synthetic token datasets of about n records.
func benchData(b *testing.B, people int) []*linkage.Dataset {
	dir := cacheDir(b, fmt.Sprintf("scale-%d", people))
	files, _ := synthTokens(b, dir, people, []string{"health", "social_work"}, map[string]float64{"health": 1, "social_work": 1})
	ds, err := linkage.LoadTokenFiles(files, nil)
	if err != nil {
		b.Fatal(err)
	}
	return ds
}

// BenchmarkMatchSearch compares the blocked candidate search (LSH + token
// joins + popcount bound) with the exhaustive baseline on the same data in
// the same run; pairs/s counts the n×m pairs covered per second.
func BenchmarkMatchSearch(b *testing.B) {
	ds := benchData(b, 20000)
	A, B := ds[0], ds[1]
	all := float64(A.Len()) * float64(B.Len())
	for _, mode := range []struct {
		name       string
		exhaustive bool
	}{{"blocked", false}, {"exhaustive", true}} {
		b.Run(mode.name, func(b *testing.B) {
			for b.Loop() {
				linkage.Search(A, B, false, linkage.SearchOptions{MinDice: linkage.DefaultMinDice, Exhaustive: mode.exhaustive})
			}
			b.ReportMetric(all*float64(b.N)/b.Elapsed().Seconds(), "pairs/s")
		})
	}
}
