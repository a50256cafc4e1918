package audit

import (
	"context"
	"runtime"
	"sort"
	"time"
)

// PatternMiningByYear is the pattern-mining attack run within each
// birth-year cohort.
const PatternMiningByYear = "pattern-mining-by-year"

// minCohort is the fewest records of one birth year the by-year attack
// mines: below it no q-gram is frequent enough to be told from chance.
const minCohort = 200

// patternMiningByYear runs the pattern-mining attack on each birth-year
// cohort of the file on its own. Salting name q-grams with the year of
// birth makes one name hash differently in every year, which defeats the
// attack on the whole file; within one year the salt is constant, so a
// cohort is a file encoded without salt. The attacker is assumed to know
// every record's year (it holds it, or decodes it: the date of birth is
// not salted), which is the strongest case. Years come from the truth's
// dates of birth; records without one, and cohorts under minCohort
// records, are left out and not scored. It returns nil when no cohort is
// large enough.
//
// The attacker's name lists are the whole population's; lists per year of
// birth would serve it somewhat better, so the result is a lower bound for
// an attacker holding those.
func patternMiningByYear(ctx context.Context, clks []byte, width int, ls *labelSpace, workers int, truth *Truth, norm func(string) string) (*AttackResult, error) {
	t0 := time.Now()
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	cohorts := map[string][]int{}
	for i, d := range truth.DOBs {
		if dd := dobDigits(d); dd != "" {
			cohorts[dd[:4]] = append(cohorts[dd[:4]], i)
		}
	}
	years := make([]string, 0, len(cohorts))
	for y, recs := range cohorts {
		if len(recs) >= minCohort {
			years = append(years, y)
		}
	}
	if len(years) == 0 {
		return nil, nil
	}
	sort.Strings(years)

	n := len(clks) / width
	ar := &AttackResult{Attack: PatternMiningByYear}
	var guesses [2][]guess
	for f := range guesses {
		guesses[f] = make([]guess, n)
		for i := range guesses[f] {
			guesses[f][i].name = -1
		}
	}
	attacked := make([]bool, n)
	for _, y := range years {
		recs := cohorts[y]
		ar.Cohorts++
		ar.CohortRecords += len(recs)
		sub := make([]byte, 0, len(recs)*width)
		for _, i := range recs {
			sub = append(sub, clks[i*width:(i+1)*width]...)
			attacked[i] = true
		}
		x := newMatrix(sub, width)
		atoms, _, assign, err := mineAndLabel(ctx, x, ls, workers)
		if err != nil {
			return nil, err
		}
		ar.Atoms += len(atoms)
		for _, id := range assign {
			if id >= 0 {
				ar.Labelled++
			}
		}
		g := decodeAll(x, atoms, assign, ls)
		for f := range g {
			for k, i := range recs {
				guesses[f][i] = g[f][k]
			}
		}
	}

	// Score the attacked records only: the truth of the others is blanked.
	for f := range 2 {
		if ls.fields[f].list.Len() == 0 {
			continue
		}
		tv := [2][]string{truth.Forenames, truth.Surnames}[f]
		if tv != nil {
			kept := make([]string, n)
			for i, v := range tv {
				if attacked[i] {
					kept[i] = v
				}
			}
			tv = kept
		}
		gs := guesses[f]
		fr := score(fieldNames[f], gs, ls.fields[f].list, tv, norm)
		ar.Fields = append(ar.Fields, fr)
	}
	ar.Seconds = time.Since(t0).Seconds()
	return ar, nil
}
