package tokenize

import "testing"

func TestSoundex(t *testing.T) {
	// Standard American Soundex examples (US National Archives rules).
	for in, want := range map[string]string{
		"ROBERT": "R163", "RUPERT": "R163", "RUBIN": "R150", "ASHCRAFT": "A261",
		"ASHCROFT": "A261", "TYMCZAK": "T522", "PFISTER": "P236", "HONEYMAN": "H555",
		"LEE": "L000", "GUTIERREZ": "G362", "JACKSON": "J250", "WASHINGTON": "W252",
		"LLOYD": "L300", "SMITH JONES": "S532", "A": "A000", "MCDONALD": "M235",
		"MACDONALD": "M235", "ONEILL": "O540", "": "", "ИВАН": "", "SCHMIDT": "S530",
		"SCHMIT": "S530", "BURROUGHS": "B620", "BURROWS": "B620", "AAAA": "A000",
		"smith": "S530", "SMYTH": "S530", "WILLIAMS": "W452", "VANDEUSEN": "V532",
	} {
		if got := Soundex(in); got != want {
			t.Errorf("Soundex(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSoundexAllocations(t *testing.T) {
	if normRaceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	if n := testing.AllocsPerRun(100, func() { Soundex("ASHCRAFT") }); n != 0 {
		t.Errorf("Soundex allocates %v times, want 0", n)
	}
}

func FuzzSoundex(f *testing.F) {
	f.Add("ASHCRAFT")
	f.Add("hhhwwwaaa")
	f.Fuzz(func(t *testing.T, in string) {
		s := Soundex(in)
		if s == "" {
			return
		}
		if len(s) != 4 || s[0] < 'A' || s[0] > 'Z' {
			t.Fatalf("Soundex(%q) = %q", in, s)
		}
		for _, c := range s[1:] {
			if c < '0' || c > '6' {
				t.Fatalf("Soundex(%q) = %q", in, s)
			}
		}
		if Soundex(s) != Soundex(s[:1]) {
			// The code of a code is its letter alone: digits are ignored.
			t.Fatalf("Soundex(%q) = %q", s, Soundex(s))
		}
	})
}
