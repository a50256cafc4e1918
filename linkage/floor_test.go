package linkage

import (
	"bytes"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
)

// familyDatasets returns two datasets of n sparse filters in families of
// size fam: a family shares a base filter and each record redraws an eighth
// of its bits, so that records of one family (like people who share a
// surname) share many bits. Record i of b is record i of a with flip bits
// changed.
func familyDatasets(n, fam, flip int) (*Dataset, *Dataset) {
	const width = 128
	rng := rand.New(rand.NewPCG(3, 4))
	mk := func(name string) *Dataset {
		d := &Dataset{Name: name, Width: width, CLKs: make([]byte, n*width), Tokens: [][]byte{}, Valid: [][]bool{}}
		for i := range n {
			d.RecordIDs = append(d.RecordIDs, fmt.Sprintf("%s%d", name, i))
		}
		return d
	}
	a, b := mk("a"), mk("b")
	base := make([]byte, width)
	for i := range n {
		if i%fam == 0 {
			for k := range base {
				base[k] = byte(rng.Uint32() & rng.Uint32()) // density 1/4
			}
		}
		clk := a.CLK(i)
		copy(clk, base)
		for k := range clk {
			redraw := byte(rng.Uint32() & rng.Uint32() & rng.Uint32()) // an eighth of the bits redrawn
			clk[k] = clk[k]&^redraw | byte(rng.Uint32()&rng.Uint32())&redraw
		}
		copy(b.CLK(i), clk)
		for range flip {
			bit := rng.IntN(width * 8)
			b.CLK(i)[bit/8] ^= 0x80 >> (bit % 8)
		}
	}
	return a, b
}

// lshMeets, the sampled estimate of the records a query meets, is within
// a quarter of what the search then gathers, on filters whose bits are
// correlated within families, where the estimate from bit densities alone
// is several times too low; and so on a self search.
func TestLSHMeetsEstimate(t *testing.T) {
	a, b := familyDatasets(24000, 50, 30)
	for _, d := range []*Dataset{a, b} {
		if err := d.Prepare(); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name string
		B    *Dataset
		self bool
	}{{"a~b", b, false}, {"a~a", a, true}} {
		plan := planLSH(a, tc.B, 0.8, 0, 0, 0, lshBucketTarget, lshRecallTarget, bandCap(tc.B.Len()))
		est := lshMeets(a, tc.B, tc.self, plan)
		l := lshQueries{A: a, B: tc.B, self: tc.self, opt: SearchOptions{MaxBucket: 1 << 30}}
		for _, pos := range plan.Positions {
			l.bands = append(l.bands, buildBand(tc.B, pos))
		}
		keys, _, _ := l.gather(&lshScratch{}, 0, min(a.Len(), 1<<16-1))
		actual := float64(len(keys)) / float64(min(a.Len(), 1<<16-1))
		fromDensity := float64(plan.Bands) * float64(tc.B.Len()) * plan.RandomCollision
		if tc.self {
			fromDensity /= 2
		}
		t.Logf("%s: %d bands of %d bits; meets per query: gathered %.1f, sampled estimate %.1f, from densities %.1f", tc.name, plan.Bands, plan.Bits, actual, est, fromDensity)
		if est < 0.75*actual || est > 1.25*actual {
			t.Errorf("%s: estimated %.1f meets per query, the search gathers %.1f", tc.name, est, actual)
		}
		if fromDensity > actual/2 {
			t.Errorf("%s: the density estimate %.1f is not far below the %.1f gathered: the data do not show the correlation this test is about", tc.name, fromDensity, actual)
		}
	}
}

