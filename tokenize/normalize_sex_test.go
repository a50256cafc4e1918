package tokenize

import (
	"strings"
	"testing"
)

func TestSexCodes(t *testing.T) {
	c, err := NewSexCodes(map[string]string{"M": "male", "f": "Female", " U ": "unknown", "Boy": "male", "Männlich": "male"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		in   string
		want Sex
		err  Reason
	}{
		{"M", SexMale, ""}, {"m", SexMale, ""}, {" M ", SexMale, ""}, {"F", SexFemale, ""},
		{"f", SexFemale, ""}, {"BOY", SexMale, ""}, {"boy", SexMale, ""}, {"MÄNNLICH", SexMale, ""},
		{"männlich", SexMale, ""}, {"U", SexUnknown, ReasonMissing}, {"u", SexUnknown, ReasonMissing},
		{"", SexUnknown, ReasonMissing}, {"  ", SexUnknown, ReasonMissing},
		{"X", SexUnknown, ReasonUnmappedCode}, {"Male", SexUnknown, ReasonUnmappedCode},
		{"\xff", SexUnknown, ReasonInvalidEncoding}, {strings.Repeat("M", 100), SexUnknown, ReasonTooLong},
	} {
		got, err := c.Normalize(tt.in)
		if got != tt.want || !sameReason(err, tt.err) {
			t.Errorf("Normalize(%q) = %v, %v; want %v, %q", tt.in, got, err, tt.want, tt.err)
		}
	}
	if SexMale.Canonical() != "MALE" || SexFemale.Canonical() != "FEMALE" || SexUnknown.Canonical() != "" {
		t.Error("Canonical")
	}
	if SexMale.String() != "male" || SexFemale.String() != "female" || SexUnknown.String() != "unknown" {
		t.Error("String")
	}
}

func TestSexCodesErrors(t *testing.T) {
	for _, codes := range []map[string]string{
		nil,
		{"M": "man"},
		{"": "male"},
		{"m": "male", "M": "female"},
	} {
		if _, err := NewSexCodes(codes); err == nil {
			t.Errorf("NewSexCodes(%v): want an error", codes)
		}
	}
	if _, err := NewSexCodes(DefaultSexCodes); err != nil {
		t.Errorf("DefaultSexCodes: %v", err)
	}
}

func TestSexAllocations(t *testing.T) {
	if normRaceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	c, _ := NewSexCodes(DefaultSexCodes)
	if n := testing.AllocsPerRun(100, func() { c.Normalize(" female ") }); n != 0 {
		t.Errorf("Normalize allocates %v times, want 0", n)
	}
}

func FuzzNormalizeSex(f *testing.F) {
	for _, s := range []string{"M", "f", " Female ", "9", "x", "ǅ"} {
		f.Add(s)
	}
	c, err := NewSexCodes(DefaultSexCodes)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := c.Normalize(in)
		checkReason(t, in, err)
		if err != nil {
			if s != SexUnknown {
				t.Fatalf("sex %v with error %v", s, err)
			}
			return
		}
		if s != SexMale && s != SexFemale {
			t.Fatalf("Normalize(%q) = %v without error", in, s)
		}
		// Idempotent through the canonical words.
		back, ok := ParseSex(s.String())
		if !ok || back != s {
			t.Fatalf("ParseSex(%q) = %v", s.String(), back)
		}
	})
}
