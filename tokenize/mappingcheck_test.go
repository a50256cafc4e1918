package tokenize

import (
	"strings"
	"testing"

	"github.com/pprl/pprl/internal/exitcode"
)

// TestMappingTally: rows are checked for sex when it is known and the
// forename's first word is a gendered name, and for swapped names when
// both names are present; the extract is refused when the sex contradicts
// more than a quarter of at least 100 checked rows (with a cause that
// depends on how many), or when a quarter of the surnames are forenames,
// more than twice as many as the forenames; never when allowed, and with
// no value in the error.
func TestMappingTally(t *testing.T) {
	var tl mappingTally
	tl.add("OLIVIA ROSE", "SMITH", SexFemale)
	tl.add("OLIVIA", "MARTIN", SexMale)
	tl.add("JACK", "", SexUnknown)   // no sex, no surname: not checked
	tl.add("ALEX", "BROWN", SexMale) // either sex: not checked for sex
	tl.add("", "JACK", SexFemale)    // no forename
	want := mappingTally{sexChecked: 2, sexContradicted: 1, named: 3, foreHits: 2, surHits: 1}
	if tl != want {
		t.Fatalf("tally %+v, want %+v", tl, want)
	}
	cases := []struct {
		name  string
		tally mappingTally
		allow bool
		want  string // "" for no error
	}{
		{"correct mapping", mappingTally{5000, 60, 9000, 4800, 350}, false, ""},
		{"sex swapped", mappingTally{5000, 4950, 9000, 4800, 350}, false, "sex_codes are probably the wrong way round (which code"},
		{"sex swapped for part", mappingTally{5000, 2400, 9000, 4800, 350}, false, "for part of the extract"},
		{"a quarter exactly", mappingTally{400, 100, 400, 200, 10}, false, ""},
		{"too few rows", mappingTally{99, 99, 99, 0, 99}, false, ""},
		{"names swapped", mappingTally{300, 10, 9000, 350, 4800}, false, "forename and surname columns the wrong way round"},
		{"names swapped, the surnames' sex at random", mappingTally{350, 175, 9000, 350, 4800}, false, "forename and surname columns the wrong way round"},
		{"many surnames are forenames, but forenames more so", mappingTally{5000, 60, 9000, 6000, 2500}, false, ""},
		{"allowed", mappingTally{5000, 4950, 9000, 350, 4800}, true, ""},
	}
	for _, c := range cases {
		err := checkMapping(c.tally, c.allow)
		if err != nil && strings.Contains(c.name, "names swapped") && strings.Contains(err.Error(), "sex:") {
			t.Errorf("%s: the sex is judged on the surnames: %v", c.name, err)
		}
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !exitcode.IsInput(err) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "--allow-suspect-mapping")):
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
