package audit

import (
	"math"
	"math/rand/v2"
)

// The known-plaintext attack: an attacker who knows the true values of some
// encoded records (an insider, a leaked extract of the same release) learns
// from them which filter bits go with which value, and reads the values of
// the other records.
//
// The learner is naive Bayes over the filter's bits, one class per value
// seen among the labelled records: P(bit j set | value v) estimated with
// add-half smoothing, the prior by the value's count. Bits of one q-gram
// are set together, so on plain CLKs a value's bits stand out after one or
// two examples; diffusion spreads each bit over t inputs, which is what
// makes the classes hard to tell apart. The score of a record for a value
// is a sum over its set bits of the value's log-odds, so scoring is one
// pass over the set bits per record, adding a row of class weights.

// KnownPlaintext is the attack's name, as reported.
const KnownPlaintext = "known-plaintext"

// DefaultLabelled is the share of records whose values the known-plaintext
// attacker is assumed to hold.
const DefaultLabelled = 0.1

// DefaultKnownPlaintextLimit is the largest share of values the
// known-plaintext attack may recover above chance for a file to pass. It is
// higher than the other attacks' limit because the attacker already holds
// plaintext of the same population.
const DefaultKnownPlaintextLimit = 0.05

// knownPlaintext runs the attack on the truth's fields: the labelled share
// of the records with a known value of a field is the training set, the
// rest are scored. Names are learnt over all records and, when the truth
// has dates of birth, also within each birth-year cohort (the attacker is
// assumed to know a record's year, which it can decode; salting names by
// year does not help against this one when a year has many labelled
// records), and the better of the two counts. A date of birth is learnt
// digit by digit (the native encoding hashes each digit with its position,
// so unseen dates decode from seen digits).
func knownPlaintext(x *matrix, t *Truth, share float64, seed uint64) AttackResult {
	ar := AttackResult{Attack: KnownPlaintext}
	years := make([]string, x.n)
	if t.DOBs != nil {
		for i, d := range t.DOBs {
			if dd := dobDigits(d); dd != "" {
				years[i] = dd[:4]
			}
		}
	}
	for _, f := range []struct {
		name   string
		values []string
	}{{"forename", t.Forenames}, {"surname", t.Surnames}, {"dob", t.DOBs}, {"sex", t.Sexes}} {
		if f.values == nil {
			continue
		}
		values := f.values
		if f.name == "dob" {
			values = make([]string, len(f.values))
			for i, d := range f.values {
				values[i] = dobDigits(d)
			}
		}
		train, test := split(values, share, seed)
		if len(train) == 0 || len(test) == 0 {
			continue
		}
		var pred map[int]string
		switch f.name {
		case "forename", "surname":
			pred = predict(x, train, test, func(i int) string { return values[i] })
			if t.DOBs != nil {
				// An attacker can compare the two by cross-validation on its
				// labelled records; the audit, holding the truth, keeps the
				// one that recovers more.
				within := predictWithin(x, train, test, values, years)
				if pooled := scorePredictions(f.name, x.n, test, values, pred); scorePredictions(f.name, x.n, test, values, within).Recovered > pooled.Recovered {
					pred = within
				}
			}
		case "dob":
			pred = map[int]string{}
			for k := range 8 {
				pk := predict(x, train, test, func(i int) string { return values[i][k : k+1] })
				for _, i := range test {
					pred[i] += pk[i]
				}
			}
		default:
			pred = predict(x, train, test, func(i int) string { return values[i] })
		}
		ar.Fields = append(ar.Fields, scorePredictions(f.name, x.n, test, values, pred))
	}
	return ar
}

// split returns a random share of the records with a known value (train)
// and the others with one (test).
func split(values []string, share float64, seed uint64) (train, test []int) {
	var known []int
	for i, v := range values {
		if v != "" {
			known = append(known, i)
		}
	}
	r := rand.New(rand.NewPCG(seed, 0x6b6e6f776e))
	r.Shuffle(len(known), func(i, j int) { known[i], known[j] = known[j], known[i] })
	nl := int(math.Round(share * float64(len(known))))
	return known[:nl], known[nl:]
}

