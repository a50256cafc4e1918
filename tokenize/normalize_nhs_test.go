package tokenize

import "testing"

func TestNormalizeNHS(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		err      Reason
	}{
		{"4505577104", "4505577104", ""},      // England
		{"450 557 7104", "4505577104", ""},    // spaced, as printed
		{"450-557-7104", "4505577104", ""},    //
		{"4010232137", "4010232137", ""},      //
		{"0101011237", "0101011237", ""},      // a Scottish CHI is in the NHS scheme
		{"4505577105", "", ReasonCheckDigit},  //
		{"9434765919", "", ReasonTestRange},   // spec example: valid but test range
		{"9434765910", "", ReasonCheckDigit},  //
		{"5000000005", "", ReasonImplausible}, // unallocated range
		{"8000000008", "", ReasonImplausible},
		{"3113000009", "", ReasonImplausible},
		{"0000000000", "", ReasonPlaceholder},
		{"", "", ReasonMissing},
		{"450557710", "", ReasonInvalidFormat}, // nine digits: not restored for NHS numbers
		{"45055771044", "", ReasonInvalidFormat},
		{"NHS4505577104", "", ReasonInvalidFormat},
	} {
		got, err := NormalizeNHS(tt.in)
		if got != tt.want || !sameReason(err, tt.err) {
			t.Errorf("NormalizeNHS(%q) = %q, %v; want %q, %q", tt.in, got, err, tt.want, tt.err)
		}
	}
	if got, err := NormalizeNHSWith("9434765919", NHSOptions{AllowTestRange: true}); err != nil || got != "9434765919" {
		t.Errorf("AllowTestRange: %q, %v", got, err)
	}
	if got, err := NormalizeNHSWith("5000000005", NHSOptions{AllowUnallocated: true}); err != nil || got != "5000000005" {
		t.Errorf("AllowUnallocated: %q, %v", got, err)
	}
}

func FuzzNormalizeNHS(f *testing.F) {
	for _, s := range []string{"4505577104", "450 557 7104", "9434765919", "5000000005"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, opt := range []NHSOptions{{}, {AllowTestRange: true, AllowUnallocated: true}} {
			out, err := NormalizeNHSWith(in, opt)
			checkReason(t, in, err)
			if err != nil {
				if out != "" {
					t.Fatal("value with error")
				}
				continue
			}
			again, err := NormalizeNHSWith(out, opt)
			if err != nil || again != out || len(out) != 10 {
				t.Fatalf("not idempotent: %q → %q → %q, %v", in, out, again, err)
			}
		}
	})
}
