package tokenize

import (
	"strings"
	"testing"
)

func mustDate(t testing.TB, s string) Date {
	t.Helper()
	d, err := ParseISODate(s)
	if err != nil {
		t.Fatalf("ParseISODate(%q): %v", s, err)
	}
	return d
}

func TestDateParser(t *testing.T) {
	ref := mustDate(t, "2026-11-24")
	tests := []struct {
		layouts []string
		in      string
		want    string
		err     Reason
	}{
		{[]string{"DD/MM/YYYY"}, "03/04/2001", "2001-04-03", ""},
		{[]string{"DD/MM/YYYY"}, " 03/04/2001 ", "2001-04-03", ""},
		{[]string{"DD/MM/YYYY"}, "3/4/2001", "", ReasonInvalidFormat},
		{[]string{"D/M/YYYY"}, "3/4/2001", "2001-04-03", ""},
		{[]string{"D/M/YYYY"}, "03/04/2001", "2001-04-03", ""},
		{[]string{"D/M/YYYY"}, "13/12/2001", "2001-12-13", ""},
		{[]string{"MM/DD/YYYY"}, "04/03/2001", "2001-04-03", ""},
		{[]string{"YYYY-MM-DD"}, "2001-04-03", "2001-04-03", ""},
		{[]string{"YYYY-MM-DD"}, "2001-04-03 00:00:00", "2001-04-03", ""},
		{[]string{"YYYY-MM-DD"}, "2001-04-03T00:00:00Z", "2001-04-03", ""},
		{[]string{"YYYY-MM-DD"}, "2001-04-03T00:00:00.000", "2001-04-03", ""},
		{[]string{"YYYY-MM-DD"}, "2001-04-03 12:30:00", "", ReasonInvalidFormat},
		{[]string{"YYYYMMDD"}, "20010403", "2001-04-03", ""},
		{[]string{"DDMMYYYY"}, "03042001", "2001-04-03", ""},
		{[]string{"D MON YYYY"}, "3 Apr 2001", "2001-04-03", ""},
		{[]string{"D MON YYYY"}, "3 APRIL 2001", "2001-04-03", ""},
		{[]string{"D MON YYYY"}, "3 sept 2001", "2001-09-03", ""},
		{[]string{"DD-MON-YYYY"}, "03-apr-2001", "2001-04-03", ""},
		{[]string{"DD-MON-YYYY"}, "03-Apl-2001", "", ReasonInvalidFormat},
		{[]string{"DD/MM/YYYY"}, "31/02/2001", "", ReasonInvalidDate},
		{[]string{"DD/MM/YYYY"}, "29/02/2001", "", ReasonInvalidDate},
		{[]string{"DD/MM/YYYY"}, "29/02/2000", "2000-02-29", ""},
		{[]string{"DD/MM/YYYY"}, "29/02/1900", "", ReasonInvalidDate},
		// Partial dates: a day, or a day and a month, of 00, or a layout
		// without them.
		{[]string{"DD/MM/YYYY"}, "00/01/2001", "2001-01", ""},
		{[]string{"DD/MM/YYYY"}, "00/00/2001", "2001", ""},
		{[]string{"DD/MM/YYYY"}, "01/00/2001", "", ReasonInvalidDate},
		{[]string{"DD/MM/YYYY"}, "00/13/2001", "", ReasonInvalidDate},
		{[]string{"DD/MM/YYYY"}, "00/00/0000", "", ReasonInvalidDate},
		{[]string{"YYYYMMDD"}, "20010000", "2001", ""},
		{[]string{"YYYYMMDD"}, "20010300", "2001-03", ""},
		{[]string{"DD/MM/YYYY", "MM/YYYY", "YYYY"}, "03/2001", "2001-03", ""},
		{[]string{"DD/MM/YYYY", "MM/YYYY", "YYYY"}, "2001", "2001", ""},
		{[]string{"DD/MM/YYYY", "MON YYYY"}, "Mar 2001", "2001-03", ""},
		{[]string{"YYYY"}, "1899", "", ReasonImplausible},
		{[]string{"YYYY"}, "1900", "1900", ""}, // it may be any day of 1900
		{[]string{"MM/YYYY"}, "12/1899", "", ReasonImplausible},
		{[]string{"YYYY"}, "2026", "2026", ""},
		{[]string{"YYYY"}, "2027", "", ReasonFuture},
		{[]string{"MM/YYYY"}, "11/2026", "2026-11", ""},
		{[]string{"MM/YYYY"}, "12/2026", "", ReasonFuture},
		{[]string{"DD/MM/YYYY"}, "01/13/2001", "", ReasonInvalidDate},
		{[]string{"DD/MM/YYYY"}, "01/01/1899", "", ReasonImplausible},
		{[]string{"DD/MM/YYYY"}, "01/01/1900", "", ReasonPlaceholder},
		{[]string{"DD/MM/YYYY"}, "02/01/1900", "1900-01-02", ""},
		{[]string{"DD/MM/YYYY"}, "24/11/2026", "2026-11-24", ""},
		{[]string{"DD/MM/YYYY"}, "25/11/2026", "", ReasonFuture},
		{[]string{"DD/MM/YYYY"}, "", "", ReasonMissing},
		{[]string{"DD/MM/YYYY"}, "  ", "", ReasonMissing},
		{[]string{"DD/MM/YYYY"}, "not a date", "", ReasonInvalidFormat},
		{[]string{"DD/MM/YYYY"}, "03/04/01", "", ReasonInvalidFormat},
		{[]string{"DD/MM/YYYY"}, strings.Repeat("1", 100), "", ReasonTooLong},
		{[]string{"DD/MM/YYYY", "YYYY-MM-DD"}, "2001-04-03", "2001-04-03", ""},
		{[]string{"DD/MM/YYYY", "YYYY-MM-DD"}, "03/04/2001", "2001-04-03", ""},
		{[]string{"DD/MM/YYYY", "D MON YYYY"}, "31/02/2001", "", ReasonInvalidDate},
	}
	for _, tt := range tests {
		p, err := NewDateParser(tt.layouts, DateOptions{Reference: ref})
		if err != nil {
			t.Fatalf("NewDateParser(%q): %v", tt.layouts, err)
		}
		got, err := p.Parse(tt.in)
		if got.String() != tt.want || !sameReason(err, tt.err) {
			t.Errorf("%q Parse(%q) = %q, %v; want %q, %q", tt.layouts, tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestDateParserStandIns(t *testing.T) {
	ref := mustDate(t, "2026-01-01")
	p, err := NewDateParser([]string{"YYYY-MM-DD"}, DateOptions{Reference: ref, StandIns: []Date{mustDate(t, "2024-08-14")}})
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]Reason{"2024-08-14": ReasonPlaceholder, "1900-01-01": ReasonPlaceholder, "2024-08-15": "", "2014-08-14": ""} {
		if _, err := p.Parse(in); !sameReason(err, want) {
			t.Errorf("Parse(%q) = %v, want %q", in, err, want)
		}
	}
}

func TestDateParserYearOnly(t *testing.T) {
	ref := mustDate(t, "2026-01-01")
	p, err := NewDateParser([]string{"YYYY-MM-DD"}, DateOptions{Reference: ref,
		YearOnlyDays: []MonthDay{{1, 1}}, StandIns: []Date{mustDate(t, "2000-01-01")}})
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{"2009-01-01": "2009", "2010-01-01": "2010", "1950-01-01": "1950", "2009-01-02": "2009-01-02", "2009-07-01": "2009-07-01", "2009-00-00": "2009", "2000-01-01": ""} {
		if d, _ := p.Parse(in); d.String() != want {
			t.Errorf("Parse(%q) = %q, want %q", in, d, want)
		}
	}
}

func TestPartialDate(t *testing.T) {
	for _, tt := range []struct {
		y, m       int
		ok         bool
		iso, cmpct string
		last       string
	}{
		{2009, 0, true, "2009", "2009", "2009-12-31"},
		{2008, 2, true, "2008-02", "200802", "2008-02-29"},
		{2009, 2, true, "2009-02", "200902", "2009-02-28"},
		{0, 0, false, "", "", ""},
		{2009, 13, false, "", "", ""},
		{2009, -1, false, "", "", ""},
	} {
		d, ok := NewPartialDate(tt.y, tt.m)
		if ok != tt.ok || d.String() != tt.iso || d.Compact() != tt.cmpct || d.Partial() != tt.ok || d.last().String() != tt.last {
			t.Errorf("NewPartialDate(%d, %d) = %q (%q, partial %v, last %q), %v", tt.y, tt.m, d, d.Compact(), d.Partial(), d.last(), ok)
		}
		if ok && (d.Day() != 0 || d.Month() != tt.m || d.Year() != tt.y) {
			t.Errorf("NewPartialDate(%d, %d): accessors %d %d %d", tt.y, tt.m, d.Year(), d.Month(), d.Day())
		}
	}
	full := Date{2009, 3, 4}
	if full.Partial() || full.last() != full {
		t.Errorf("a full date is partial or not its own last day")
	}
}

func TestDateParserOptions(t *testing.T) {
	p, err := NewDateParser([]string{"YYYY-MM-DD"}, DateOptions{AllowFuture: true, Earliest: mustDate(t, "1950-06-01")})
	if err != nil {
		t.Fatal(err)
	}
	if d, err := p.Parse("2999-01-01"); err != nil || d.Year() != 2999 {
		t.Errorf("AllowFuture: %v, %v", d, err)
	}
	if _, err := p.Parse("1950-05-31"); err != ReasonImplausible {
		t.Errorf("Earliest: %v", err)
	}
	if _, err := NewDateParser([]string{"YYYY-MM-DD"}, DateOptions{}); err == nil {
		t.Error("no reference date and no AllowFuture: want an error")
	}
}

func TestDateLayoutErrors(t *testing.T) {
	ref := Date{2026, 1, 1}
	for _, layouts := range [][]string{
		{},
		{"DD/MM/YY"},
		{"DD/MM"},
		{"DD/YYYY"},
		{"MM"},
		{"DD/MM/YYYY/DD"},
		{"DMYYYY"},
		{"DD.MM.YYYY hh"},
		{"DD/MM/YYYY", "MM/DD/YYYY"},
		{"D/M/YYYY", "MM/DD/YYYY"},
		{"YYYY-MM-DD", "YYYY-DD-MM"},
	} {
		if _, err := NewDateParser(layouts, DateOptions{Reference: ref}); err == nil {
			t.Errorf("NewDateParser(%q): want an error", layouts)
		}
	}
	// Not ambiguous: same order, or a month name.
	for _, layouts := range [][]string{
		{"DD/MM/YYYY", "D/M/YYYY"},
		{"DD/MM/YYYY", "YYYY-MM-DD", "D MON YYYY", "MON D YYYY"},
	} {
		if _, err := NewDateParser(layouts, DateOptions{Reference: ref}); err != nil {
			t.Errorf("NewDateParser(%q): %v", layouts, err)
		}
	}
}

func TestDateAccessors(t *testing.T) {
	d := mustDate(t, "1987-06-05")
	if d.Year() != 1987 || d.Month() != 6 || d.Day() != 5 || d.Compact() != "19870605" || d.String() != "1987-06-05" {
		t.Errorf("accessors: %d %d %d %s %s", d.Year(), d.Month(), d.Day(), d.Compact(), d)
	}
	if (Date{}).String() != "" || (Date{}).Compact() != "" || !(Date{}).IsZero() {
		t.Error("zero Date")
	}
	if !d.Before(mustDate(t, "1987-06-06")) || d.Before(d) {
		t.Error("Before")
	}
	for _, s := range []string{"1987-6-05", "1987/06/05", "1987-02-30", "x987-06-05"} {
		if _, err := ParseISODate(s); err == nil {
			t.Errorf("ParseISODate(%q): want an error", s)
		}
	}
	if _, ok := NewDate(0, 1, 1); ok {
		t.Error("NewDate year 0")
	}
}

func TestDateParseAllocations(t *testing.T) {
	if normRaceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	p, _ := NewDateParser([]string{"DD/MM/YYYY", "D MON YYYY"}, DateOptions{Reference: Date{2026, 1, 1}})
	if n := testing.AllocsPerRun(100, func() { p.Parse("3 Apr 2001") }); n != 0 {
		t.Errorf("Parse allocates %v times, want 0", n)
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"03/04/2001", "3 Apr 2001", "2001-04-03", "2001-04-03T00:00:00Z", "31/02/2001", "29/02/2000", "1/1/1900", "00/00/1900", "0/3/2001"} {
		f.Add(s)
	}
	ref := Date{2026, 11, 24}
	p, err := NewDateParser([]string{"DD/MM/YYYY", "D MON YYYY", "YYYY-MM-DD", "D/M/YYYY"}, DateOptions{Reference: ref})
	if err != nil {
		f.Fatal(err)
	}
	iso, _ := NewDateParser([]string{"YYYY-MM-DD", "YYYY-MM", "YYYY"}, DateOptions{Reference: ref})
	f.Fuzz(func(t *testing.T, in string) {
		d, err := p.Parse(in)
		checkReason(t, in, err)
		if err != nil {
			if !d.IsZero() {
				t.Fatalf("date %v with error %v", d, err)
			}
			return
		}
		if d.last().Before(DefaultEarliestDate) || ref.Before(d) {
			t.Fatalf("%q → %v outside the range", in, d)
		}
		again, err := iso.Parse(d.String())
		if err != nil || again != d {
			t.Fatalf("not idempotent: %q → %v → %v, %v", in, d, again, err)
		}
		if d.Compact() != strings.ReplaceAll(d.String(), "-", "") {
			t.Fatalf("%v: Compact %q", d, d.Compact())
		}
		if d.Partial() {
			return
		}
		if p2, err := ParseISODate(d.String()); err != nil || p2 != d {
			t.Fatalf("ParseISODate(%q) = %v, %v", d, p2, err)
		}
	})
}

func FuzzParseDateLayout(f *testing.F) {
	f.Add("DD/MM/YYYY")
	f.Add("D MON YYYY")
	f.Fuzz(func(t *testing.T, layout string) {
		p, err := NewDateParser([]string{layout}, DateOptions{AllowFuture: true})
		if err != nil {
			return
		}
		// A layout that compiles must read a date it can express.
		p.Parse("01/02/2003")
	})
}
