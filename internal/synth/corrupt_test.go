package synth

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// testPeople returns a stream of population members with CHIs, drawn from
// whole households.
func testPeople(t testing.TB, seed uint64) func() *person {
	t.Helper()
	tb, err := loadTables()
	if err != nil {
		t.Fatal(err)
	}
	m := &populationModel{t: tb, asOf: fromTime(DefaultAsOf)}
	r := rand.New(rand.NewPCG(seed, 99))
	chi := newCHIAllocator()
	var queue []person
	return func() *person {
		for len(queue) == 0 {
			h := m.household(r)
			a := h.addr
			for i := range h.people {
				h.people[i].addr = &a
				h.people[i].chi = chi.assign(h.people[i].dob, h.people[i].sex)
			}
			queue = h.people
		}
		p := &queue[0]
		queue = queue[1:]
		return p
	}
}

// fields of a record a kind of error may change.
const (
	tForename = 1 << iota
	tMiddle
	tSurname
	tDOB
	tSex
	tAddress
	tCHI
)

func runeCount(s string) int { return len([]rune(s)) }

// oneInserted reports whether b is a with one rune inserted.
func oneInserted(a, b string) bool {
	ra, rb := []rune(a), []rune(b)
	if len(rb) != len(ra)+1 {
		return false
	}
	for i := range rb {
		if string(rb[:i])+string(rb[i+1:]) == a {
			return true
		}
	}
	return false
}

// oneSubstituted reports whether b is a with exactly one rune changed.
func oneSubstituted(a, b string) bool {
	ra, rb := []rune(a), []rune(b)
	if len(ra) != len(rb) {
		return false
	}
	diff := 0
	for i := range ra {
		if ra[i] != rb[i] {
			diff++
		}
	}
	return diff == 1
}

// oneTransposed reports whether b is a with two adjacent letters swapped
// (ignoring case, as an initial capital stays in front).
func oneTransposed(a, b string) bool {
	ra, rb := []rune(strings.ToLower(a)), []rune(strings.ToLower(b))
	if len(ra) != len(rb) {
		return false
	}
	for i := 0; i+1 < len(ra); i++ {
		if ra[i] != ra[i+1] && ra[i] == rb[i+1] && ra[i+1] == rb[i] && string(ra[:i]) == string(rb[:i]) && string(ra[i+2:]) == string(rb[i+2:]) {
			return true
		}
	}
	return false
}

func eitherName(p *person, rec *record, pred func(a, b string) bool) bool {
	return pred(p.forename, rec.forename) && rec.surname == p.surname || pred(p.surname, rec.surname) && rec.forename == p.forename
}

