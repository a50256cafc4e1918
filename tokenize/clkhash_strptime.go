package tokenize

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// strptimeFormat reproduces Python's datetime.strptime for the directives a
// date of birth needs, which is how clkhash validates and rewrites "date"
// features (to %Y%m%d). Like CPython's _strptime it builds one regular
// expression (case-insensitive, whitespace in the format matching one or
// more whitespace characters), anchors it at the start only, and fails with
// "unconverted data remains" when the match stops short. Differences are
// refused, not approximated: directives other than those below are an
// error at load, digits are ASCII only (Python's \d also takes other
// scripts' digits, which then fail here as an invalid date), and years
// before 1000 are refused because Python's %Y output for them depends on
// the platform.
//
// Supported: %d %m %Y %y %b %B %a %A %j %H %M %S %f %%.
type strptimeFormat struct {
	src    string
	re     *regexp.Regexp
	groups []byte // directive of each capture group, in order
}

var (
	monthsFull  = []string{"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"}
	monthsShort = []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
	daysFull    = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
	daysShort   = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
)

// alternation returns names longest first, as CPython orders them.
func alternation(names []string) string {
	sorted := append([]string(nil), names...)
	// stable insertion sort by length, descending
	for i := 1; i < len(sorted); i++ {
		for j := i; j > 0 && len(sorted[j]) > len(sorted[j-1]); j-- {
			sorted[j], sorted[j-1] = sorted[j-1], sorted[j]
		}
	}
	return "(" + strings.Join(sorted, "|") + ")"
}

var strptimeDirectives = map[byte]string{
	'd': `(3[01]|[12][0-9]|0[1-9]|[1-9]| [1-9])`,
	'm': `(1[0-2]|0[1-9]|[1-9])`,
	'Y': `([0-9][0-9][0-9][0-9])`,
	'y': `([0-9][0-9])`,
	'H': `(2[0-3]|[0-1][0-9]|[0-9])`,
	'M': `([0-5][0-9]|[0-9])`,
	'S': `(6[0-1]|[0-5][0-9]|[0-9])`,
	'f': `([0-9]{1,6})`,
	'j': `(36[0-6]|3[0-5][0-9]|[12][0-9][0-9]|0[1-9][0-9]|00[1-9]|[1-9][0-9]|0[1-9]|[1-9])`,
	'b': alternation(monthsShort),
	'B': alternation(monthsFull),
	'a': alternation(daysShort),
	'A': alternation(daysFull),
}

func parseStrptime(format string) (*strptimeFormat, error) {
	var b strings.Builder
	b.WriteString(`(?i)^`)
	sf := &strptimeFormat{src: format}
	seen := map[byte]bool{}
	inSpace := false
	for i := 0; i < len(format); i++ {
		c := format[i]
		if isStrptimeSpace(c) {
			if !inSpace {
				b.WriteString(`[\t\n\v\f\r \x{1c}-\x{1f}\x{85}\p{Z}]+`)
			}
			inSpace = true
			continue
		}
		inSpace = false
		if c != '%' {
			b.WriteString(regexp.QuoteMeta(string(c)))
			continue
		}
		if i+1 >= len(format) {
			return nil, errors.New("stray % at the end of the date format")
		}
		i++
		d := format[i]
		if d == '%' {
			b.WriteString("%")
			continue
		}
		pat, ok := strptimeDirectives[d]
		if !ok {
			return nil, fmt.Errorf("date format directive %%%c is not supported by pprl (supported: %%d %%m %%Y %%y %%b %%B %%a %%A %%j %%H %%M %%S %%f %%%%)", d)
		}
		if seen[d] {
			return nil, fmt.Errorf("date format directive %%%c appears twice (Python's strptime refuses it)", d)
		}
		seen[d] = true
		b.WriteString(pat)
		sf.groups = append(sf.groups, d)
	}
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, fmt.Errorf("cannot be used: %v", err)
	}
	sf.re = re
	return sf, nil
}

// isStrptimeSpace: the format's own whitespace (ASCII, as written in a
// schema).
func isStrptimeSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// reformat parses v and returns it as YYYYMMDD, or a reason (without the
// value) why it is not a date in the format.
func (sf *strptimeFormat) reformat(v string) (string, string) {
	m := sf.re.FindStringSubmatchIndex(v)
	if m == nil {
		return "", fmt.Sprintf("date does not match format %s", sf.src)
	}
	if m[1] != len(v) {
		return "", fmt.Sprintf("date does not match format %s (unconverted data remains)", sf.src)
	}
	year, month, day := 1900, 1, 1
	julian := -1
	var hour, minute, second int
	for g, d := range sf.groups {
		s := v[m[2+2*g]:m[3+2*g]]
		n, _ := strconv.Atoi(strings.TrimSpace(s))
		switch d {
		case 'Y':
			year = n
		case 'y':
			if n <= 68 {
				year = 2000 + n
			} else {
				year = 1900 + n
			}
		case 'm':
			month = n
		case 'd':
			day = n
		case 'b':
			month = indexFold(monthsShort, s) + 1
		case 'B':
			month = indexFold(monthsFull, s) + 1
		case 'j':
			julian = n
		case 'H':
			hour = n
		case 'M':
			minute = n
		case 'S':
			second = n
		}
	}
	if second > 59 {
		return "", "date has a seconds field of 60 or 61, which Python's datetime refuses"
	}
	_, _ = hour, minute
	if year < 1 || year > 9999 {
		return "", "date has a year outside 1..9999"
	}
	var t time.Time
	if julian >= 0 {
		// CPython: the day of the year wins over month and day, and a day
		// past the year's end rolls into the next year.
		t = time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, julian-1)
	} else {
		t = time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
		if t.Year() != year || int(t.Month()) != month || t.Day() != day {
			return "", fmt.Sprintf("date does not exist (format %s)", sf.src)
		}
	}
	if t.Year() < 1000 {
		return "", "date is before the year 1000, whose form in clkhash depends on the platform; pprl refuses it"
	}
	if t.Year() > 9999 {
		return "", "date has a year outside 1..9999"
	}
	return t.Format("20060102"), ""
}

// indexFold finds s among lower-case names the way CPython does, by
// lower-casing s (so "ſep", which the case-insensitive regexp accepts, is
// not September there either).
func indexFold(names []string, s string) int {
	s = strings.ToLower(s)
	for i, n := range names {
		if n == s {
			return i
		}
	}
	return -1
}