// predictWithin predicts within each cohort (records of one birth year):
// the attacker trains one classifier per year.
func predictWithin(x *matrix, train, test []int, values, cohort []string) map[int]string {
	tr, te := map[string][]int{}, map[string][]int{}
	for _, i := range train {
		tr[cohort[i]] = append(tr[cohort[i]], i)
	}
	for _, i := range test {
		te[cohort[i]] = append(te[cohort[i]], i)
	}
	out := map[int]string{}
	for c, ts := range te {
		if len(tr[c]) == 0 {
			continue
		}
		for i, v := range predict(x, tr[c], ts, func(i int) string { return values[i] }) {
			out[i] = v
		}
	}
	return out
}

// predict trains naive Bayes on the train records' labels and returns the
// most probable label of each test record.
func predict(x *matrix, train, test []int, label func(int) string) map[int]string {
	class := map[string]int{}
	var names []string
	var count []float64
	for _, i := range train {
		l := label(i)
		c, ok := class[l]
		if !ok {
			c = len(names)
			class[l] = c
			names = append(names, l)
			count = append(count, 0)
		}
		count[c]++
	}
	nc, m := len(names), x.m
	set := make([]float64, nc*m) // set[c*m+j]: labelled records of class c with bit j
	for _, i := range train {
		c := class[label(i)]
		x.eachSet(i, func(j int) { set[c*m+j]++ })
	}
	// w[j*nc+c] = logit P(bit j | c); base[c] = log prior + Σj log(1−P).
	w := make([]float64, m*nc)
	base := make([]float64, nc)
	for c := range nc {
		base[c] = math.Log(count[c] / float64(len(train)))
		for j := range m {
			p := (set[c*m+j] + 0.5) / (count[c] + 1)
			base[c] += math.Log1p(-p)
			w[j*nc+c] = math.Log(p) - math.Log1p(-p)
		}
	}
	out := make(map[int]string, len(test))
	score := make([]float64, nc)
	for _, i := range test {
		copy(score, base)
		x.eachSet(i, func(j int) {
			for c, v := range w[j*nc : (j+1)*nc] {
				score[c] += v
			}
		})
		best := 0
		for c := 1; c < nc; c++ {
			if score[c] > score[best] {
				best = c
			}
		}
		out[i] = names[best]
	}
	return out
}

// scorePredictions counts the test records whose value was predicted
// exactly. Chance is what the best guess without the filters would hit:
// the share of the test records holding their most common value (about
// half for sex, a few percent for names).
func scorePredictions(field string, n int, test []int, values []string, pred map[int]string) FieldResult {
	fr := FieldResult{Field: field}
	freq := map[string]int{}
	top := 0
	for _, i := range test {
		freq[values[i]]++
		top = max(top, freq[values[i]])
		fr.Scored++
		p, ok := pred[i]
		if !ok {
			continue
		}
		fr.Guessed++
		if p == values[i] {
			fr.Recovered++
		}
	}
	fr.Confident = fr.Guessed
	setRates(&fr, n, float64(top)/float64(max(fr.Scored, 1)))
	return fr
}

// dobDigits returns the eight digits of a date of birth written with a
// four-digit year (YYYYMMDD, YYYY-MM-DD, DD/MM/YYYY, ...), as YYYYMMDD, or
// "" when it is not one.
func dobDigits(s string) string {
	var d []byte
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			d = append(d, s[i])
		}
	}
	if len(d) != 8 {
		return ""
	}
	if y := string(d[:2]); y == "18" || y == "19" || y == "20" { // YYYYMMDD
		return string(d)
	}
	if y := string(d[4:6]); y == "18" || y == "19" || y == "20" { // DDMMYYYY
		return string(d[4:]) + string(d[2:4]) + string(d[:2])
	}
	return ""
}

// setRates fills the derived rates of a field result scored against truth:
// recovery, the given chance rate, the excess over it, the confident share
// of n records.
func setRates(fr *FieldResult, n int, chance float64) {
	rec := float64(fr.Recovered) / float64(max(fr.Scored, 1))
	excess := max(rec-chance, 0)
	fr.RecoveryRate, fr.ChanceRate, fr.ExcessRate = &rec, &chance, &excess
	fr.ConfidentShare = float64(fr.Confident) / float64(max(n, 1))
	// Every guess of these attacks counts as confident.
	fr.ConfidentCorrect = fr.Recovered
	prec := float64(fr.Recovered) / float64(max(fr.Confident, 1))
	fr.ConfidentPrecision = &prec
}
