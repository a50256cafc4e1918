package synth

import (
	"math/rand/v2"
	"strings"
	"unicode"
	"unicode/utf8"
)

// kind is one kind of data-entry error an agency's records can carry.
type kind int

const (
	kTypoInsert kind = iota
	kTypoDelete
	kTypoSubstitute
	kTypoTranspose
	kPhonetic
	kOCR
	kNickname
	kSurnameChange
	kNameSwap
	kDayMonthSwap
	kDOBTypo
	kSexError
	kMissingForename
	kMissingMiddle
	kMissingDOB
	kMissingSex
	kMissingPostcode
	kMissingAddress
	kMissingCHI
	kCHILeadingZero
	kCHITypo
	kMoved
	kAccentLost
	kPostcodeFormat
	kWhitespace
	kMiddleAsForename
	kSurnamePart
	kYearOnly
	numKinds
)

var kindNames = [numKinds]string{
	"typo_insert", "typo_delete", "typo_substitute", "typo_transpose", "phonetic", "ocr",
	"nickname", "surname_change", "name_swap", "day_month_swap", "dob_typo", "sex_error",
	"missing_forename", "missing_middle", "missing_dob", "missing_sex", "missing_postcode",
	"missing_address", "missing_chi", "chi_leading_zero", "chi_typo", "moved", "accent_lost",
	"postcode_format", "whitespace", "middle_as_forename", "surname_part", "year_only",
}

func (k kind) String() string { return kindNames[k] }

// rates is the probability of each kind of error per record, among the
// records it can apply to (a day–month swap needs a day of 12 or less, a
// nickname needs a forename that has one, a lost leading zero needs a CHI
// that starts with 0).
type rates [numKinds]float64

// scaled returns r multiplied by f, each rate capped at 0.95.
func (r rates) scaled(f float64) rates {
	for i := range r {
		r[i] = min(0.95, r[i]*f)
	}
	return r
}

// record is one agency record before formatting: the person's identifiers
// as this agency holds them.
type record struct {
	forename, middle, surname string
	dob                       date
	yearOnly                  bool // only dob's year is known (kYearOnly)
	sex                       int  // 0 male, 1 female, 2 unknown
	line1, town, postcode     string
	chi                       string
	district                  int
}

// corrupter applies an agency's errors to clean records.
type corrupter struct {
	model   *populationModel
	rates   rates
	chiHeld float64
	hasCHI  bool
}

