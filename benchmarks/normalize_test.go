package benchmarks

// Normaliser benchmarks: each pprl normaliser beside a naive baseline
// written the obvious way (regular expressions, strings.ToUpper, time.Parse,
// NFKD on every value), measured in the same run on the same mixed inputs.
// Report the ratio of the two ns/op figures.

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/pprl/pprl/tokenize"
)

// Inputs as extracts hold them: mostly clean ASCII, some mixed case, some
// punctuation and accents, a few placeholders.
var (
	benchNames = []string{
		"Smith", "JONES", "o'neill", "McDonald", "Mac Donald", "Smith-Jones", "Seònaid", "Ruairidh",
		"Mr John Smith", "WILLIAMS", "Brown", "Taylor", "MacLeod", "Unknown", "Mary Ann", "Campbell",
		"Stewart", "Robertson", "Thomson", "Anderson", "van der Berg", "Zoë", "Murray", "Scott Jr",
	}
	benchDates     = []string{"03/04/2001", "31/12/1999", "1/2/2010", "29/02/2000", "15/06/1985", "31/02/2001", "", "07/11/2013"}
	benchPostcodes = []string{"EH1 1YZ", "eh11yz", "G2 1DY", "KW15 1BX", "AB10 1XG", "g21dy", "NFA", "DD1 4HN", "IV2 3PZ", "ML3 0AA"}
	benchCHIs      = []string{"0101011237", "101011237", "0101201234", "010 101 1237", "2412901234", "0101011238"}
	benchNHS       = []string{"4505577104", "450 557 7104", "9434765919", "4010232137", "4505577105"}
	benchSex       = []string{"M", "F", "m", " f ", "Male", "U", "1", "2"}
	benchAddresses = []string{"12 High St", "Flat 2/1, 34 Dumbarton Rd", "3 Rose Cres", "St Andrews Sq", "NFA", "5 Rue Générale"}
)

var sink string

func BenchmarkNormalizeName(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		sink, _ = tokenize.NormalizeName(benchNames[i%len(benchNames)])
	}
}

// naiveTitles and friends are how a first version would do it.
var (
	naiveNonLetters = regexp.MustCompile(`[^A-Z' -]+`)
	naiveSpaces     = regexp.MustCompile(`[\s-]+`)
	naiveTitles     = regexp.MustCompile(`^(MR|MRS|MS|MISS|DR|PROF|SIR|REV)\.? +`)
	naiveSuffixes   = regexp.MustCompile(` +(JR|SR|II|III|IV)\.?$`)
	naiveMc         = regexp.MustCompile(`^(MC|MAC|O) +`)
	naivePlace      = regexp.MustCompile(`^(UNKNOWN|NOT KNOWN|NK|N/?A|NONE|TEST|BABY|XXX)$`)
)

func naiveNormalizeName(s string) string {
	t := norm.NFKD.String(s)
	t = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, t)
	t = strings.ToUpper(strings.TrimSpace(t))
	if naivePlace.MatchString(t) {
		return ""
	}
	t = naiveTitles.ReplaceAllString(t, "")
	t = naiveSuffixes.ReplaceAllString(t, "")
	t = naiveNonLetters.ReplaceAllString(t, "")
	t = strings.ReplaceAll(t, "'", "")
	t = naiveSpaces.ReplaceAllString(t, " ")
	t = naiveMc.ReplaceAllString(t, "$1")
	return t
}

func BenchmarkNormalizeNameNaive(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		sink = naiveNormalizeName(benchNames[i%len(benchNames)])
	}
}

// benchCanonicalNames are canonical names, the input Soundex takes.
var benchCanonicalNames = []string{"SMITH", "ONEILL", "MCDONALD", "SMITH JONES", "SEONAID", "ASHCRAFT", "TYMCZAK", "PFISTER", "ROBERTSON", "CAMPBELL"}

func BenchmarkSoundex(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		sink = tokenize.Soundex(benchCanonicalNames[i%len(benchCanonicalNames)])
	}
}

var (
	naiveSoundexCodes = map[rune]string{'B': "1", 'F': "1", 'P': "1", 'V': "1", 'C': "2", 'G': "2", 'J': "2", 'K': "2",
		'Q': "2", 'S': "2", 'X': "2", 'Z': "2", 'D': "3", 'T': "3", 'L': "4", 'M': "5", 'N': "5", 'R': "6"}
	naiveNotAZ = regexp.MustCompile(`[^A-Z]`)
)

func naiveSoundex(s string) string {
	codes := naiveSoundexCodes
	s = naiveNotAZ.ReplaceAllString(s, "")
	if s == "" {
		return ""
	}
	out := s[:1]
	last := codes[rune(s[0])]
	for _, r := range s[1:] {
		c := codes[r]
		if r == 'H' || r == 'W' {
			continue
		}
		if c != "" && c != last {
			out += c
		}
		last = c
	}
	return (out + "000")[:4]
}

func BenchmarkSoundexNaive(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		sink = naiveSoundex(benchCanonicalNames[i%len(benchCanonicalNames)])
	}
}

