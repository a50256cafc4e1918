package tokenize

import (
	"strings"
	"testing"
	"time"
)

// FuzzClkhashDate: any strptime format either loads or is refused, and a
// value either is refused (without being quoted) or becomes a real date as
// YYYYMMDD.
func FuzzClkhashDate(f *testing.F) {
	for _, s := range [][2]string{
		{"%d/%m/%Y", "01/02/1980"}, {"%Y%m%d", "1980021"}, {"%d %b %y", "5 feb 80"},
		{"%Y-%j", "2001-366"}, {"%A %d %B %Y %H:%M:%S.%f", "monday 1 march 2021 10:11:12.5"}, {"%%%Y", "%2000"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, format, value string) {
		sf, err := parseStrptime(format)
		if err != nil {
			return
		}
		out, reason := sf.reformat(value)
		if reason != "" {
			if len(value) > 3 && strings.Contains(reason, value) && !strings.Contains(format, value) {
				t.Fatalf("reason quotes the value: %s", reason)
			}
			return
		}
		if _, err := time.Parse("20060102", out); err != nil || len(out) != 8 {
			t.Fatalf("format %q value %q gave %q", format, value, out)
		}
	})
}

// FuzzClkhashPattern: translating a Python pattern never panics, and a
// translated pattern matches whole values only.
func FuzzClkhashPattern(f *testing.F) {
	for _, s := range [][2]string{
		{`\d{4}`, "2000"}, {`[A-Z]{,2}\Z`, "AB"}, {`\w+\s\w+`, "a b"}, {`[^\]a]+`, "bc"}, {`(?P<x>a)|b`, "b"}, {`[[:alpha:]]`, ":"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, value string) {
		re, err := compilePythonPattern(pattern)
		if err != nil {
			return
		}
		if re.MatchString(value) {
			loc := re.FindStringIndex(value)
			if loc == nil || loc[0] != 0 || loc[1] != len(value) {
				t.Fatalf("pattern %q matched %q partially", pattern, value)
			}
		}
	})
}