// corrupt returns the record agency holds about p and, in applied, the
// kinds of error it carries. applied may be nil.
func (c *corrupter) corrupt(r *rand.Rand, p *person, applied *[numKinds]bool) record {
	rec := record{
		forename: p.forename, middle: p.middle, surname: p.surname, dob: p.dob, sex: int(p.sex),
		line1: p.addr.line1, town: p.addr.town, postcode: p.addr.postcode, district: p.addr.district,
	}
	if c.hasCHI && r.Float64() < c.chiHeld {
		rec.chi = p.chi
	}
	var scratch [numKinds]bool
	if applied == nil {
		applied = &scratch
	}
	hit := func(k kind) bool {
		if c.rates[k] > 0 && r.Float64() < c.rates[k] {
			applied[k] = true
			return true
		}
		return false
	}
	t := c.model.t

	if hit(kMoved) {
		// A house move the agency has (or has not yet) heard about: mostly
		// within the same postcode area.
		di := -1
		if r.Float64() < 0.75 {
			areas := t.byArea[t.districts[p.addr.district].area]
			di = areas[r.IntN(len(areas))]
		}
		a := c.model.newAddress(r, di)
		rec.line1, rec.town, rec.postcode, rec.district = a.line1, a.town, a.postcode, a.district
	}
	if p.altSurname != "" && p.altSurname != p.surname && hit(kSurnameChange) {
		rec.surname = p.altSurname
	}
	if nicks := t.nicknames[rec.forename]; len(nicks) > 0 && hit(kNickname) {
		rec.forename = nicks[r.IntN(len(nicks))]
	}
	if (hasAccent(rec.forename) || hasAccent(rec.surname) || hasAccent(rec.middle)) && hit(kAccentLost) {
		rec.forename, rec.middle, rec.surname = stripAccents(rec.forename), stripAccents(rec.middle), stripAccents(rec.surname)
	}
	// Typos, phonetic and OCR confusions each hit the forename or the surname.
	name := func() *string {
		if r.IntN(2) == 0 {
			return &rec.forename
		}
		return &rec.surname
	}
	if hit(kTypoInsert) {
		n := name()
		*n = typoInsert(r, *n)
	}
	if hit(kTypoDelete) {
		if n := name(); utf8.RuneCountInString(*n) > 2 {
			*n = typoDelete(r, *n)
		} else {
			applied[kTypoDelete] = false
		}
	}
	if hit(kTypoSubstitute) {
		n := name()
		*n = typoSubstitute(r, *n)
	}
	if hit(kTypoTranspose) {
		n := name()
		if s, ok := typoTranspose(r, *n); ok {
			*n = s
		} else {
			applied[kTypoTranspose] = false
		}
	}
	if hit(kPhonetic) {
		if s, ok := confuse(r, rec.surname, phoneticRules); ok && (r.IntN(2) == 0 || !canConfuse(rec.forename, phoneticRules)) {
			rec.surname = s
		} else if s, ok := confuse(r, rec.forename, phoneticRules); ok {
			rec.forename = s
		} else {
			applied[kPhonetic] = false
		}
	}
	if hit(kOCR) {
		n := name()
		if s, ok := confuse(r, *n, ocrRules); ok {
			*n = s
		} else {
			applied[kOCR] = false
		}
	}
	if rec.forename != "" && rec.surname != "" && hit(kNameSwap) {
		rec.forename, rec.surname = rec.surname, rec.forename
	}
	if rec.dob.d <= 12 && rec.dob.d != rec.dob.m && hit(kDayMonthSwap) {
		rec.dob.d, rec.dob.m = rec.dob.m, rec.dob.d
	}
	if hit(kDOBTypo) {
		rec.dob = dobTypo(r, rec.dob)
	}
	if hit(kSexError) {
		rec.sex = 1 - rec.sex
	}
	if rec.chi != "" {
		if hit(kCHITypo) {
			rec.chi = digitTypo(r, rec.chi)
		}
		if rec.chi[0] == '0' && hit(kCHILeadingZero) {
			rec.chi = rec.chi[1:]
		}
		if hit(kMissingCHI) {
			rec.chi = ""
		}
	}
	if hit(kMissingForename) {
		rec.forename = ""
	}
	if rec.middle != "" && hit(kMissingMiddle) {
		rec.middle = ""
	}
	if hit(kMissingDOB) {
		rec.dob = date{}
	}
	if hit(kMissingSex) {
		rec.sex = 2
	}
	if hit(kMissingPostcode) {
		rec.postcode = ""
	}
	if hit(kMissingAddress) {
		rec.line1 = ""
	}
	if rec.postcode != "" && hit(kPostcodeFormat) {
		rec.postcode = postcodeFormat(r, rec.postcode)
	}
	if rec.forename != "" && hit(kWhitespace) {
		switch r.IntN(3) {
		case 0:
			rec.forename += " "
		case 1:
			rec.forename = " " + rec.forename
		default:
			rec.surname += "  "
		}
	}
	// A child known by their middle name: the agency records it as the
	// forename and drops the middle names. Drawn last so that adding it
	// left the other kinds' draws as they were.
	if p.middle != "" && rec.forename != "" && hit(kMiddleAsForename) {
		rec.forename, _, _ = strings.Cut(p.middle, " ")
		rec.middle = ""
	}
	// A double-barrelled surname held as one of its parts (Smith-Jones
	// recorded as Smith, or as Jones): a system with one short surname
	// field, or the name the family uses day to day. Drawn after every
	// other kind, like the one above.
	if first, last, ok := cutDoubleBarrelled(rec.surname); ok && hit(kSurnamePart) {
		if r.IntN(2) == 0 {
			rec.surname = first
		} else {
			rec.surname = last
		}
	}
	// A date of birth known only to its year: an age assessed (a child
	// arriving alone from abroad), a parent's date nobody recorded. The
	// agency writes it its own way (agencySpec.yearOnlyJan1). Drawn last.
	if !rec.dob.missing() && hit(kYearOnly) {
		rec.yearOnly = true
	}
	return rec
}

// cutDoubleBarrelled splits a hyphenated or two-word surname at its first
// hyphen or space into its first and last parts, trimmed; ok is false for a
// surname of one part.
func cutDoubleBarrelled(s string) (first, last string, ok bool) {
	i := strings.IndexAny(s, "- ")
	if i < 0 {
		return "", "", false
	}
	first, last = strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:])
	return first, last, first != "" && last != ""
}

