package tokenize

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Date is a calendar date in the proleptic Gregorian calendar, as a
// normaliser returns it, or a partial one: a year and month with the day
// not known, or a year alone (month and day zero), as record systems hold
// a date of birth known only so far ("00/00/2009", "19850000", a year
// written where the day and month are not known). The zero Date means
// "no date".
type Date struct {
	y    uint16
	m, d uint8
}

// NewDate returns the date y-m-d and true, or the zero Date and false when
// y-m-d is not a calendar date between years 1 and 9999.
func NewDate(y, m, d int) (Date, bool) {
	if y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return Date{}, false
	}
	return Date{uint16(y), uint8(m), uint8(d)}, true
}

// NewPartialDate returns the partial date of year y and month m (0 when
// the month is not known either) and true, or the zero Date and false when
// y is not between 1 and 9999 or m not between 0 and 12.
func NewPartialDate(y, m int) (Date, bool) {
	if y < 1 || y > 9999 || m < 0 || m > 12 {
		return Date{}, false
	}
	return Date{y: uint16(y), m: uint8(m)}, true
}

// Partial reports whether d is a partial date: its day (and perhaps its
// month) is not known.
func (d Date) Partial() bool { return d.y != 0 && d.d == 0 }

// last returns the last calendar day d may stand for: d itself, or the last
// day of its month or year.
func (d Date) last() Date {
	switch {
	case !d.Partial():
		return d
	case d.m == 0:
		return Date{d.y, 12, 31}
	}
	return Date{d.y, d.m, uint8(daysIn(int(d.y), int(d.m)))}
}

// daysIn returns the number of days in month m of year y.
func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// Year returns the year (1–9999), or 0 for the zero Date.
func (d Date) Year() int { return int(d.y) }

// Month returns the month (1–12), or 0 for the zero Date and a year alone.
func (d Date) Month() int { return int(d.m) }

// Day returns the day of the month (1–31), or 0 for the zero Date and a
// partial one.
func (d Date) Day() int { return int(d.d) }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// Before reports whether d is earlier than e. A partial date sorts before
// the days it may stand for.
func (d Date) Before(e Date) bool { return d.key() < e.key() }

func (d Date) key() uint32 { return uint32(d.y)<<16 | uint32(d.m)<<8 | uint32(d.d) }

// String returns the canonical form YYYY-MM-DD (YYYY-MM or YYYY for a
// partial date, ISO 8601's reduced precision), or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	var b [10]byte
	return string(d.AppendISO(b[:0]))
}

// Compact returns the date as YYYYMMDD (YYYYMM or YYYY for a partial
// date), or "" for the zero Date.
func (d Date) Compact() string {
	if d.IsZero() {
		return ""
	}
	var b [10]byte
	return string(d.AppendCompact(b[:0]))
}

// AppendISO appends the date as YYYY-MM-DD (YYYY-MM, YYYY) to dst.
func (d Date) AppendISO(dst []byte) []byte {
	dst = appendDigits(dst, int(d.y), 4)
	if d.m == 0 {
		return dst
	}
	dst = append(dst, '-')
	dst = appendDigits(dst, int(d.m), 2)
	if d.d == 0 {
		return dst
	}
	dst = append(dst, '-')
	return appendDigits(dst, int(d.d), 2)
}

// AppendCompact appends the date as YYYYMMDD (YYYYMM, YYYY) to dst.
func (d Date) AppendCompact(dst []byte) []byte {
	dst = appendDigits(dst, int(d.y), 4)
	if d.m == 0 {
		return dst
	}
	dst = appendDigits(dst, int(d.m), 2)
	if d.d == 0 {
		return dst
	}
	return appendDigits(dst, int(d.d), 2)
}

func appendDigits(dst []byte, v, width int) []byte {
	var b [4]byte
	for i := width - 1; i >= 0; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return append(dst, b[:width]...)
}

// ParseISODate parses a canonical date, YYYY-MM-DD exactly, as written in a
// linkage spec or by Date.String. It returns ReasonInvalidFormat or
// ReasonInvalidDate.
func ParseISODate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, ReasonInvalidFormat
	}
	y, ok1 := atoiDigits(s[0:4])
	m, ok2 := atoiDigits(s[5:7])
	d, ok3 := atoiDigits(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return Date{}, ReasonInvalidFormat
	}
	date, ok := NewDate(y, m, d)
	if !ok {
		return Date{}, ReasonInvalidDate
	}
	return date, nil
}