func BenchmarkParseDate(b *testing.B) {
	p, err := tokenize.NewDateParser([]string{"DD/MM/YYYY", "D/M/YYYY"}, tokenize.DateOptions{Reference: mustISO(b, "2026-11-24")})
	if err != nil {
		b.Fatal(err)
	}
	var d tokenize.Date
	for i := 0; b.Loop(); i++ {
		d, _ = p.Parse(benchDates[i%len(benchDates)])
	}
	sink = d.String()
}

func mustISO(b *testing.B, s string) tokenize.Date {
	d, err := tokenize.ParseISODate(s)
	if err != nil {
		b.Fatal(err)
	}
	return d
}

func BenchmarkParseDateNaive(b *testing.B) {
	layouts := []string{"02/01/2006", "2/1/2006"}
	ref := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	min := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; b.Loop(); i++ {
		s := strings.TrimSpace(benchDates[i%len(benchDates)])
		for _, l := range layouts {
			t, err := time.Parse(l, s)
			if err == nil && !t.After(ref) && !t.Before(min) {
				sink = t.Format("2006-01-02")
				break
			}
		}
	}
}

func BenchmarkNormalizeSex(b *testing.B) {
	c, err := tokenize.NewSexCodes(tokenize.DefaultSexCodes)
	if err != nil {
		b.Fatal(err)
	}
	var s tokenize.Sex
	for i := 0; b.Loop(); i++ {
		s, _ = c.Normalize(benchSex[i%len(benchSex)])
	}
	sink = s.String()
}

func BenchmarkNormalizeSexNaive(b *testing.B) {
	codes := map[string]string{}
	for k, v := range tokenize.DefaultSexCodes {
		codes[strings.ToUpper(k)] = v
	}
	for i := 0; b.Loop(); i++ {
		sink = codes[strings.ToUpper(strings.TrimSpace(benchSex[i%len(benchSex)]))]
	}
}

func BenchmarkNormalizePostcode(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		sink, _ = tokenize.NormalizePostcode(benchPostcodes[i%len(benchPostcodes)])
	}
}

var naivePostcode = regexp.MustCompile(`^([A-PR-UWYZ][A-HK-Y]?[0-9][0-9A-HJKPSTUW]?|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])([0-9][ABD-HJLNP-UW-Z]{2})$`)
var naivePostcodeStrip = regexp.MustCompile(`[^A-Z0-9]`)

func BenchmarkNormalizePostcodeNaive(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		s := naivePostcodeStrip.ReplaceAllString(strings.ToUpper(benchPostcodes[i%len(benchPostcodes)]), "")
		if m := naivePostcode.FindStringSubmatch(s); m != nil {
			sink = m[1] + " " + m[2]
		}
	}
}

func BenchmarkNormalizeCHI(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		sink, _ = tokenize.NormalizeCHI(benchCHIs[i%len(benchCHIs)])
	}
}

var naiveNonDigits = regexp.MustCompile(`[\s./-]`)
var naiveTenDigits = regexp.MustCompile(`^[0-9]{9,10}$`)

func naiveMod11(s string) bool {
	sum := 0
	for i := 0; i < 9; i++ {
		d, _ := strconv.Atoi(s[i : i+1])
		sum += d * (10 - i)
	}
	c := 11 - sum%11
	if c == 11 {
		c = 0
	}
	last, _ := strconv.Atoi(s[9:])
	return c != 10 && c == last
}

func BenchmarkNormalizeCHINaive(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		s := naiveNonDigits.ReplaceAllString(benchCHIs[i%len(benchCHIs)], "")
		if !naiveTenDigits.MatchString(s) {
			continue
		}
		if len(s) == 9 {
			s = "0" + s
		}
		if naiveMod11(s) {
			sink = s
		}
	}
}

func BenchmarkNormalizeNHS(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		sink, _ = tokenize.NormalizeNHS(benchNHS[i%len(benchNHS)])
	}
}

func BenchmarkNormalizeNHSNaive(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		s := naiveNonDigits.ReplaceAllString(benchNHS[i%len(benchNHS)], "")
		if len(s) == 10 && naiveTenDigits.MatchString(s) && naiveMod11(s) && !strings.HasPrefix(s, "9") {
			sink = s
		}
	}
}

func BenchmarkNormalizeAddress(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		sink, _ = tokenize.NormalizeAddress(benchAddresses[i%len(benchAddresses)])
	}
}

var naiveAddrPunct = regexp.MustCompile(`[^A-Z0-9 ]+`)
var naiveAddrSpace = regexp.MustCompile(`\s+`)
var naiveAddrAbbrev = map[string]string{"ST": "STREET", "RD": "ROAD", "AVE": "AVENUE", "CRES": "CRESCENT", "SQ": "SQUARE"}

func BenchmarkNormalizeAddressNaive(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		s := norm.NFKD.String(benchAddresses[i%len(benchAddresses)])
		s = naiveAddrPunct.ReplaceAllString(strings.ToUpper(s), " ")
		words := strings.Fields(naiveAddrSpace.ReplaceAllString(s, " "))
		for j, w := range words {
			if x, ok := naiveAddrAbbrev[w]; ok {
				words[j] = x
			}
		}
		sink = strings.Join(words, " ")
	}
}
