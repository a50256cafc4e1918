package tokenize

import (
	"strings"
	"testing"
)

func TestNormalizeAddress(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		err      Reason
	}{
		{"12 High St", "12 HIGH STREET", ""},
		{"12 High St.", "12 HIGH STREET", ""},
		{"12, St John's Rd", "12 SAINT JOHNS ROAD", ""},
		{"St Andrews Sq", "SAINT ANDREWS SQUARE", ""},
		{"Flat 2/1, 34 Dumbarton Rd", "FLAT 2 1 34 DUMBARTON ROAD", ""},
		{"  3   Rose  Cres ", "3 ROSE CRESCENT", ""},
		{"Smith & Sons Bldg", "SMITH AND SONS BUILDING", ""},
		{"5 Rue Générale", "5 RUE GENERALE", ""},
		{"7 Ave Road", "7 AVENUE ROAD", ""},
		{"12 HIGH STREET", "12 HIGH STREET", ""},
		{"", "", ReasonMissing},
		{"  ", "", ReasonMissing},
		{"NFA", "", ReasonPlaceholder},
		{"No Fixed Abode", "", ReasonPlaceholder},
		{"n/k", "", ReasonPlaceholder},
		{"---", "", ReasonPlaceholder},
		{"\xff", "", ReasonInvalidEncoding},
		{strings.Repeat("a", MaxAddressBytes+1), "", ReasonTooLong},
	} {
		got, err := NormalizeAddress(tt.in)
		if got != tt.want || !sameReason(err, tt.err) {
			t.Errorf("NormalizeAddress(%q) = %q, %v; want %q, %q", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func FuzzNormalizeAddress(f *testing.F) {
	for _, s := range []string{"12 High St", "Flat 2/1", "St Andrews", "5 Rue Générale", "ß&ǅ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := NormalizeAddress(in)
		checkReason(t, in, err)
		if err != nil {
			if out != "" {
				t.Fatal("value with error")
			}
			return
		}
		again, err := NormalizeAddress(out)
		if err != nil || again != out {
			t.Fatalf("not idempotent: %q → %q → %q, %v", in, out, again, err)
		}
	})
}