// A run without a floor keeps the default within the search budget and
// raises it, step by step, beyond: it says so on the log and in
// summary.json, and the estimates it made fall with the floor. A floor
// given explicitly is kept whatever the cost.
func TestFloorRaisedOverBudget(t *testing.T) {
	a, b := familyDatasets(3000, 50, 30)
	run := func(minDice, budget float64) (*Result, string) {
		t.Helper()
		defer func(old float64) { searchBudget = old }(searchBudget)
		searchBudget = budget
		var logBuf bytes.Buffer
		res, err := Match([]*Dataset{a, b}, Options{AutoThreshold: true, MinDice: minDice, Log: slog.New(slog.NewTextHandler(&logBuf, nil))})
		if err != nil {
			t.Fatal(err)
		}
		return res, logBuf.String()
	}

	res, log := run(0, 2e9)
	s := res.Summary.Search
	if s.MinDice != DefaultMinDice || s.MinDiceSource != FloorDefault || len(s.FloorEstimates) != 1 || len(s.Warnings) != 0 || strings.Contains(log, "raised") {
		t.Fatalf("within budget: floor %v (%s), estimates %+v, warnings %q", s.MinDice, s.MinDiceSource, s.FloorEstimates, s.Warnings)
	}
	work := s.FloorEstimates[0].Work

	res, log = run(0, work/4)
	s = res.Summary.Search
	if s.MinDice <= DefaultMinDice || s.MinDice > maxAutoMinDice || s.MinDiceSource != FloorRaised {
		t.Fatalf("over budget: floor %v (%s), want raised", s.MinDice, s.MinDiceSource)
	}
	est := s.FloorEstimates
	if len(est) < 2 || est[len(est)-1].MinDice != s.MinDice {
		t.Fatalf("estimates %+v do not end at the floor chosen, %v", est, s.MinDice)
	}
	for i := 1; i < len(est); i++ {
		// A lower bound (the LSH meets not sampled) may lie below the
		// full estimate at the next floor: only like with like is
		// compared. Without AVX-512 the costs differ and that happens.
		if est[i].Work >= est[i-1].Work && est[i].LowerBound == est[i-1].LowerBound {
			t.Errorf("estimates %+v: the work does not fall as the floor rises", est)
		}
		if i < len(est)-1 && est[i].Work <= work/4 {
			t.Errorf("estimates %+v: stopped later than the first floor within budget", est)
		}
	}
	if last := est[len(est)-1]; last.Work > work/4 && last.MinDice < maxAutoMinDice {
		t.Errorf("estimates %+v: stopped over budget below %v", est, maxAutoMinDice)
	}
	if len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], "--min-dice 0.80") || !strings.Contains(log, "level=WARN") || !strings.Contains(log, "floor raised") {
		t.Errorf("over budget: warnings %q, log %s", s.Warnings, log)
	}

	if last := est[len(est)-1]; last.Work <= work/4 && last.LowerBound {
		t.Errorf("estimates %+v: the floor chosen within budget was not measured in full", est)
	}

	res, _ = run(0.8, work/4)
	s = res.Summary.Search
	if s.MinDice != 0.8 || s.MinDiceSource != FloorFromOption || len(s.FloorEstimates) != 0 || len(s.Warnings) != 0 {
		t.Errorf("explicit floor: %v (%s), estimates %+v, warnings %q", s.MinDice, s.MinDiceSource, s.FloorEstimates, s.Warnings)
	}
}

// Shards of a run whose floor the cost model raises choose the same floor
// (the estimate is deterministic), so their parts merge into the outputs
// of one process.
func TestShardsShareRaisedFloor(t *testing.T) {
	a, b := familyDatasets(1500, 50, 30)
	datasets := []*Dataset{a, b}
	defer func(old float64) { searchBudget = old }(searchBudget)
	searchBudget = 1 // every floor is over budget: the highest is chosen
	opt := Options{AutoThreshold: true}
	var wholeFloor float64
	whole := writeResult(t, func() (*Result, error) {
		res, err := Match(datasets, opt)
		if err == nil {
			wholeFloor = res.Summary.Search.MinDice
		}
		return res, err
	})
	if wholeFloor != maxAutoMinDice {
		t.Fatalf("floor %v, want %v with every floor over budget", wholeFloor, maxAutoMinDice)
	}
	var parts []*Part
	for i := range 2 {
		p, err := MatchShard(datasets, opt, Shard{Index: i, Count: 2})
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), "part")
		if err := p.Write(dir, false); err != nil {
			t.Fatal(err)
		}
		op, err := OpenPart(dir)
		if err != nil {
			t.Fatal(err)
		}
		if op.Manifest.Run.MinDice != wholeFloor {
			t.Errorf("shard %d searched at %v, the whole run at %v", i, op.Manifest.Run.MinDice, wholeFloor)
		}
		parts = append(parts, op)
	}
	merged := writeResult(t, func() (*Result, error) { return MergeParts(datasets, opt, parts) })
	for _, f := range []string{LinksFile, EntitiesFile} {
		if !bytes.Equal(whole[f], merged[f]) {
			t.Errorf("%s of the merged shards differs from the one-process run", f)
		}
	}
}

