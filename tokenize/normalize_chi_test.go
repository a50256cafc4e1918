package tokenize

import (
	"strings"
	"testing"
)

func TestNormalizeCHI(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		err      Reason
	}{
		{"0101011237", "0101011237", ""},         // mod-11 (spec example)
		{"0101201234", "0101201234", ""},         // mod-10 only (spec example)
		{"101011237", "0101011237", ""},          // leading zero lost
		{"010 101 1237", "0101011237", ""},       // spaced
		{"010-101-1237", "0101011237", ""},       // hyphens
		{" 0101011237 ", "0101011237", ""},       // padded
		{"0101011238", "", ReasonCheckDigit},     // wrong check digit
		{"0101201235", "", ReasonCheckDigit},     // neither check
		{"", "", ReasonMissing},                  //
		{"  ", "", ReasonMissing},                //
		{"-", "", ReasonInvalidFormat},           // no digits
		{"01010112", "", ReasonInvalidFormat},    // 8 digits
		{"01010112370", "", ReasonInvalidFormat}, // 11 digits
		{"0101O11237", "", ReasonInvalidFormat},  // letter O
		{"1111111111", "", ReasonPlaceholder},    // passes mod-11 but a dummy
		{"0000000000", "", ReasonPlaceholder},    //
		{"0123456789", "", ReasonPlaceholder},    //
		{"3201011234", "", ReasonImplausible},    // day 32
		{"0113011234", "", ReasonImplausible},    // month 13
		{strings.Repeat("1", 40), "", ReasonTooLong},
	} {
		got, err := NormalizeCHI(tt.in)
		if got != tt.want || !sameReason(err, tt.err) {
			t.Errorf("NormalizeCHI(%q) = %q, %v; want %q, %q", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestCHICheckDigitsExhaustive(t *testing.T) {
	// For every 9-digit stem of one date, exactly the digits the two rules
	// give are accepted (the mod-11 one when it exists, and the Luhn one).
	for stem := 0; stem < 1000; stem++ {
		base := "241290" + string(rune('0'+stem/100)) + string(rune('0'+stem/10%10)) + string(rune('0'+stem%10))
		var d [10]byte
		copy(d[:], base)
		c11, ok11 := mod11Check(&d)
		c10 := mod10Check(&d)
		for c := byte('0'); c <= '9'; c++ {
			chi := base + string(c)
			_, err := NormalizeCHI(chi)
			want := (ok11 && c == c11) || c == c10
			if (err == nil) != want && err != ReasonPlaceholder {
				t.Fatalf("NormalizeCHI(%s) = %v, want ok=%v", chi, err, want)
			}
		}
	}
}

func TestCheckCHI(t *testing.T) {
	dob := Date{2001, 1, 1}
	for _, tt := range []struct {
		chi string
		dob Date
		sex Sex
		err Reason
	}{
		{"0101011237", dob, SexMale, ""}, // 9th digit 3: male
		{"0101011237", dob, SexFemale, ReasonCHISexMismatch},
		{"0101011237", Date{1901, 1, 1}, SexMale, ""}, // century unknown
		{"0101011237", Date{2001, 1, 2}, SexMale, ReasonCHIDOBMismatch},
		{"0101011237", Date{}, SexUnknown, ""},
		{"0101201234", Date{2020, 1, 1}, SexMale, ""}, // 9th digit 3: male
		{"0101201234", Date{2020, 1, 1}, SexFemale, ReasonCHISexMismatch},
		{"0101201242", Date{2020, 1, 1}, SexFemale, ""}, // 9th digit 4: female
		{"bad", dob, SexMale, ReasonInvalidFormat},
		// A partial date of birth is checked as far as it goes.
		{"0101011237", Date{y: 2001}, SexMale, ""},
		{"0101011237", Date{y: 2002}, SexMale, ReasonCHIDOBMismatch},
		{"0101011237", Date{y: 2001, m: 1}, SexMale, ""},
		{"0101011237", Date{y: 2001, m: 2}, SexMale, ReasonCHIDOBMismatch},
	} {
		if err := CheckCHI(tt.chi, tt.dob, tt.sex); !sameReason(err, tt.err) {
			t.Errorf("CheckCHI(%s, %v, %v) = %v, want %q", tt.chi, tt.dob, tt.sex, err, tt.err)
		}
	}
}

func TestCHIAllocations(t *testing.T) {
	if normRaceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	if n := testing.AllocsPerRun(100, func() { NormalizeCHI("0101011237") }); n != 0 {
		t.Errorf("NormalizeCHI of a canonical CHI allocates %v times, want 0", n)
	}
}

func FuzzNormalizeCHI(f *testing.F) {
	for _, s := range []string{"0101011237", "101011237", "0101201234", "010 101 1237", "1111111111"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := NormalizeCHI(in)
		checkReason(t, in, err)
		if err != nil {
			if out != "" {
				t.Fatal("value with error")
			}
			return
		}
		if len(out) != 10 {
			t.Fatalf("%q → %q", in, out)
		}
		again, err := NormalizeCHI(out)
		if err != nil || again != out {
			t.Fatalf("not idempotent: %q → %q → %q, %v", in, out, again, err)
		}
		checkReason(t, in, CheckCHI(out, Date{2000, 1, 1}, SexMale))
	})
}