// atoiDigits parses s, which must be ASCII digits only.
func atoiDigits(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	v := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// dateTok is one element of a compiled DateLayout.
type dateTok uint8

const (
	tokLiteral dateTok = iota // one literal byte
	tokYYYY                   // four digits
	tokDD                     // two digits, the day
	tokD                      // one or two digits, the day
	tokMM                     // two digits, the month
	tokM                      // one or two digits, the month
	tokMON                    // an English month name, three letters or in full
)

// DateLayout is a compiled date format, made by ParseDateLayout.
type DateLayout struct {
	src  string
	toks []dateTok
	lits []byte // lits[i] is the literal byte of toks[i] when it is tokLiteral
}

// String returns the layout as it was written, e.g. "DD/MM/YYYY".
func (l DateLayout) String() string { return l.src }

// ParseDateLayout compiles a date format of an input mapping. Its elements
// are YYYY (four-digit year), MM and DD (two-digit month and day), M and D
// (one or two digits), MON (an English month name: three letters such as
// Jan, or in full, any case); any other character except a letter must
// appear literally. The year must appear once, the month and the day at
// most once, and a day only with a month: MM/YYYY and YYYY read dates known
// only to the month or the year (partial dates). Two-digit
// years (YY) are refused: the century would have to be guessed. An M or D
// directly followed by another numeric element is refused, since the split
// between them would be a guess.
func ParseDateLayout(layout string) (DateLayout, error) {
	l := DateLayout{src: layout}
	var year, month, day int
	for i := 0; i < len(layout); {
		rest := layout[i:]
		switch {
		case strings.HasPrefix(rest, "YYYY"):
			l.add(tokYYYY, 0)
			year++
			i += 4
		case strings.HasPrefix(rest, "MON"):
			l.add(tokMON, 0)
			month++
			i += 3
		case strings.HasPrefix(rest, "MM"):
			l.add(tokMM, 0)
			month++
			i += 2
		case strings.HasPrefix(rest, "DD"):
			l.add(tokDD, 0)
			day++
			i += 2
		case rest[0] == 'M':
			l.add(tokM, 0)
			month++
			i++
		case rest[0] == 'D':
			l.add(tokD, 0)
			day++
			i++
		case strings.HasPrefix(rest, "YY"):
			return DateLayout{}, fmt.Errorf("date format %q: two-digit years (YY) are not accepted, because the century would be guessed; use YYYY", layout)
		case rest[0] >= 0x80 || ('a' <= rest[0] && rest[0] <= 'z') || ('A' <= rest[0] && rest[0] <= 'Z'):
			return DateLayout{}, fmt.Errorf("date format %q: unknown element at position %d (use YYYY, MM, M, DD, D, MON and separators)", layout, i+1)
		default:
			l.add(tokLiteral, rest[0])
			i++
		}
	}
	if year != 1 || month > 1 || day > 1 || day > month {
		return DateLayout{}, fmt.Errorf("date format %q: needs one year (YYYY), at most one month (MM, M or MON) and at most one day (DD or D), and a day only with a month", layout)
	}
	for i, t := range l.toks[:len(l.toks)-1] {
		next := l.toks[i+1]
		if (t == tokD || t == tokM) && next != tokLiteral && next != tokMON {
			return DateLayout{}, fmt.Errorf("date format %q: D or M directly followed by digits is ambiguous; use DD or MM, or a separator", layout)
		}
	}
	return l, nil
}

func (l *DateLayout) add(t dateTok, lit byte) {
	l.toks = append(l.toks, t)
	l.lits = append(l.lits, lit)
}

// shape returns the layout with day and month digits made indistinguishable,
// and the index of the day element: two layouts with the same shape but a
// different day index would read the same text with day and month swapped.
func (l DateLayout) shape() (string, int) {
	var b strings.Builder
	dayAt := -1
	for i, t := range l.toks {
		switch t {
		case tokLiteral:
			b.WriteByte('L')
			b.WriteByte(l.lits[i])
		case tokD, tokDD, tokM, tokMM:
			b.WriteByte('N')
			if t == tokD || t == tokDD {
				dayAt = i
			}
		case tokYYYY:
			b.WriteByte('Y')
		case tokMON:
			b.WriteByte('T')
			dayAt = -2 // a month name is never confused with a day
		}
	}
	return b.String(), dayAt
}

// match reads s (already trimmed) with the layout. ok is false when s does
// not have the layout's shape; otherwise y, m, d are the numbers read, not
// yet checked as a date.
func (l DateLayout) match(s string) (y, m, d int, ok bool) {
	i := 0
	for k, t := range l.toks {
		switch t {
		case tokLiteral:
			if i >= len(s) || s[i] != l.lits[k] {
				return 0, 0, 0, false
			}
			i++
		case tokYYYY:
			if y, ok = digitsAt(s, i, 4); !ok {
				return 0, 0, 0, false
			}
			i += 4
		case tokDD, tokMM:
			v, ok := digitsAt(s, i, 2)
			if !ok {
				return 0, 0, 0, false
			}
			if t == tokDD {
				d = v
			} else {
				m = v
			}
			i += 2
		case tokD, tokM:
			n := 0
			for n < 2 && i+n < len(s) && '0' <= s[i+n] && s[i+n] <= '9' {
				n++
			}
			if n == 0 {
				return 0, 0, 0, false
			}
			v, _ := digitsAt(s, i, n)
			if t == tokD {
				d = v
			} else {
				m = v
			}
			i += n
		case tokMON:
			v, n := monthAt(s, i)
			if n == 0 {
				return 0, 0, 0, false
			}
			m = v
			i += n
		}
	}
	if i < len(s) && !midnight(s[i:]) {
		return 0, 0, 0, false
	}
	return y, m, d, true
}

// digitsAt reads exactly n ASCII digits of s at i.
func digitsAt(s string, i, n int) (int, bool) {
	if i+n > len(s) {
		return 0, false
	}
	return atoiDigits(s[i : i+n])
}

var monthNames = [12]string{"JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUGUST", "SEPTEMBER", "OCTOBER", "NOVEMBER", "DECEMBER"}

// monthAt reads an English month name at s[i:], in full or as its first
// three letters (also "Sept"), in any case. It returns the month and the
// bytes read, or 0, 0.
func monthAt(s string, i int) (int, int) {
	n := 0
	for i+n < len(s) && n < 9 && isASCIILetter(s[i+n]) {
		n++
	}
	if n < 3 {
		return 0, 0
	}
	word := s[i : i+n]
	for mi, name := range monthNames {
		if strings.EqualFold(word, name) || strings.EqualFold(word, name[:3]) || (mi == 8 && strings.EqualFold(word, "SEPT")) {
			return mi + 1, n
		}
	}
	return 0, 0
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// midnight reports whether rest is a time of day of exactly midnight after a
// date, as spreadsheets and databases export dates: " 00:00", "T00:00:00",
// " 00:00:00.000", optionally ending in "Z".
func midnight(rest string) bool {
	if rest == "" || (rest[0] != ' ' && rest[0] != 'T') {
		return false
	}
	rest = strings.TrimSuffix(rest[1:], "Z")
	if !strings.HasPrefix(rest, "00:00") {
		return false
	}
	rest = rest[5:]
	if strings.HasPrefix(rest, ":00") {
		rest = rest[3:]
		if strings.HasPrefix(rest, ".") {
			rest = strings.TrimLeft(rest[1:], "0")
		}
	}
	return rest == ""
}

// DateOptions are the checks a DateParser makes after reading a date.
type DateOptions struct {
	// Earliest is the earliest plausible date; earlier dates are
	// ReasonImplausible. Zero means 1900-01-01.
	Earliest Date
	// Reference is "today" for the future check: dates after it are
	// ReasonFuture. Pass the extract's date (or SOURCE_DATE_EPOCH), not the
	// clock, so that a re-run gives the same result. Required unless
	// AllowFuture is set.
	Reference Date
	// AllowFuture turns the future check off.
	AllowFuture bool
	// StandIns are dates read as ReasonPlaceholder, beside
	// DefaultStandInDates: a date some system writes for an unknown one.
	StandIns []Date
	// YearOnlyDays are days of the year on which every date is read as its
	// year alone: the day and month a system writes where only the year is
	// known (found by their count, datespike.go).
	YearOnlyDays []MonthDay
}

// DefaultStandInDates are the dates every DateParser reads as
// ReasonPlaceholder: 1900-01-01, which record systems write for an unknown
// date of birth far more often than anyone alive was born on it. Left in,
// it gives every such record the same date, and strangers who share a
// forename and it then agree on a date-of-birth token. Dates before the
// earliest plausible date (1899-12-31, 1800-01-01, 0001-01-01) are already
// ReasonImplausible; a dataset's own stand-in (an enrolment day, the
// first of January of 2000) is found by its count (datespike.go) or
// declared in the input mapping's missing_values.
var DefaultStandInDates = []Date{{1900, 1, 1}}

// DefaultEarliestDate is the earliest plausible date when DateOptions leaves
// Earliest zero.
var DefaultEarliestDate = Date{1900, 1, 1}

// DateParser reads dates with an input mapping's declared formats. It is
// immutable and safe for concurrent use.
type DateParser struct {
	layouts  []DateLayout
	earliest Date
	ref      Date
	future   bool
	standIns []Date
	yearOnly []MonthDay
}

// NewDateParser compiles layouts (see ParseDateLayout), tried in order, with
// the checks in opt. It refuses a list in which two layouts read the same
// text with day and month swapped (DD/MM/YYYY with MM/DD/YYYY): the order
// would be guessed per value. Errors describe the layout, never data.
func NewDateParser(layouts []string, opt DateOptions) (*DateParser, error) {
	if len(layouts) == 0 {
		return nil, errors.New("no date formats declared")
	}
	if len(layouts) > MaxDateFormats {
		return nil, fmt.Errorf("%d date formats declared, at most %d: list the formats the extract uses (usually one or two)", len(layouts), MaxDateFormats)
	}
	p := &DateParser{earliest: opt.Earliest, ref: opt.Reference, future: opt.AllowFuture,
		standIns: append(append([]Date(nil), DefaultStandInDates...), opt.StandIns...),
		yearOnly: slices.Clone(opt.YearOnlyDays)}
	if p.earliest.IsZero() {
		p.earliest = DefaultEarliestDate
	}
	if !p.future && p.ref.IsZero() {
		return nil, errors.New("date parser: a reference date is needed to reject future dates")
	}
	for i, src := range layouts {
		l, err := ParseDateLayout(src)
		if err != nil {
			return nil, err
		}
		shape, dayAt := l.shape()
		for _, prev := range p.layouts[:i] {
			ps, pd := prev.shape()
			if ps == shape && pd != dayAt {
				return nil, fmt.Errorf("date formats %q and %q read the same dates with day and month swapped; declare only the one the extract uses", prev.src, src)
			}
		}
		p.layouts = append(p.layouts, l)
	}
	return p, nil
}

// MaxDateFormats bounds the formats of one date field: each is tried in
// turn on every value, and each pair is checked for day/month ambiguity.
const MaxDateFormats = 32

// maxDateBytes bounds date input: no date format is longer.
const maxDateBytes = 64

// Parse reads s with the parser's layouts, tried in order, after trimming
// white space. It returns the date or a Reason: ReasonMissing (blank),
// ReasonTooLong, ReasonInvalidFormat (no layout matches),
// ReasonInvalidDate (a layout matches but the numbers are no calendar date),
// ReasonImplausible (before the earliest date), ReasonFuture (after the
// reference date), ReasonPlaceholder (a stand-in date: DefaultStandInDates
// and DateOptions.StandIns). Day and month order comes only from the
// layouts.
//
// A day of 00, or a day and a month of 00 ("00/00/2009", "20090000"), or a
// layout without them, gives a partial date: a record system's way of
// saying that only the month or the year is known. A date on a day in
// DateOptions.YearOnlyDays gives its year alone. A partial date is implausible
// only when all of it lies before the earliest date, and in the future when
// all of it does.
func (p *DateParser) Parse(s string) (Date, error) {
	if len(s) > maxDateBytes {
		return Date{}, ReasonTooLong
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return Date{}, ReasonMissing
	}
	var shapeOK bool
	for _, l := range p.layouts {
		y, m, d, ok := l.match(s)
		if !ok {
			continue
		}
		shapeOK = true
		date, valid := NewDate(y, m, d)
		if !valid && d == 0 {
			date, valid = NewPartialDate(y, m)
		}
		if !valid {
			continue
		}
		if date.last().Before(p.earliest) {
			return Date{}, ReasonImplausible
		}
		if !p.future && p.ref.Before(date) {
			return Date{}, ReasonFuture
		}
		if slices.Contains(p.standIns, date) {
			return Date{}, ReasonPlaceholder
		}
		if len(p.yearOnly) > 0 && !date.Partial() && slices.Contains(p.yearOnly, MonthDay{int(date.m), int(date.d)}) {
			return Date{y: date.y}, nil
		}
		return date, nil
	}
	if shapeOK {
		return Date{}, ReasonInvalidDate
	}
	return Date{}, ReasonInvalidFormat
}