// keyboard lists the neighbours of each letter on a UK QWERTY keyboard.
var keyboard = map[rune]string{
	'a': "qwsz", 'b': "vghn", 'c': "xdfv", 'd': "serfcx", 'e': "wsdr", 'f': "drtgvc",
	'g': "ftyhbv", 'h': "gyujnb", 'i': "ujko", 'j': "huikmn", 'k': "jiolm", 'l': "kop",
	'm': "njk", 'n': "bhjm", 'o': "iklp", 'p': "ol", 'q': "wa", 'r': "edft", 's': "awedxz",
	't': "rfgy", 'u': "yhji", 'v': "cfgb", 'w': "qase", 'x': "zsdc", 'y': "tghu", 'z': "asx",
}

// neighbour returns a letter a typist might hit instead of c, in c's case.
func neighbour(r *rand.Rand, c rune) rune {
	lc := unicode.ToLower(c)
	var n rune
	if ks, ok := keyboard[lc]; ok && r.IntN(5) != 0 {
		n = rune(ks[r.IntN(len(ks))])
	} else {
		n = rune('a' + r.IntN(26))
		if n == lc {
			n = 'e'
			if lc == 'e' {
				n = 'a'
			}
		}
	}
	if unicode.IsUpper(c) {
		n = unicode.ToUpper(n)
	}
	return n
}

// typoInsert inserts one letter: a doubled letter or a neighbouring key.
func typoInsert(r *rand.Rand, s string) string {
	rs := []rune(s)
	if len(rs) == 0 {
		return s
	}
	i := r.IntN(len(rs))
	var ins rune
	if r.IntN(2) == 0 {
		ins = unicode.ToLower(rs[i])
	} else {
		ins = unicode.ToLower(neighbour(r, rs[i]))
	}
	out := make([]rune, 0, len(rs)+1)
	out = append(out, rs[:i+1]...)
	out = append(out, ins)
	return string(append(out, rs[i+1:]...))
}

// typoDelete drops one letter.
func typoDelete(r *rand.Rand, s string) string {
	rs := []rune(s)
	i := r.IntN(len(rs))
	return string(append(rs[:i:i], rs[i+1:]...))
}

// typoSubstitute replaces one letter with a neighbouring key.
func typoSubstitute(r *rand.Rand, s string) string {
	rs := []rune(s)
	if len(rs) == 0 {
		return s
	}
	i := r.IntN(len(rs))
	if !unicode.IsLetter(rs[i]) {
		i = 0
	}
	n := neighbour(r, rs[i])
	if n == rs[i] {
		n = 'x'
	}
	rs[i] = n
	return string(rs)
}

// typoTranspose swaps two adjacent, different letters.
func typoTranspose(r *rand.Rand, s string) (string, bool) {
	rs := []rune(s)
	var cand []int
	for i := 0; i+1 < len(rs); i++ {
		if unicode.ToLower(rs[i]) != unicode.ToLower(rs[i+1]) && unicode.IsLetter(rs[i]) && unicode.IsLetter(rs[i+1]) {
			cand = append(cand, i)
		}
	}
	if len(cand) == 0 {
		return s, false
	}
	i := cand[r.IntN(len(cand))]
	// Keep an initial capital at the front.
	a, b := rs[i], rs[i+1]
	if i == 0 && unicode.IsUpper(a) {
		a, b = unicode.ToLower(a), unicode.ToUpper(b)
	}
	rs[i], rs[i+1] = b, a
	return string(rs), true
}

// rule replaces one spelling by another that sounds (phonetic) or looks
// (OCR) alike. Rules are matched case-insensitively; a rule whose from
// starts with '^' matches only at the start, '$' at the end.
type rule struct{ from, to string }

var phoneticRules = []rule{
	{"^mac", "Mc"}, {"^mc", "Mac"}, {"ph", "f"}, {"f", "ph"}, {"ck", "k"}, {"ie$", "y"}, {"y$", "ie"},
	{"ey$", "ie"}, {"ie$", "ey"}, {"ei", "ie"}, {"ie", "ei"}, {"ou", "ow"}, {"ae", "ay"}, {"ai", "ay"},
	{"ay", "ai"}, {"ee", "ea"}, {"ea", "ee"}, {"th", "t"}, {"ll", "l"}, {"nn", "n"}, {"tt", "t"},
	{"rr", "r"}, {"ss", "s"}, {"^c", "K"}, {"^k", "C"}, {"ine$", "een"}, {"een$", "ine"},
	{"aigh", "ay"}, {"i", "y"}, {"son$", "sen"}, {"mson$", "mpson"}, {"mpson$", "mson"},
	{"ewart$", "uart"}, {"uart$", "ewart"}, {"^o'", "O"}, {"v", "bh"}, {"bh", "v"}, {"gh", "g"},
	{"^ch", "K"}, {"z", "s"}, {"x", "ks"}, {"dh", "d"}, {"e$", ""}, {"ph", "ff"},
}

