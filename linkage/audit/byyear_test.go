package audit

import (
	"testing"
)

// peopleInYears draws n people and spreads their births over the given
// number of years from 2005 (the cohorts of a children's services file),
// keeping each one's day and month.
func peopleInYears(n, years int, seed uint64, fl, sl *NameList) []person {
	people := synthPeople(n, seed, fl, sl)
	for i := range people {
		y := 2005 + i%years
		people[i].dob = string([]byte{byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10)}) + people[i].dob[4:]
	}
	return people
}

// cohortPeople is the by-year tests' population: two cohorts, smaller
// under the race detector.
func cohortPeople() int {
	if raceEnabled {
		return 2000
	}
	return 3000
}

// TestPatternMiningByYear: salting names by year alone stops the attack on
// the whole file but not within a year, where the salt is constant; the
// test fails if the by-year attack stops working on year-salted CLKs, or
// if it recovers more than the audit's limit from the default hardening.
func TestPatternMiningByYear(t *testing.T) {
	fl, sl := loadTestList(t, "forenames.csv"), loadTestList(t, "surnames.csv")
	people := peopleInYears(cohortPeople(), 2, 5, fl, sl)
	salted := encoding{name: "salt year only, k=20", bits: 1024, k: 20, saltYear: true}
	for _, c := range []struct {
		e     encoding
		least float64 // by-year recovery must reach this (0: none asked)
		most  float64 // and its excess over chance stay under this (0: none asked)
	}{
		{e: salted, least: 0.45},
		{e: DefaultHardening(), most: DefaultRiskThreshold},
	} {
		t.Run(c.e.name, func(t *testing.T) {
			clks := c.e.encodeAll(t, []byte("test-secret"), people)
			tr := truthOf(people)
			tr.DOBs = make([]string, len(people))
			for i, p := range people {
				tr.DOBs[i] = p.dob
			}
			ls := newLabelSpace(Config{Forenames: fl, Surnames: sl, Q: 2})
			ar, err := patternMiningByYear(t.Context(), clks, c.e.bits/8, ls, 0, tr, NormaliseName)
			if err != nil || ar == nil {
				t.Fatalf("by-year attack: %v, %v", ar, err)
			}
			for _, f := range ar.Fields {
				t.Logf("%s: by year %.1f%% (%.1f%% above chance) of %d", f.Field, 100**f.RecoveryRate, 100**f.ExcessRate, f.Scored)
				if f.Scored != len(people) {
					t.Errorf("%s: %d records scored by year, want all %d", f.Field, f.Scored, len(people))
				}
				if c.least > 0 && *f.RecoveryRate < c.least {
					t.Errorf("%s: by-year mining recovers %.1f%%, want at least %.0f%%", f.Field, 100**f.RecoveryRate, 100*c.least)
				}
				if c.most > 0 && *f.ExcessRate > c.most {
					t.Errorf("%s: by-year mining recovers %.2f%% above chance, want at most %.0f%%", f.Field, 100**f.ExcessRate, 100*c.most)
				}
			}
		})
	}
}

// TestPatternMiningByYearNeedsCohorts: without dates of birth, or with
// cohorts too small to mine, the attack is not reported.
func TestPatternMiningByYearNeedsCohorts(t *testing.T) {
	fl, sl := loadTestList(t, "forenames.csv"), loadTestList(t, "surnames.csv")
	people := synthPeople(600, 3, fl, sl) // 60 years: ten per cohort
	e := encoding{bits: 1024, k: 20, saltYear: true}
	clks := e.encodeAll(t, []byte("test-secret"), people)
	tr := truthOf(people)
	for _, dobs := range []bool{false, true} {
		tr.DOBs = nil
		if dobs {
			tr.DOBs = make([]string, len(people))
			for i, p := range people {
				tr.DOBs[i] = p.dob
			}
		}
		ls := newLabelSpace(Config{Forenames: fl, Surnames: sl, Q: 2})
		ar, err := patternMiningByYear(t.Context(), clks, e.bits/8, ls, 0, tr, NormaliseName)
		if err != nil || ar != nil {
			t.Errorf("dates of birth given %v: by-year attack = %v, %v; want nothing run on cohorts under %d records", dobs, ar, err, minCohort)
		}
	}
}
