package tokenize

import (
	"strings"
	"testing"
)

func TestNormalizePostcode(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		err      Reason
	}{
		{"EH1 1YZ", "EH1 1YZ", ""}, {"eh11yz", "EH1 1YZ", ""}, {" EH1  1YZ ", "EH1 1YZ", ""},
		{"eh1-1yz", "EH1 1YZ", ""}, {"G2 1DY", "G2 1DY", ""}, {"g21dy", "G2 1DY", ""},
		{"KW15 1BX", "KW15 1BX", ""}, {"M1 1AE", "M1 1AE", ""}, {"B33 8TH", "B33 8TH", ""},
		{"CR2 6XH", "CR2 6XH", ""}, {"DN55 1PT", "DN55 1PT", ""}, {"W1A 0AX", "W1A 0AX", ""},
		{"EC1A 1BB", "EC1A 1BB", ""}, {"SW1A 2AA", "SW1A 2AA", ""}, {"GIR 0AA", "GIR 0AA", ""},
		{"ZE2 9AA", "ZE2 9AA", ""}, {"HS1 2BS", "HS1 2BS", ""}, {"AB10 1XG", "AB10 1XG", ""},
		{"", "", ReasonMissing}, {"   ", "", ReasonMissing}, {"-", "", ReasonPlaceholder},
		{"NFA", "", ReasonPlaceholder}, {"n.f.a.", "", ReasonPlaceholder},
		{"No fixed abode", "", ReasonPlaceholder}, {"ZZ99 3VZ", "", ReasonPlaceholder},
		{"ZZ99 3WZ", "", ReasonPlaceholder}, {"Unknown", "", ReasonPlaceholder},
		{"XXXXXX", "", ReasonPlaceholder}, {"N/K", "", ReasonPlaceholder},
		{"EH1 1Y", "", ReasonInvalidFormat}, {"E", "", ReasonInvalidFormat},
		// An outward code alone is kept (issue: "G75" was dropped whole).
		{"EH1", "EH1", ""}, {"g75", "G75", ""}, {" ec1a ", "EC1A", ""}, {"KW15", "KW15", ""},
		{"Q75", "", ReasonInvalidFormat}, {"EI1", "", ReasonInvalidFormat}, {"EH1CZ", "", ReasonInvalidFormat},
		{"EH1 1YZZ", "", ReasonInvalidFormat}, {"EH1 OYZ", "", ReasonInvalidFormat},
		{"EH1 1CZ", "", ReasonInvalidFormat}, {"QH1 1YZ", "", ReasonInvalidFormat},
		{"EZ1 1YZ", "", ReasonInvalidFormat}, {"E1I 1YZ", "", ReasonInvalidFormat},
		{"EH1C 1YZ", "", ReasonInvalidFormat}, {"123 4AB", "", ReasonInvalidFormat},
		{"EH1 1ÝZ", "", ReasonInvalidFormat}, {"EHH1 1YZ", "", ReasonInvalidFormat},
		{strings.Repeat("EH1 ", 10), "", ReasonTooLong},
	} {
		got, err := NormalizePostcode(tt.in)
		if got != tt.want || !sameReason(err, tt.err) {
			t.Errorf("NormalizePostcode(%q) = %q, %v; want %q, %q", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestPostcodeParts(t *testing.T) {
	for _, tt := range []struct{ in, out, inw, area, district, sector string }{
		{"EH1 1YZ", "EH1", "1YZ", "EH", "EH1", "EH1 1"},
		{"G2 1DY", "G2", "1DY", "G", "G2", "G2 1"},
		{"KW15 1BX", "KW15", "1BX", "KW", "KW15", "KW15 1"},
		{"EC1A 1BB", "EC1A", "1BB", "EC", "EC1", "EC1A 1"},
		{"W1A 0AX", "W1A", "0AX", "W", "W1", "W1A 0"},
		{"", "", "", "", "", ""},
	} {
		if g := PostcodeOutward(tt.in); g != tt.out {
			t.Errorf("PostcodeOutward(%q) = %q", tt.in, g)
		}
		if g := PostcodeInward(tt.in); g != tt.inw {
			t.Errorf("PostcodeInward(%q) = %q", tt.in, g)
		}
		if g := PostcodeArea(tt.in); g != tt.area {
			t.Errorf("PostcodeArea(%q) = %q", tt.in, g)
		}
		if g := PostcodeDistrict(tt.in); g != tt.district {
			t.Errorf("PostcodeDistrict(%q) = %q", tt.in, g)
		}
		if g := PostcodeSector(tt.in); g != tt.sector {
			t.Errorf("PostcodeSector(%q) = %q", tt.in, g)
		}
	}
}

func TestPostcodeAllocations(t *testing.T) {
	if normRaceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	if n := testing.AllocsPerRun(100, func() { NormalizePostcode("EH1 1YZ") }); n != 0 {
		t.Errorf("NormalizePostcode of a canonical postcode allocates %v times, want 0", n)
	}
}

func FuzzNormalizePostcode(f *testing.F) {
	for _, s := range []string{"EH1 1YZ", "eh11yz", "EC1A 1BB", "GIR0AA", "ZZ99 3VZ", "nfa"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := NormalizePostcode(in)
		checkReason(t, in, err)
		if err != nil {
			if out != "" {
				t.Fatalf("value with error")
			}
			return
		}
		again, err := NormalizePostcode(out)
		if err != nil || again != out {
			t.Fatalf("not idempotent: %q → %q → %q, %v", in, out, again, err)
		}
		if !strings.Contains(out, " ") { // an outward code alone
			if PostcodeOutward(out) != out || PostcodeInward(out) != "" || PostcodeSector(out) != "" || fullPostcode(out) != "" ||
				!strings.HasPrefix(out, PostcodeDistrict(out)) || PostcodeArea(out) == "" {
				t.Fatalf("parts of outward code %q", out)
			}
			return
		}
		if PostcodeOutward(out)+" "+PostcodeInward(out) != out || !strings.HasPrefix(out, PostcodeSector(out)) ||
			!strings.HasPrefix(out, PostcodeDistrict(out)) || PostcodeArea(out) == "" || fullPostcode(out) != out {
			t.Fatalf("parts of %q", out)
		}
	})
}

// TestOutwardOnlyComponents: an outward code alone serves the outward,
// district and area components, and is missing for the full postcode and
// the sector, so no rule joins two records on "G75" alone.
func TestOutwardOnlyComponents(t *testing.T) {
	p, err := NormalizePostcode("g75")
	if err != nil || p != "G75" {
		t.Fatalf("NormalizePostcode(g75) = %q, %v", p, err)
	}
	for name, got := range map[string]string{
		"outward": PostcodeOutward(p), "district": PostcodeDistrict(p), "area": PostcodeArea(p),
		"sector": PostcodeSector(p), "full": fullPostcode(p), "full of a whole postcode": fullPostcode("G75 8AA"),
	} {
		want := map[string]string{"outward": "G75", "district": "G75", "area": "G", "sector": "", "full": "", "full of a whole postcode": "G75 8AA"}[name]
		if got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
}
