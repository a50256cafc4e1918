package synth

import (
	"testing"
	"time"
)

func TestValidCHI(t *testing.T) {
	for _, c := range []struct {
		chi  string
		want bool
	}{
		{"0101011237", true},  // mod-11 (spec example)
		{"0101201234", true},  // fails mod-11, passes mod-10 (spec example)
		{"0101011238", false}, // wrong check digit
		{"101011237", false},  // leading zero lost
		{"01010112x7", false},
		{"", false},
	} {
		if got := ValidCHI(c.chi); got != c.want {
			t.Errorf("ValidCHI(%q) = %v, want %v", c.chi, got, c.want)
		}
	}
}

// TestCHIAllocator gives many people of each sex one birthday, enough to
// exhaust the day's mod-11 numbers, and checks every number is unique,
// valid, and consistent with the date of birth and sex.
func TestCHIAllocator(t *testing.T) {
	a := newCHIAllocator()
	seen := map[string]bool{}
	dobs := []date{{2010, 3, 7}, {1975, 12, 31}, {2024, 2, 29}}
	luhn := 0
	for _, dob := range dobs {
		for _, sex := range []byte{sexMale, sexFemale} {
			for i := 0; i < 700; i++ {
				c := a.assign(dob, sex)
				if seen[c] {
					t.Fatalf("CHI assigned twice (%v, sex %d, person %d)", dob, sex, i)
				}
				seen[c] = true
				if !ValidCHI(c) {
					t.Fatalf("invalid CHI for person %d of %v", i, dob)
				}
				if want := dob.time().Format("020106"); c[:6] != want {
					t.Fatalf("CHI date part %s, want %s", c[:6], want)
				}
				if odd := (c[8]-'0')%2 == 1; odd != (sex == sexMale) {
					t.Fatalf("CHI sex digit %c for sex %d", c[8], sex)
				}
				var d [10]byte
				for j := range d {
					d[j] = c[j] - '0'
				}
				if chiMod11(&d) != int(d[9]) {
					luhn++
					if i < 400 {
						t.Fatalf("mod-10 CHI issued before the day's mod-11 numbers ran out (person %d)", i)
					}
				}
			}
		}
	}
	if luhn == 0 {
		t.Error("no mod-10 CHIs after the mod-11 numbers ran out")
	}
}

func TestDate(t *testing.T) {
	d := date{2012, 3, 5}
	for layout, want := range map[string]string{
		"DD/MM/YYYY": "05/03/2012", "YYYY-MM-DD": "2012-03-05", "YYYYMMDD": "20120305",
		"DD-MON-YYYY": "05-Mar-2012", "D/M/YYYY": "5/3/2012",
	} {
		if got := d.format(layout); got != want {
			t.Errorf("format %s = %q, want %q", layout, got, want)
		}
	}
	if (date{}).format("YYYYMMDD") != "" {
		t.Error("a missing date must format as empty")
	}
	if (date{2023, 2, 29}).valid() || !(date{2024, 2, 29}).valid() {
		t.Error("leap-day validity wrong")
	}
	asOf := date{2025, 3, 31}
	for _, c := range []struct {
		dob  date
		want int
	}{{date{2010, 3, 31}, 15}, {date{2010, 4, 1}, 14}, {date{2007, 3, 30}, 18}} {
		if got := c.dob.ageOn(asOf); got != c.want {
			t.Errorf("age of %v on %v = %d, want %d", c.dob, asOf, got, c.want)
		}
	}
	if _, err := ParseDate("31/03/2025"); err == nil {
		t.Error("ParseDate accepted DD/MM/YYYY")
	}
	if tm, err := ParseDate("2025-03-31"); err != nil || !tm.Equal(time.Date(2025, 3, 31, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("ParseDate(2025-03-31) = %v, %v", tm, err)
	}
}

func TestIDPermutation(t *testing.T) {
	for _, digits := range []int{1, 3, 4} {
		p := newIDPermutation(digits, 42)
		seen := map[uint64]bool{}
		inOrder := 0
		for n := uint64(0); n < p.limit; n++ {
			v := p.apply(n)
			if v >= p.limit || seen[v] {
				t.Fatalf("digits %d: %d maps to %d (repeat or out of range)", digits, n, v)
			}
			seen[v] = true
			if v == n {
				inOrder++
			}
		}
		if digits >= 3 && inOrder > int(p.limit)/50 {
			t.Errorf("digits %d: %d fixed points: the permutation barely permutes", digits, inOrder)
		}
	}
	if newIDPermutation(6, 1).apply(5) == newIDPermutation(6, 2).apply(5) && newIDPermutation(6, 1).apply(6) == newIDPermutation(6, 2).apply(6) {
		t.Error("the permutation ignores its key")
	}
}
