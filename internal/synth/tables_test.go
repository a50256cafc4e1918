package synth

import (
	"strings"
	"testing"
)

func TestTablesLoad(t *testing.T) {
	tb, err := loadTables()
	if err != nil {
		t.Fatal(err)
	}
	for s, sex := range []string{"male", "female"} {
		if len(tb.forenames[s]) < 3 {
			t.Fatalf("%s: %d birth eras, want at least 3", sex, len(tb.forenames[s]))
		}
		for e, w := range tb.forenames[s] {
			if len(w.values) < 300 {
				t.Errorf("%s forenames, era %s: %d names, want several hundred", sex, eras[e].file, len(w.values))
			}
		}
	}
	if n := len(tb.surnames.values); n < 400 {
		t.Errorf("%d surnames, want 400 or more", n)
	}
	has := func(vals []string, pred func(string) bool) bool {
		for _, v := range vals {
			if pred(v) {
				return true
			}
		}
		return false
	}
	sn := tb.surnames.values
	for _, c := range []struct {
		what string
		pred func(string) bool
	}{
		{"Mc", func(s string) bool { return strings.HasPrefix(s, "Mc") }},
		{"Mac", func(s string) bool { return strings.HasPrefix(s, "Mac") }},
		{"O'", func(s string) bool { return strings.HasPrefix(s, "O'") }},
		{"hyphenated", func(s string) bool { return strings.Contains(s, "-") }},
		{"two words", func(s string) bool { return strings.Contains(s, " ") }},
		{"accented", hasAccent},
	} {
		if !has(sn, c.pred) {
			t.Errorf("no %s surname", c.what)
		}
	}
	kids := tb.forenames[sexFemale][2].values
	for _, n := range []string{"Seònaid", "Eilidh", "Niamh"} {
		if !has(kids, func(s string) bool { return s == n }) {
			t.Errorf("girls' forenames lack %s", n)
		}
	}
	for name, want := range map[string]string{"Alexander": "Sandy", "Elizabeth": "Betty", "Margaret": "Peggy", "William": "Liam"} {
		if !strings.Contains(strings.Join(tb.nicknames[name], "|"), want) {
			t.Errorf("nicknames of %s lack %s", name, want)
		}
	}
	if len(tb.districts) < 150 {
		t.Errorf("%d postcode districts", len(tb.districts))
	}
	for _, area := range []string{"EH", "G", "AB", "DD", "KY", "FK", "PA", "KA", "ML", "IV", "PH", "DG", "TD", "KW", "HS", "ZE"} {
		if len(tb.byArea[area]) == 0 {
			t.Errorf("no districts in postcode area %s", area)
		}
	}
}

func TestEraIndex(t *testing.T) {
	for _, c := range []struct{ year, want int }{{1965, 0}, {1984, 0}, {1985, 1}, {2004, 1}, {2005, 2}, {2024, 2}} {
		if got := eraIndex(c.year); got != c.want {
			t.Errorf("eraIndex(%d) = %d, want %d", c.year, got, c.want)
		}
	}
}
