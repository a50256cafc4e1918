package linkage

import (
	"slices"
	"testing"
)

// TestNamesakeCensus: pairs agreeing on a family rule alone are refused in
// the Dice bands where the pairs within datasets (twins), scaled to the
// space between datasets, make up at least half of the candidates between
// datasets, within datasets as well as between them; bands of mostly
// matches pass; a band with too few candidates, and every band when there
// are no pairs within datasets (or none between), is scored with the
// family rule missing. A pattern where another rule agrees too, and
// datasets naming no family rule, are left alone. Patterns are counted by
// the rules they agree on and their band: the ID rule's outcome (one
// agency holds no CHI) and whether another rule is missing or differs
// (a rule most records lack) are left out.
func TestNamesakeCensus(t *testing.T) {
	rules := []string{"initial", "family", "id"}
	const (
		twinsBand = 5  // [0.60, 0.65)
		typoBand  = 14 // [0.84, 0.86)
		fewBand   = 6  // [0.65, 0.70)
		smallBand = 16 // [0.88, 0.90)
		mixedBand = 7  // [0.70, 0.72)
	)
	famOnly := func(present uint16, band int) pattern { return makePattern(0b010, present, 3, band) }
	withInitial := makePattern(0b011, 0b011, 3, twinsBand)
	ds := []*Dataset{
		{Name: "health", Rules: rules, FamilyRules: []string{"family"}, RecordIDs: make([]string, 1000)},
		{Name: "education", Rules: rules, FamilyRules: []string{"family"}, RecordIDs: make([]string, 1000)},
	}
	repeat := func(p pattern, n int) []pattern { return slices.Repeat([]pattern{p}, n) }
	// Within health, twins: the CHI held by both and different; for 8 of
	// them the first rule is missing on a side.
	within := slices.Concat(repeat(famOnly(0b111, twinsBand), 20), repeat(famOnly(0b110, twinsBand), 8),
		repeat(famOnly(0b111, typoBand), 1), repeat(famOnly(0b111, mixedBand), 2))
	// Between, no CHI in education: twins and children with a typo.
	between := slices.Concat(repeat(famOnly(0b011, twinsBand), 40), repeat(famOnly(0b011, typoBand), 50),
		repeat(famOnly(0b011, fewBand), 5), repeat(famOnly(0b011, smallBand), 15), repeat(famOnly(0b011, mixedBand), 15),
		repeat(withInitial, 40))
	sets := []pairSet{{da: 0, db: 0, pats: within}, {da: 0, db: 1, pats: between}}
	census := censusOf(sets, ds)
	// Pair spaces: 499,500 within, 1,000,000 between: 28 twins within
	// health stand for 56 namesakes among the 40 candidates of their band.
	cases := []struct {
		name string
		p    pattern
		want familyVerdict
	}{
		{"twins' band between datasets", famOnly(0b011, twinsBand), familyRefused},
		{"twins' band within a dataset, CHIs differing", famOnly(0b111, twinsBand), familyRefused},
		{"typo band, mostly matches", famOnly(0b011, typoBand), familyPasses},
		{"too few to judge", famOnly(0b011, fewBand), familyUnjudged},
		// Under minNamesakeCandidates: judged only where even the upper
		// limit of the namesakes (none within: 2.97, scaled 5.9) is under
		// half the candidates (15), not where 2 within (6.3, scaled
		// 12.6) may be more.
		{"a small band with no twins", famOnly(0b011, smallBand), familyPasses},
		{"a small band with some", famOnly(0b011, mixedBand), familyUnjudged},
		{"another rule agrees too", withInitial, familyNone},
		{"the CHI agrees", makePattern(0b110, 0b111, 3, twinsBand), familyNone},
	}
	for _, c := range cases {
		if got := census.verdict(c.p); got != c.want {
			t.Errorf("%s: verdict %d, want %d", c.name, got, c.want)
		}
	}
	m := &Model{Rules: rules, Converged: true, ExpectedMatches: 1000}
	_, list := strangerPatterns(m, nil, census, minStrangerCandidates, rarePatterns{}, 0)
	if len(list) != 1 || list[0].Candidates != 40 || list[0].Namesakes < 55.9 || list[0].Namesakes > 56.2 ||
		!slices.Equal(list[0].Agree, []string{"family"}) || list[0].DiceBand != "[0.60, 0.65)" {
		t.Errorf("summary entries %+v", list)
	}

	// No pairs within datasets (--link-only), or none between (one file
	// deduplicated): nothing to judge by.
	for _, only := range [][]pairSet{sets[1:], sets[:1]} {
		if v := censusOf(only, ds).verdict(famOnly(0b011, twinsBand)); v != familyUnjudged {
			t.Errorf("%d sets: verdict %d, want the family rule missing", len(only), v)
		}
	}
	// Without family rules nothing is judged.
	for _, d := range ds {
		d.FamilyRules = nil
	}
	if v := censusOf(sets, ds).verdict(famOnly(0b011, twinsBand)); v != familyNone {
		t.Errorf("verdict %d without a family rule", v)
	}
}

