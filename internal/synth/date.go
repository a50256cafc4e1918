package synth

import (
	"fmt"
	"time"
)

// date is a calendar date. The zero date means "missing".
type date struct{ y, m, d int }

func (t date) missing() bool { return t.y == 0 }

func (t date) time() time.Time { return time.Date(t.y, time.Month(t.m), t.d, 0, 0, 0, 0, time.UTC) }

func fromTime(t time.Time) date { return date{t.Year(), int(t.Month()), t.Day()} }

// days returns the number of days since 1900-01-01.
func (t date) days() int32 {
	return int32(t.time().Sub(time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)).Hours() / 24)
}

// valid reports whether t is a real calendar date.
func (t date) valid() bool {
	if t.m < 1 || t.m > 12 || t.d < 1 {
		return false
	}
	return fromTime(t.time()) == t
}

// ageOn returns the age in whole years on day ref.
func (t date) ageOn(ref date) int {
	a := ref.y - t.y
	if ref.m < t.m || ref.m == t.m && ref.d < t.d {
		a--
	}
	return a
}

// ParseDate parses a YYYY-MM-DD date, as the --as-of flag takes it.
func ParseDate(s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("date must be YYYY-MM-DD")
	}
	return t, nil
}

var monthAbbr = [...]string{"", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// format writes t in one of the mapping contract's date formats. The
// formats synth uses are fixed, so this is a switch, not a parser.
func (t date) format(layout string) string {
	if t.missing() {
		return ""
	}
	switch layout {
	case "DD/MM/YYYY":
		return fmt.Sprintf("%02d/%02d/%04d", t.d, t.m, t.y)
	case "YYYY-MM-DD":
		return fmt.Sprintf("%04d-%02d-%02d", t.y, t.m, t.d)
	case "YYYYMMDD":
		return fmt.Sprintf("%04d%02d%02d", t.y, t.m, t.d)
	case "DD-MON-YYYY":
		return fmt.Sprintf("%02d-%s-%04d", t.d, monthAbbr[t.m], t.y)
	case "D/M/YYYY":
		return fmt.Sprintf("%d/%d/%04d", t.d, t.m, t.y)
	}
	panic("synth: unknown date layout " + layout)
}

// formatYear writes t's year alone in a numeric layout, the day and month
// zero (00/00/2009, 20090000), as systems write a date known only to its
// year.
func (t date) formatYear(layout string) string {
	switch layout {
	case "DD/MM/YYYY":
		return fmt.Sprintf("00/00/%04d", t.y)
	case "YYYY-MM-DD":
		return fmt.Sprintf("%04d-00-00", t.y)
	case "YYYYMMDD":
		return fmt.Sprintf("%04d0000", t.y)
	case "D/M/YYYY":
		return fmt.Sprintf("0/0/%04d", t.y)
	}
	panic("synth: no year-only form for date layout " + layout)
}