var ocrRules = []rule{
	{"rn", "m"}, {"m", "rn"}, {"cl", "d"}, {"d", "cl"}, {"vv", "w"}, {"w", "vv"}, {"l", "1"}, {"i", "l"},
	{"o", "0"}, {"e", "c"}, {"c", "e"}, {"h", "b"}, {"n", "h"}, {"u", "v"}, {"s", "5"}, {"b", "8"},
	{"g", "q"}, {"a", "o"}, {"t", "f"}, {"li", "h"}, {"l", "I"},
}

// canConfuse reports whether any rule applies to s.
func canConfuse(s string, rules []rule) bool {
	for _, ru := range rules {
		if ruleIndex(s, ru.from) >= 0 {
			return true
		}
	}
	return false
}

// ruleIndex returns the byte offset where pattern matches s
// (case-insensitively), or -1.
func ruleIndex(s, pat string) int {
	ls := strings.ToLower(s)
	if len(ls) != len(s) { // case folding changed lengths: give up
		return -1
	}
	switch {
	case strings.HasPrefix(pat, "^"):
		if strings.HasPrefix(ls, pat[1:]) {
			return 0
		}
		return -1
	case strings.HasSuffix(pat, "$"):
		p := pat[:len(pat)-1]
		if strings.HasSuffix(ls, p) && len(ls) > len(p) {
			return len(ls) - len(p)
		}
		return -1
	}
	return strings.Index(ls, pat)
}

// confuse applies one randomly chosen applicable rule to s.
func confuse(r *rand.Rand, s string, rules []rule) (string, bool) {
	if s == "" {
		return s, false
	}
	var cand [64]int
	n := 0
	for i, ru := range rules {
		if ruleIndex(s, ru.from) >= 0 && n < len(cand) {
			cand[n] = i
			n++
		}
	}
	if n == 0 {
		return s, false
	}
	ru := rules[cand[r.IntN(n)]]
	from := strings.Trim(ru.from, "^$")
	i := ruleIndex(s, ru.from)
	to := ru.to
	if i == 0 && to != "" {
		// Keep the capital of a capitalised name.
		if first, _ := utf8.DecodeRuneInString(s); unicode.IsUpper(first) {
			to = strings.ToUpper(to[:1]) + to[1:]
		}
	}
	out := s[:i] + to + s[i+len(from):]
	return out, out != s
}

// accents maps the accented letters the name lists use to plain ones.
var accents = strings.NewReplacer(
	"à", "a", "á", "a", "è", "e", "é", "e", "ì", "i", "í", "i", "ò", "o", "ó", "o", "ù", "u", "ú", "u",
	"À", "A", "Á", "A", "È", "E", "É", "E", "Ì", "I", "Í", "I", "Ò", "O", "Ó", "O", "Ù", "U", "Ú", "U",
	"ś", "s", "Ś", "S", "ł", "l", "Ł", "L", "ż", "z", "ź", "z", "Ż", "Z", "ń", "n", "ć", "c", "ę", "e", "ą", "a",
)

func hasAccent(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return true
		}
	}
	return false
}

func stripAccents(s string) string {
	if !hasAccent(s) {
		return s
	}
	return accents.Replace(s)
}

// dobTypo moves a date by a day, a month or a year, keeping it a real date.
func dobTypo(r *rand.Rand, d date) date {
	if d.missing() {
		return d
	}
	for {
		e := d
		delta := 1 - 2*r.IntN(2)
		switch r.IntN(3) {
		case 0:
			e.d += delta
		case 1:
			e.m += delta
		default:
			e.y += delta
		}
		if e.valid() {
			return e
		}
	}
}

// digitTypo changes one digit of s or swaps two adjacent different digits.
func digitTypo(r *rand.Rand, s string) string {
	b := []byte(s)
	if r.IntN(2) == 0 {
		for try := 0; try < 8; try++ {
			i := r.IntN(len(b) - 1)
			if b[i] != b[i+1] {
				b[i], b[i+1] = b[i+1], b[i]
				return string(b)
			}
		}
	}
	i := r.IntN(len(b))
	b[i] = '0' + byte((int(b[i]-'0')+1+r.IntN(9))%10)
	return string(b)
}

// postcodeFormat writes a canonical postcode the ways people type them: no
// space, lower case, or two spaces.
func postcodeFormat(r *rand.Rand, pc string) string {
	switch r.IntN(3) {
	case 0:
		return strings.Replace(pc, " ", "", 1)
	case 1:
		return strings.ToLower(pc)
	default:
		return strings.Replace(pc, " ", "  ", 1)
	}
}