// spreadPairs returns two datasets of n independent random filters of bit
// density 1/4 (random pairs' Dice about 0.25) in which record i of b is
// record i of a with some of its set bits cleared and as many others set:
// the true pairs' Dice spread evenly from 0.55 to 0.95.
func spreadPairs(n int) (*Dataset, *Dataset) {
	const width = 128
	rng := rand.New(rand.NewPCG(5, 6))
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
		for k := range clk {
			clk[k] = byte(rng.Uint32() & rng.Uint32())
		}
		copy(b.CLK(i), clk)
		// Moving m of p set bits leaves Dice 1 - m/p.
		want := 0.55 + 0.4*float64(i)/float64(n)
		var set, unset []int
		for bit := range width * 8 {
			if clk[bit/8]&(0x80>>(bit%8)) != 0 {
				set = append(set, bit)
			} else {
				unset = append(unset, bit)
			}
		}
		m := int((1 - want) * float64(len(set)))
		for _, k := range rng.Perm(len(set))[:m] {
			b.CLK(i)[set[k]/8] &^= 0x80 >> (set[k] % 8)
		}
		for _, k := range rng.Perm(len(unset))[:m] {
			b.CLK(i)[unset[k]/8] |= 0x80 >> (unset[k] % 8)
		}
	}
	return a, b
}

// Where random pairs' Dice lies far below the default floor and the search
// fits the budget, a run without a floor lowers it to minAutoMinDice and
// finds the true pairs between it and the default; an exhaustive run does
// the same without estimating the work. Where random pairs reach the
// default floor (dense filters, or records in families that share many
// bits), the floor stays at the default.
func TestFloorLoweredWhereRandomPairsAllow(t *testing.T) {
	a, b := spreadPairs(2000)
	match := func(opt Options) *Result {
		t.Helper()
		opt.AutoThreshold, opt.LinkOnly = true, true
		res, err := Match([]*Dataset{a, b}, opt)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	at08 := match(Options{MinDice: DefaultMinDice}).Summary.Counts.Candidates
	for _, exhaustive := range []bool{false, true} {
		res := match(Options{Exhaustive: exhaustive})
		s := res.Summary.Search
		if s.MinDice != minAutoMinDice || s.MinDiceSource != FloorLowered || len(s.Warnings) != 0 {
			t.Fatalf("exhaustive %v: floor %v (%s), warnings %q: want %v, %q", exhaustive, s.MinDice, s.MinDiceSource, s.Warnings, minAutoMinDice, FloorLowered)
		}
		if exhaustive != (len(s.FloorEstimates) == 0) {
			t.Errorf("exhaustive %v: estimates %+v", exhaustive, s.FloorEstimates)
		}
		// True pairs run from Dice 0.55 to 0.95: three eighths are below
		// 0.7, five eighths below 0.8.
		c := res.Summary.Counts.Candidates
		if c < 1200 || c > 1300 || at08 < 700 || at08 > 800 {
			t.Errorf("exhaustive %v: %d candidates at the floor %v, %d at %v: want about 1,250 and 750", exhaustive, c, s.MinDice, at08, DefaultMinDice)
		}
	}

	dense, dense2 := denseDatasets(2000, 0.75, 40)
	fa, fb := familyDatasets(3000, 50, 30)
	for name, ds := range map[string][]*Dataset{"dense": {dense, dense2}, "families": {fa, fb}} {
		res, err := Match(ds, Options{AutoThreshold: true, LinkOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		if s := res.Summary.Search; s.MinDice != DefaultMinDice || s.MinDiceSource != FloorDefault {
			t.Errorf("%s: floor %v (%s), want the default %v", name, s.MinDice, s.MinDiceSource, DefaultMinDice)
		}
	}
}

// normalTail is the upper tail of the normal distribution.
func TestNormalTail(t *testing.T) {
	for _, tc := range []struct{ x, mean, sd, want float64 }{
		{0.5, 0.5, 0.02, 0.5},
		{0.6, 0.5, 0.02, 2.866515718791939e-07}, // 5 sd
		{0.54, 0.5, 0.02, 0.022750131948179195}, // 2 sd
		{0.4, 0.5, 0, 1},
		{0.6, 0.5, 0, 0},
	} {
		if got := normalTail(tc.x, tc.mean, tc.sd); math.Abs(got-tc.want) > 1e-12*max(1, tc.want) && math.Abs(got-tc.want)/tc.want > 1e-9 {
			t.Errorf("normalTail(%v, %v, %v) = %v, want %v", tc.x, tc.mean, tc.sd, got, tc.want)
		}
	}
}