func TestPoissonUpper95(t *testing.T) {
	// Exact one-sided 95% upper limits of a Poisson mean.
	for k, want := range map[int64]float64{0: 2.9957, 1: 4.7439, 2: 6.2958, 4: 9.1535, 10: 17.0848, 100: 117.6} {
		if got := poissonUpper95(k); got < want*0.99 || got > want*1.01 {
			t.Errorf("poissonUpper95(%d) = %.4f, want %.4f within 1%%", k, got, want)
		}
	}
}

// TestNamesakeRules: a pair agreeing on a rule that holds the forename but
// not the date of birth (the starter spec's t7), and on nothing else, while
// a rule with the date of birth differs (both records hold one, not the
// same) is for the census, as a parent and a child of one name at one
// address agree so: refused where pairs within datasets say so, scored
// without the name rule where the census cannot judge. With the date of
// birth missing on a side, or with a rule on the day and month agreeing
// too (a mistyped year), it is scored as before.
func TestNamesakeRules(t *testing.T) {
	rules := []string{"names_sector", "names_daymonth", "forename_dob"}
	fields := [][]string{{"forename", "postcode", "surname"}, {"dob", "forename", "surname"}, {"dob", "forename", "sex"}}
	ds := []*Dataset{
		{Name: "health", Rules: rules, RuleFields: fields, RecordIDs: make([]string, 1000)},
		{Name: "social_work", Rules: rules, RuleFields: fields, RecordIDs: make([]string, 1000)},
	}
	const band = 4 // [0.55, 0.60)
	parentChild := makePattern(0b001, 0b111, 3, band)
	dobMissing := makePattern(0b001, 0b001, 3, band)
	yearTypo := makePattern(0b011, 0b111, 3, band)
	repeat := func(p pattern, n int) []pattern { return slices.Repeat([]pattern{p}, n) }
	within := repeat(parentChild, 30)
	between := slices.Concat(repeat(parentChild, 40), repeat(dobMissing, 40), repeat(yearTypo, 40))
	sets := []pairSet{{da: 0, db: 0, pats: within}, {da: 0, db: 1, pats: between}}
	census := censusOf(sets, ds)
	for _, c := range []struct {
		name string
		p    pattern
		want familyVerdict
	}{
		{"names agree, birthdays differ", parentChild, familyRefused},
		{"a birthday missing", dobMissing, familyNone},
		{"day and month agree too", yearTypo, familyNone},
	} {
		if got := census.verdict(c.p); got != c.want {
			t.Errorf("%s: verdict %d, want %d", c.name, got, c.want)
		}
	}
	if v := censusOf(sets[1:], ds).verdict(parentChild); v != familyUnjudged {
		t.Errorf("without pairs within datasets: verdict %d, want unjudged", v)
	}
	// Without rule fields in the manifests (older token files) or without
	// a rule on the date of birth, nothing is judged.
	for _, strip := range []func(){
		func() { ds[0].RuleFields, ds[1].RuleFields = nil, nil },
		func() {
			f := [][]string{{"forename", "postcode", "surname"}, {"forename", "surname"}, {"forename", "sex"}}
			ds[0].RuleFields, ds[1].RuleFields = f, f
		},
	} {
		strip()
		if v := censusOf(sets, ds).verdict(parentChild); v != familyNone {
			t.Errorf("verdict %d, want none", v)
		}
	}
}