// TestCorruptionKinds switches on one kind of error at a time, at a rate of
// 0.3, and checks from the output alone that the error occurs in about 30%
// of the records it can apply to and that nothing else changes.
func TestCorruptionKinds(t *testing.T) {
	tb, err := loadTables()
	if err != nil {
		t.Fatal(err)
	}
	bothLonger := func(n int) func(p *person) bool {
		return func(p *person) bool { return runeCount(p.forename) > n && runeCount(p.surname) > n }
	}
	canTranspose := func(s string) bool { _, ok := typoTranspose(rand.New(rand.NewPCG(1, 1)), s); return ok }
	always := func(*person) bool { return true }
	cases := []struct {
		kind       kind
		touches    int
		applicable func(p *person) bool
		detected   func(p *person, rec *record) bool
	}{
		{kTypoInsert, tForename | tSurname, always, func(p *person, rec *record) bool { return eitherName(p, rec, oneInserted) }},
		{kTypoDelete, tForename | tSurname, bothLonger(2), func(p *person, rec *record) bool {
			return eitherName(p, rec, func(a, b string) bool { return oneInserted(b, a) })
		}},
		{kTypoSubstitute, tForename | tSurname, always, func(p *person, rec *record) bool { return eitherName(p, rec, oneSubstituted) }},
		{kTypoTranspose, tForename | tSurname, func(p *person) bool { return canTranspose(p.forename) && canTranspose(p.surname) },
			func(p *person, rec *record) bool { return eitherName(p, rec, oneTransposed) }},
		{kPhonetic, tForename | tSurname, func(p *person) bool { return canConfuse(p.surname, phoneticRules) },
			func(p *person, rec *record) bool { return rec.forename != p.forename || rec.surname != p.surname }},
		{kOCR, tForename | tSurname, func(p *person) bool { return canConfuse(p.forename, ocrRules) && canConfuse(p.surname, ocrRules) },
			func(p *person, rec *record) bool { return rec.forename != p.forename || rec.surname != p.surname }},
		{kNickname, tForename, func(p *person) bool { return len(tb.nicknames[p.forename]) > 0 },
			func(p *person, rec *record) bool { return slices.Contains(tb.nicknames[p.forename], rec.forename) }},
		{kSurnameChange, tSurname, func(p *person) bool { return p.altSurname != p.surname },
			func(p *person, rec *record) bool { return rec.surname == p.altSurname }},
		{kMiddleAsForename, tForename | tMiddle, func(p *person) bool { return p.middle != "" },
			func(p *person, rec *record) bool {
				return rec.middle == "" && strings.HasPrefix(p.middle, rec.forename)
			}},
		{kNameSwap, tForename | tSurname, func(p *person) bool { return p.forename != p.surname },
			func(p *person, rec *record) bool { return rec.forename == p.surname && rec.surname == p.forename }},
		{kDayMonthSwap, tDOB, func(p *person) bool { return p.dob.d <= 12 && p.dob.d != p.dob.m },
			func(p *person, rec *record) bool { return rec.dob == date{p.dob.y, p.dob.d, p.dob.m} }},
		{kDOBTypo, tDOB, always, func(p *person, rec *record) bool {
			d := []int{abs(rec.dob.y - p.dob.y), abs(rec.dob.m - p.dob.m), abs(rec.dob.d - p.dob.d)}
			slices.Sort(d)
			return rec.dob.valid() && d[0] == 0 && d[1] == 0 && d[2] == 1
		}},
		{kSexError, tSex, always, func(p *person, rec *record) bool { return rec.sex == 1-int(p.sex) }},
		{kMissingForename, tForename, always, func(p *person, rec *record) bool { return rec.forename == "" }},
		{kMissingMiddle, tMiddle, func(p *person) bool { return p.middle != "" }, func(p *person, rec *record) bool { return rec.middle == "" }},
		{kMissingDOB, tDOB, always, func(p *person, rec *record) bool { return rec.dob.missing() }},
		{kMissingSex, tSex, always, func(p *person, rec *record) bool { return rec.sex == 2 }},
		{kMissingPostcode, tAddress, always, func(p *person, rec *record) bool { return rec.postcode == "" }},
		{kMissingAddress, tAddress, always, func(p *person, rec *record) bool { return rec.line1 == "" }},
		{kMissingCHI, tCHI, always, func(p *person, rec *record) bool { return rec.chi == "" }},
		{kCHILeadingZero, tCHI, func(p *person) bool { return p.chi[0] == '0' },
			func(p *person, rec *record) bool { return len(rec.chi) == 9 && rec.chi == p.chi[1:] }},
		{kCHITypo, tCHI, always, func(p *person, rec *record) bool { return len(rec.chi) == 10 && rec.chi != p.chi }},
		{kMoved, tAddress, always, func(p *person, rec *record) bool { return rec.postcode != p.addr.postcode }},
		{kAccentLost, tForename | tMiddle | tSurname, func(p *person) bool { return hasAccent(p.forename + p.middle + p.surname) },
			func(p *person, rec *record) bool {
				return !hasAccent(rec.forename+rec.middle+rec.surname) && rec.forename+rec.middle+rec.surname != p.forename+p.middle+p.surname
			}},
		{kPostcodeFormat, tAddress, always, func(p *person, rec *record) bool {
			return rec.postcode != p.addr.postcode && strings.ToUpper(strings.Join(strings.Fields(rec.postcode), "")) == strings.ReplaceAll(p.addr.postcode, " ", "")
		}},
		{kWhitespace, tForename | tSurname, always, func(p *person, rec *record) bool {
			return rec.forename != p.forename || rec.surname != p.surname
		}},
		{kYearOnly, tDOB, always, func(p *person, rec *record) bool { return rec.yearOnly && rec.dob == p.dob }},
		{kSurnamePart, tSurname, func(p *person) bool { _, _, ok := cutDoubleBarrelled(p.surname); return ok },
			func(p *person, rec *record) bool {
				first, last, _ := cutDoubleBarrelled(p.surname)
				return rec.surname == first || rec.surname == last
			}},
	}
	covered := map[kind]bool{}
	const rate, want = 0.3, 2000
	for _, c := range cases {
		covered[c.kind] = true
		t.Run(c.kind.String(), func(t *testing.T) {
			var rs rates
			rs[c.kind] = rate
			next := testPeople(t, uint64(c.kind)+1)
			cor := &corrupter{model: &populationModel{t: tb, asOf: fromTime(DefaultAsOf)}, rates: rs, chiHeld: 1, hasCHI: true}
			r := rand.New(rand.NewPCG(7, uint64(c.kind)))
			n, hits := 0, 0
			for tries := 0; n < want && tries < 300_000; tries++ {
				p := next()
				if !c.applicable(p) {
					continue
				}
				var applied [numKinds]bool
				rec := cor.corrupt(r, p, &applied)
				n++
				det := c.detected(p, &rec)
				if det {
					hits++
				}
				if applied[c.kind] != det {
					t.Fatalf("record %d: corrupt says applied=%v, the output says %v", n, applied[c.kind], det)
				}
				for k := range applied {
					if applied[k] && kind(k) != c.kind {
						t.Fatalf("record %d: %v applied with only %v switched on", n, kind(k), c.kind)
					}
				}
				changed := 0
				if rec.forename != p.forename {
					changed |= tForename
				}
				if rec.middle != p.middle {
					changed |= tMiddle
				}
				if rec.surname != p.surname {
					changed |= tSurname
				}
				if rec.dob != p.dob {
					changed |= tDOB
				}
				if rec.sex != int(p.sex) {
					changed |= tSex
				}
				if rec.line1 != p.addr.line1 || rec.postcode != p.addr.postcode || rec.town != p.addr.town {
					changed |= tAddress
				}
				if rec.chi != p.chi {
					changed |= tCHI
				}
				if changed&^c.touches != 0 {
					t.Fatalf("record %d: %v changed fields %b it should not touch", n, c.kind, changed&^c.touches)
				}
				if !det && changed != 0 {
					t.Fatalf("record %d: fields %b changed but no %v detected", n, changed, c.kind)
				}
			}
			if n < 200 {
				t.Fatalf("only %d applicable records found", n)
			}
			got := float64(hits) / float64(n)
			// Four standard deviations of a binomial proportion.
			if tol := 4 * math.Sqrt(rate*(1-rate)/float64(n)); math.Abs(got-rate) > tol {
				t.Errorf("%v: rate %.3f over %d applicable records, want %.2f ± %.3f", c.kind, got, n, rate, tol)
			}
		})
	}
	for k := range numKinds {
		if !covered[k] {
			t.Errorf("no test case for %v", k)
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func TestTypos(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 500; i++ {
		for _, s := range []string{"Seònaid", "O'Neill", "McDonald", "Smith-Jones", "Ali"} {
			if got := typoInsert(r, s); !oneInserted(s, got) {
				t.Fatalf("typoInsert(%q) = %q", s, got)
			}
			if got := typoDelete(r, s); !oneInserted(got, s) {
				t.Fatalf("typoDelete(%q) = %q", s, got)
			}
			if got := typoSubstitute(r, s); !oneSubstituted(s, got) {
				t.Fatalf("typoSubstitute(%q) = %q", s, got)
			}
			if got, ok := typoTranspose(r, s); !ok || !oneTransposed(s, got) || !unicode.IsUpper([]rune(got)[0]) {
				t.Fatalf("typoTranspose(%q) = %q, %v", s, got, ok)
			}
		}
	}
	if got, ok := confuse(r, "MacDonald", []rule{{"^mac", "Mc"}}); !ok || got != "McDonald" {
		t.Errorf("Mac→Mc gave %q", got)
	}
	if got, ok := confuse(r, "Stephen", []rule{{"ph", "v"}}); !ok || got != "Steven" {
		t.Errorf("ph→v gave %q", got)
	}
	if got, ok := confuse(r, "Rae", []rule{{"ie$", "y"}}); ok || got != "Rae" {
		t.Errorf("a rule that does not match changed %q", got)
	}
	if stripAccents("Seònaid Wiśniewska") != "Seonaid Wisniewska" {
		t.Errorf("stripAccents gave %q", stripAccents("Seònaid Wiśniewska"))
	}
}
