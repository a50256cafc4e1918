package tokenize

import (
	"strings"
	"testing"

	"github.com/pprl/pprl/internal/exitcode"
)

// TestSexTally: rows are checked when the sex is known and the forename's
// first word is a gendered name; the extract is refused when more than a
// quarter of at least 100 checked rows contradict it, with a cause that
// depends on how many, and never when allowed.
func TestSexTally(t *testing.T) {
	var tl sexTally
	tl.add("OLIVIA ROSE", SexFemale)
	tl.add("OLIVIA", SexMale)
	tl.add("JACK", SexUnknown) // sex unknown: not checked
	tl.add("ALEX", SexMale)    // either sex: not checked
	tl.add("", SexFemale)
	if tl.checked != 2 || tl.contradicted != 1 {
		t.Fatalf("tally %+v, want 2 checked, 1 contradicted", tl)
	}
	cases := []struct {
		name                  string
		checked, contradicted int64
		allow                 bool
		want                  string // "" for no error
	}{
		{"correct mapping", 5000, 60, false, ""},
		{"swapped", 5000, 4950, false, "sex_codes are probably the wrong way round (which code"},
		{"swapped for part", 5000, 2400, false, "for part of the extract"},
		{"a quarter exactly", 400, 100, false, ""},
		{"too few rows", 99, 99, false, ""},
		{"allowed", 5000, 4950, true, ""},
	}
	for _, c := range cases {
		err := checkSexCodes(sexTally{checked: c.checked, contradicted: c.contradicted}, c.allow)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !exitcode.IsInput(err) || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: error %v, want an input error containing %q", c.name, err, c.want)
		}
	}
}

// TestGenderedForenames: every name of the list is in canonical form (the
// tally looks up NormalizeName's output), and no name given to both sexes,
// or to one here and the other elsewhere, is in it.
func TestGenderedForenames(t *testing.T) {
	if len(genderedForenames) < 150 {
		t.Errorf("%d names", len(genderedForenames))
	}
	for n := range genderedForenames {
		if got, err := NormalizeName(n); err != nil || got != n {
			t.Errorf("%q normalises to %q (%v)", n, got, err)
		}
	}
	for _, n := range []string{"ALEX", "JAMIE", "JORDAN", "CHARLIE", "LEE", "TAYLOR", "MORGAN", "CAMERON", "JEAN", "NICOLA", "ANDREA", "ROBYN", "SAM", "FRANCES", "FRANCIS"} {
		if _, ok := genderedForenames[n]; ok {
			t.Errorf("%s is given to both sexes", n)
		}
	}
}
