package audit

import (
	"testing"
)

// attackResults runs the known-plaintext attack (10% labelled) and the
// graph-matching attack (50 known pairs) on n synthetic people encoded with
// e under two keys (the data team's and the attacker's own).
func attackResults(t *testing.T, e encoding, n int) (kp, gm AttackResult) {
	t.Helper()
	fl, sl := loadTestList(t, "forenames.csv"), loadTestList(t, "surnames.csv")
	people := synthPeople(n, 7, fl, sl)
	target := newMatrix(e.encodeAll(t, []byte("the data team's secret"), people), e.bits/8)
	attacker := newMatrix(e.encodeAll(t, []byte("the attacker's own key"), people), e.bits/8)
	tr := truthOf(people)
	tr.DOBs = make([]string, n)
	for i, p := range people {
		tr.DOBs[i] = p.dob
	}
	return knownPlaintext(target, tr, 0.1, 1), graphMatch(target, attacker, 50, 1)
}

func rate(t *testing.T, a AttackResult, field string) float64 {
	t.Helper()
	for _, f := range a.Fields {
		if f.Field == field {
			return *f.RecoveryRate
		}
	}
	t.Fatalf("%s: no field %s", a.Attack, field)
	return 0
}

// TestAttacksSucceedOnPlainCLKs: on plain CLKs both attacks of an attacker
// holding plaintext work, so the audit would fail such a file; the test
// fails if either attack stops working.
func TestAttacksSucceedOnPlainCLKs(t *testing.T) {
	kp, gm := attackResults(t, encoding{name: "plain", bits: 1024, k: 20}, attackPeople())
	for _, c := range []struct {
		a     AttackResult
		field string
		least float64
	}{{kp, "forename", 0.15}, {kp, "surname", 0.15}, {kp, "dob", 0.02}, {gm, "record", 0.4}} {
		if r := rate(t, c.a, c.field); r < c.least {
			t.Errorf("%s %s: %.1f%% recovered on plain CLKs, want at least %.0f%%", c.a.Attack, c.field, 100*r, 100*c.least)
		}
	}
	t.Logf("plain: known-plaintext forename %.1f%% surname %.1f%% dob %.1f%%; graph-matching %.1f%%",
		100*rate(t, kp, "forename"), 100*rate(t, kp, "surname"), 100*rate(t, kp, "dob"), 100*rate(t, gm, "record"))
}

// TestAttacksOnHardenedCLKs: salting names by year and diffusion (as the
// native default) hold the graph-matching attack near chance and the
// known-plaintext attack on names near its chance rate.
func TestAttacksOnHardenedCLKs(t *testing.T) {
	kp, gm := attackResults(t, DefaultHardening(), attackPeople())
	if r := rate(t, gm, "record"); r > 0.02 {
		t.Errorf("graph-matching re-identifies %.1f%% of hardened records, want at most 2%%", 100*r)
	}
	for _, f := range kp.Fields {
		if f.Field != "dob" && *f.ExcessRate > 0.05 {
			t.Errorf("known-plaintext recovers %.1f%% of %s above chance on hardened CLKs, want at most 5%%", 100**f.ExcessRate, f.Field)
		}
	}
	t.Logf("hardened: known-plaintext forename %.1f%% surname %.1f%% dob %.1f%%; graph-matching %.1f%%",
		100*rate(t, kp, "forename"), 100*rate(t, kp, "surname"), 100*rate(t, kp, "dob"), 100*rate(t, gm, "record"))
}

func TestDOBDigits(t *testing.T) {
	for in, want := range map[string]string{"19900503": "19900503", "1990-05-03": "19900503", "03/05/1990": "19900503",
		"3/5/1990": "", "900503": "", "": "", "2001.12.31": "20011231"} {
		if got := dobDigits(in); got != want {
			t.Errorf("dobDigits(%q) = %q, want %q", in, got, want)
		}
	}
}

// attackPeople is the size of the attack tests' population: smaller under
// the race detector, which slows the attacks' inner loops tenfold.
func attackPeople() int {
	if raceEnabled {
		return 800
	}
	return 1500
}
