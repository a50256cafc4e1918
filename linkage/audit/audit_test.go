package audit

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func runOn(t *testing.T, e encoding, people []person, fl, sl *NameList, truth bool) *Result {
	t.Helper()
	clks := e.encodeAll(t, []byte("test-secret"), people)
	var tr *Truth
	if truth {
		tr = truthOf(people)
	}
	res, err := Run(context.Background(), clks, e.bits/8, Config{Forenames: fl, Surnames: sl}, tr)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func field(t *testing.T, r *Result, attack, name string) FieldResult {
	t.Helper()
	for _, a := range r.Attacks {
		if a.Attack != attack {
			continue
		}
		for _, f := range a.Fields {
			if f.Field == name {
				return f
			}
		}
	}
	t.Fatalf("no result for %s/%s", attack, name)
	return FieldResult{}
}

// TestPatternMiningRecoversPlainCLKs is the proof that the attack is real:
// from 2,000 plain CLKs (forename, surname and date of birth in one
// 1024-bit filter) and the population's name lists, it recovers most first
// names and surnames exactly, with precise confident guesses, whether the
// positions come from double hashing or random hashing.
func TestPatternMiningRecoversPlainCLKs(t *testing.T) {
	fl, sl := loadTestList(t, "forenames.csv"), loadTestList(t, "surnames.csv")
	people := synthPeople(2000, 1, fl, sl)
	for _, e := range []encoding{
		{name: "random hashing k=20", bits: 1024, k: 20},
		{name: "double hashing k=30", bits: 1024, k: 30, double: true},
	} {
		t.Run(e.name, func(t *testing.T) {
			res := runOn(t, e, people, fl, sl, true)
			for _, name := range []string{"forename", "surname"} {
				f := field(t, res, PatternMining, name)
				t.Logf("%s: recovered %.1f%%, confident precision %.1f%%", name, 100**f.RecoveryRate, 100**f.ConfidentPrecision)
				if *f.RecoveryRate < 0.6 {
					t.Errorf("%s: recovered %.1f%% of %d, want at least 60%%", name, 100**f.RecoveryRate, f.Scored)
				}
				if f.Confident < 200 || *f.ConfidentPrecision < 0.9 {
					t.Errorf("%s: %d confident guesses with precision %.2f, want ≥ 200 at ≥ 0.9", name, f.Confident, *f.ConfidentPrecision)
				}
			}
			if res.Pass || !strings.HasPrefix(res.Verdict, "FAIL") {
				t.Errorf("plain CLKs passed the audit: %s", res.Verdict)
			}
		})
	}
}

// TestHardenedDefaultResists checks the chosen default (keyed diffusion,
// t=4, over a 1024-bit filter with k=8) against both attacks on the same
// data.
func TestHardenedDefaultResists(t *testing.T) {
	fl, sl := loadTestList(t, "forenames.csv"), loadTestList(t, "surnames.csv")
	people := synthPeople(2000, 1, fl, sl)
	res := runOn(t, DefaultHardening(), people, fl, sl, true)
	for _, a := range res.Attacks {
		for _, f := range a.Fields {
			// Above chance: guessing frequent names hits a few percent.
			if *f.ExcessRate > 0.01 || *f.RecoveryRate > 0.03 {
				t.Errorf("%s recovers %.2f%% of %ss from the hardened default (%.2f%% above chance)", a.Attack, 100**f.RecoveryRate, f.Field, 100**f.ExcessRate)
			}
		}
	}
	if !res.Pass {
		t.Errorf("hardened default failed the audit: %s", res.Verdict)
	}
}

// TestNoTruthEstimates checks that without truth the result carries only
// confidence-based estimates, and that the estimate still flags plain CLKs.
func TestNoTruthEstimates(t *testing.T) {
	fl, sl := loadTestList(t, "forenames.csv"), loadTestList(t, "surnames.csv")
	people := synthPeople(1500, 2, fl, sl)
	res := runOn(t, encoding{bits: 1024, k: 20}, people, fl, sl, false)
	f := field(t, res, PatternMining, "forename")
	if f.RecoveryRate != nil || f.ConfidentPrecision != nil {
		t.Fatal("rates reported without truth")
	}
	if res.Pass || !strings.Contains(res.Verdict, "no truth given") {
		t.Errorf("verdict %q", res.Verdict)
	}
	// The JSON form has aggregate numbers only: no name from the lists.
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range people[:50] {
		for _, v := range []string{p.forename, p.surname} {
			if len(v) > 3 && strings.Contains(string(b), `"`+v+`"`) {
				t.Fatalf("result JSON contains a name")
			}
		}
	}
}

func TestRunRejectsBadInput(t *testing.T) {
	fl := NameListFromCounts(map[string]int64{"ann": 3})
	ctx := context.Background()
	if _, err := Run(ctx, make([]byte, 100), 12, Config{Forenames: fl}, nil); err == nil {
		t.Error("width 12 accepted")
	}
	if _, err := Run(ctx, make([]byte, 100), 64, Config{Forenames: fl}, nil); err == nil {
		t.Error("ragged filters accepted")
	}
	if _, err := Run(ctx, make([]byte, 128), 128, Config{}, nil); err == nil {
		t.Error("no name list accepted")
	}
	if _, err := Run(ctx, make([]byte, 256), 128, Config{Forenames: fl}, &Truth{Forenames: []string{"a"}}); err == nil {
		t.Error("short truth accepted")
	}
	res, err := Run(ctx, nil, 128, Config{Forenames: fl}, nil)
	if err != nil || !res.Pass {
		t.Errorf("empty file: %v %+v", err, res)
	}
	// All-zero filters: nothing to mine, nothing recovered.
	res, err = Run(ctx, make([]byte, 128*50), 128, Config{Forenames: fl}, nil)
	if err != nil || !res.Pass || res.MaxRisk != 0 {
		t.Errorf("zero filters: %v %+v", err, res)
	}
}

func TestRunHonoursCancellation(t *testing.T) {
	fl, sl := loadTestList(t, "forenames.csv"), loadTestList(t, "surnames.csv")
	clks := encoding{bits: 1024, k: 20}.encodeAll(t, []byte("s"), synthPeople(500, 3, fl, sl))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, clks, 128, Config{Forenames: fl, Surnames: sl}, nil); err == nil {
		t.Fatal("cancelled run succeeded")
	}
}
