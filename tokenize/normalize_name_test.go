package tokenize

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateNormalizeGolden = flag.Bool("update-normalize", false, "rewrite the golden files under testdata/normalize")

func TestNormalizeName(t *testing.T) {
	tests := []struct {
		in   string
		want string
		err  Reason
	}{
		{"Smith", "SMITH", ""},
		{"  smith  ", "SMITH", ""},
		{"SMITH", "SMITH", ""},
		{"Seònaid", "SEONAID", ""},
		{"Ruairidh", "RUAIRIDH", ""},
		{"Siobhán Ní Bhriain", "SIOBHAN NIBHRIAIN", ""},
		{"Zoë", "ZOE", ""},
		{"Müller", "MULLER", ""},
		{"Strauß", "STRAUSS", ""},
		{"Ødegård", "ODEGARD", ""},
		{"Łukasz", "LUKASZ", ""},
		{"ＳＭＩＴＨ", "SMITH", ""}, // full-width: NFKD
		{"O'Neill", "ONEILL", ""},
		{"O’Neill", "ONEILL", ""},
		{"O Neill", "ONEILL", ""},
		{"ONeill", "ONEILL", ""},
		{"D'Arcy", "DARCY", ""},
		{"McDonald", "MCDONALD", ""},
		{"Mc Donald", "MCDONALD", ""},
		{"M'Donald", "MCDONALD", ""},
		{"M’Donald", "MCDONALD", ""},
		{"MacDonald", "MACDONALD", ""},
		{"Mac Donald", "MACDONALD", ""},
		{"Smith-Jones", "SMITH JONES", ""},
		{"Smith - Jones", "SMITH JONES", ""},
		{"Smith–Jones", "SMITH JONES", ""}, // en dash
		{"Smith Jones", "SMITH JONES", ""},
		{"van der Berg", "VANDERBERG", ""},
		{"Van Der Berg", "VANDERBERG", ""},
		{"De Souza", "DESOUZA", ""},
		{"St. John", "STJOHN", ""},
		{"Mr John Smith", "JOHN SMITH", ""},
		{"Mrs. Smith", "SMITH", ""},
		{"Dr Prof Smith", "SMITH", ""},
		{"Rev. Dr. Mary Ann Smith", "MARY ANN SMITH", ""},
		{"John Smith Jr.", "JOHN SMITH", ""},
		{"John Smith III", "JOHN SMITH", ""},
		{"Smith Snr", "SMITH", ""},
		{"John Smith 2nd", "JOHN SMITH", ""},
		{"John A.", "JOHN", ""},
		{"John A B", "JOHN", ""},
		{"J", "J", ""},
		{"A J", "A J", ""},
		{"J.R.", "J R", ""},
		{"Jo (Joanne)", "JO", ""},
		{"Smith née Jones", "SMITH", ""},
		{"Smith nee Jones", "SMITH", ""},
		{"Smith aka Brown", "SMITH", ""},
		{"Mary-Jane", "MARY JANE", ""},
		{"Anne-Marie", "ANNE MARIE", ""},
		{"Sir", "", ReasonPlaceholder},
		{"Lord", "", ReasonPlaceholder},
		{"Mr", "", ReasonPlaceholder},
		{"Smith\tJones", "SMITH JONES", ""},
		{"", "", ReasonMissing},
		{"   ", "", ReasonMissing},
		{"\t\n", "", ReasonMissing},
		{"Unknown", "", ReasonPlaceholder},
		{"UNKNOWN", "", ReasonPlaceholder},
		{"Not Known", "", ReasonPlaceholder},
		{"NK", "", ReasonPlaceholder},
		{"N/K", "", ReasonPlaceholder},
		{"N/A", "", ReasonPlaceholder},
		{"n.a.", "", ReasonPlaceholder},
		{"None", "", ReasonPlaceholder},
		{"TEST", "", ReasonPlaceholder},
		{"Test Patient", "", ReasonPlaceholder},
		{"Test1", "", ReasonPlaceholder},
		{"Baby", "", ReasonPlaceholder},
		{"Baby of Smith", "", ReasonPlaceholder},
		{"Baby Boy", "", ReasonPlaceholder},
		{"Twin 2", "", ReasonPlaceholder},
		{"Missing", "", ReasonPlaceholder},
		{"Patient", "", ReasonPlaceholder},
		{"XXX", "", ReasonPlaceholder},
		{"zzzz", "", ReasonPlaceholder},
		{"Unknown Unknown", "", ReasonPlaceholder},
		{"Mr Unknown", "", ReasonPlaceholder},
		{"?", "", ReasonPlaceholder},
		{"-", "", ReasonPlaceholder},
		{"123", "", ReasonPlaceholder},
		{"\xff\xfe", "", ReasonInvalidEncoding},
		{strings.Repeat("a", MaxNameInputBytes+1), "", ReasonTooLong},
		{strings.Repeat("ab", 120), "", ReasonTooLong},
		{strings.Repeat("a ", 30) + "b", "", ReasonTooLong},
		{"Иван", "ИВАН", ""},
		{"Lee", "LEE", ""},
		{"Ng", "NG", ""},
	}
	for _, tt := range tests {
		got, err := NormalizeName(tt.in)
		if got != tt.want || !sameReason(err, tt.err) {
			t.Errorf("NormalizeName(%q) = %q, %v; want %q, %q", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func sameReason(err error, want Reason) bool {
	if want == "" {
		return err == nil
	}
	return err == want
}

func TestNamePartsAndVariants(t *testing.T) {
	for _, tt := range []struct{ in, joined, first, last, initial, mac string }{
		{"SMITH JONES", "SMITHJONES", "SMITH", "JONES", "S", "SMITH JONES"},
		{"MACDONALD", "MACDONALD", "MACDONALD", "MACDONALD", "M", "MCDONALD"},
		{"MARY MACKAY", "MARYMACKAY", "MARY", "MACKAY", "M", "MARY MCKAY"},
		{"MACE", "MACE", "MACE", "MACE", "M", "MACE"},
		{"ИВАН", "ИВАН", "ИВАН", "ИВАН", "И", "ИВАН"},
		{"", "", "", "", "", ""},
	} {
		if g := JoinedName(tt.in); g != tt.joined {
			t.Errorf("JoinedName(%q) = %q, want %q", tt.in, g, tt.joined)
		}
		if g := FirstNamePart(tt.in); g != tt.first {
			t.Errorf("FirstNamePart(%q) = %q, want %q", tt.in, g, tt.first)
		}
		if g := LastNamePart(tt.in); g != tt.last {
			t.Errorf("LastNamePart(%q) = %q, want %q", tt.in, g, tt.last)
		}
		if g := FirstInitial(tt.in); g != tt.initial {
			t.Errorf("FirstInitial(%q) = %q, want %q", tt.in, g, tt.initial)
		}
		if g := FoldMac(tt.in); g != tt.mac {
			t.Errorf("FoldMac(%q) = %q, want %q", tt.in, g, tt.mac)
		}
	}
	if g := NameParts("SMITH JONES"); len(g) != 2 || g[0] != "SMITH" || g[1] != "JONES" {
		t.Errorf("NameParts = %q", g)
	}
	if g := NameParts(""); g != nil {
		t.Errorf("NameParts(\"\") = %q, want nil", g)
	}
}

func TestNormalizeNameAllocations(t *testing.T) {
	if normRaceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	for _, in := range []string{"SMITH", "SMITH JONES"} {
		if n := testing.AllocsPerRun(100, func() { NormalizeName(in) }); n != 0 {
			t.Errorf("NormalizeName(%q) of a canonical name allocates %v times, want 0", in, n)
		}
	}
	if n := testing.AllocsPerRun(100, func() { NormalizeName("Mr o'neill-smith") }); n > 1 {
		t.Errorf("NormalizeName allocates %v times, want at most 1", n)
	}
}

func TestNameVariants(t *testing.T) {
	for in, want := range map[string]string{
		"SMITH MACKAY": "SMITH MACKAY|SMITHMACKAY|SMITHMCKAY|SMITH|MACKAY",
		"MACDONALD":    "MACDONALD|MCDONALD",
		"SMITH":        "SMITH",
		"":             "",
	} {
		if got := strings.Join(NameVariants(in), "|"); got != want {
			t.Errorf("NameVariants(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzCanonicalForename(f *testing.F) {
	f.Add("Sandy")
	f.Add("BILLY")
	f.Fuzz(func(t *testing.T, in string) {
		n, err := NormalizeName(in)
		if err != nil {
			return
		}
		c := CanonicalForename(FirstNamePart(n))
		if CanonicalForename(c) != c {
			t.Fatalf("not idempotent: %q → %q → %q", in, c, CanonicalForename(c))
		}
		if c == FirstNamePart(n) {
			return
		}
		if again, err := NormalizeName(c); err != nil || again != c {
			t.Fatalf("canonical forename %q is not a canonical name: %q, %v", c, again, err)
		}
	})
}

func TestCanonicalForename(t *testing.T) {
	for in, want := range map[string]string{
		"ALEX": "ALEXANDER", "SANDY": "ALEXANDER", "LIZ": "ELIZABETH", "BETH": "ELIZABETH",
		"BETTY": "ELIZABETH", "MAGGIE": "MARGARET", "PEGGY": "MARGARET", "BILL": "WILLIAM",
		"BILLY": "WILLIAM", "LIAM": "WILLIAM", "ALEXANDER": "ALEXANDER", "ISLA": "ISLA",
		"RAB": "ROBERT", "IAIN": "IAN", "": "",
	} {
		if got := CanonicalForename(in); got != want {
			t.Errorf("CanonicalForename(%q) = %q, want %q", in, got, want)
		}
	}
	// Idempotent, and every nickname is a canonical name.
	for short, full := range forenameNicknames {
		if CanonicalForename(full) != full {
			t.Errorf("CanonicalForename(%q) is not idempotent", full)
		}
		if n, err := NormalizeName(short); err != nil || n != short {
			t.Errorf("nickname %q is not in canonical form (%q, %v)", short, n, err)
		}
	}
}

// TestNormalizeNameGolden checks real-world name spellings against
// testdata/normalize/names.golden ("input<TAB>output-or-!reason" per line).
// Run with -update-normalize after an intended change and review the diff.
func TestNormalizeNameGolden(t *testing.T) {
	checkGolden(t, "names", func(in string) string {
		out, err := NormalizeName(in)
		if err != nil {
			return "!" + err.Error()
		}
		return out
	})
}

// checkGolden runs fn over the inputs of testdata/normalize/NAME.txt (one per
// line) and compares "input\toutput" lines with NAME.golden.
func checkGolden(t *testing.T, name string, fn func(string) string) {
	t.Helper()
	inPath := filepath.Join("testdata", "normalize", name+".txt")
	f, err := os.Open(inPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fmt.Fprintf(&got, "%s\t%s\n", line, fn(line))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	goldenPath := filepath.Join("testdata", "normalize", name+".golden")
	if *updateNormalizeGolden {
		if err := os.WriteFile(goldenPath, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatalf("%v (run go test -run Golden -update-normalize to create it)", err)
	}
	if got.String() != string(want) {
		gl, wl := strings.Split(got.String(), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if gl[i] != wl[i] {
				t.Fatalf("%s line %d:\n got  %q\n want %q", goldenPath, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("%s: %d lines, want %d", goldenPath, len(gl), len(wl))
	}
}

// checkReason fails t when err is not nil and not one of the known reasons:
// a normaliser's error must never carry (part of) the value.
func checkReason(t *testing.T, in string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	r, ok := err.(Reason)
	if !ok {
		t.Fatalf("error %T is not a Reason", err)
	}
	for _, k := range Reasons {
		if r == k {
			return
		}
	}
	t.Fatalf("unknown reason %q", r)
}

func FuzzNormalizeName(f *testing.F) {
	for _, s := range []string{"Smith", "Mr O'Neill-McDonald Jr.", "Seònaid", "M'Donald", "van der Berg",
		"N/K", "Baby of X", "Jo (Joanne", "ǅemal", "ß", "A J", "O A B", "ﷺ", "Smith née Jones", "\u0345x",
		"B r", "de r AA"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := NormalizeName(in)
		checkReason(t, in, err)
		if err != nil {
			if out != "" {
				t.Fatalf("value %q returned with error %v", out, err)
			}
			return
		}
		if out == "" {
			t.Fatal("empty value without error")
		}
		again, err := NormalizeName(out)
		if err != nil || again != out {
			t.Fatalf("not idempotent: %q → %q → %q, %v", in, out, again, err)
		}
		// The joined form is canonical too, unless joining made a stand-in
		// ("B R" → BR, a title alone).
		if j, err := NormalizeName(JoinedName(out)); err != ReasonPlaceholder && (err != nil || j != JoinedName(out)) {
			t.Fatalf("joined form %q of %q is not canonical: %q, %v", JoinedName(out), in, j, err)
		}
		s := Soundex(out)
		if s != "" && len(s) != 4 {
			t.Fatalf("Soundex(%q) = %q", out, s)
		}
	})
}
