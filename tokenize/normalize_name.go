package tokenize

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Name normalisation.
//
// NormalizeName turns a person's name as an extract records it into a
// canonical form: upper-case words separated by single spaces, e.g.
//
//	" Mr Seán  O'Neill-McDonald Jr. " → "SEAN ONEILL MCDONALD"
//
// The steps, in order:
//
//  1. Unicode NFKD, combining marks removed (Seònaid → SEONAID), then upper
//     case. Letters NFKD leaves alone are spelt out: ß → SS, Æ → AE, Ø → O,
//     Œ → OE, Ð/Đ → D, Þ → TH, Ł → L, ı → I. Letters of other scripts are
//     kept, upper-cased.
//  2. Digits are dropped. Text in brackets is dropped ("Jo (Joanne)" → JO).
//     Apostrophes join ("O'Neill" → ONEILL, "D'Arcy" → DARCY), except that
//     "M'" is the old abbreviation of Mc ("M'Donald" → MCDONALD). Every other
//     character (space, hyphen, full stop, comma, slash, ...) separates words.
//  3. Everything from a word NEE, AKA, FKA, FORMERLY or ALIAS on is dropped
//     ("Smith née Jones" → SMITH).
//  4. While more than one word remains: trailing generational and honours
//     suffixes (JR, JNR, SR, SNR, II, III, IV, ESQ, OBE, ...) and trailing
//     single-letter initials after a longer word ("John A." → JOHN) are
//     dropped, then leading titles (MR, MRS, MS, MISS, DR, PROF, SIR, REV,
//     ...) are dropped.
//  5. The prefixes MC, MAC, M (from M'), O, NI, NIC and the particles DE, DA, DI, DU,
//     DEL, DELLA, DER, DEN, DES, LA, LE, VAN, VON, ST, STE are joined to the
//     next word: "Mc Donald", "McDonald" and "M'Donald" all become MCDONALD;
//     "Van der Berg" and "Vanderberg" both become VANDERBERG.
//
// Mac is not folded into Mc: MacDonald and McDonald are different spellings,
// and a family keeps its spelling, so the canonical form keeps them apart
// (MACDONALD, MCDONALD). FoldMac gives the coarser variant where a rule or
// blocking key wants both to agree.
//
// Hyphenated and double-barrelled surnames keep their words ("Smith-Jones" →
// "SMITH JONES"); JoinedName ("SMITHJONES"), FirstNamePart ("SMITH") and
// LastNamePart ("JONES") give the forms a rule may need. Deterministic token
// rules should use JoinedName, which also agrees for "SmithJones"; a CLK may
// use either.
//
// The result is rejected as ReasonPlaceholder when it is a stand-in rather
// than a name: UNKNOWN, NOT KNOWN, NK, N/K, N/A, NONE, TEST, BABY (also "Baby
// of ..."), TWIN, PATIENT, MISSING, XXX (any one letter repeated), a title
// alone, or punctuation and digits without letters. Blank input is
// ReasonMissing; invalid UTF-8 is ReasonInvalidEncoding; input longer than
// MaxNameInputBytes, or a result longer than MaxNameBytes or with more than
// maxNameWords words, is ReasonTooLong.
//
// NormalizeName is idempotent: normalising its result returns the result.

// MaxNameInputBytes is the longest name input NormalizeName reads; longer
// input is rejected as ReasonTooLong before any work is done.
const MaxNameInputBytes = 1024

// MaxNameBytes is the longest canonical name NormalizeName returns.
const MaxNameBytes = 200

// maxNameWords bounds the words of one name (after bracketed text is
// dropped). Real names have a handful.
const maxNameWords = 24

// NormalizeName returns the canonical form of a person's name (forename,
// middle names or surname), or a Reason. See the package documentation of
// name normalisation above for the rules.
func NormalizeName(s string) (string, error) {
	if len(s) > MaxNameInputBytes {
		return "", ReasonTooLong
	}
	var stack [256]byte
	buf, sawContent, r := nameClean(stack[:0], s)
	if r != "" {
		return "", r
	}
	return nameFinish(buf, s, sawContent)
}

// nameClean performs steps 1 and 2: it writes the upper-case words of s
// separated by single spaces into dst, with an apostrophe kept inside a word
// only between two letters. sawContent reports whether s held anything but
// white space.
func nameClean(dst []byte, s string) (out []byte, sawContent bool, r Reason) {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return nameCleanASCII(dst, s)
	}
	if !utf8.ValidString(s) {
		return nil, false, ReasonInvalidEncoding
	}
	dst, sawContent = nameCleanUnicode(dst, norm.NFKD.String(s))
	// Upper-casing a decomposed letter can, rarely, give a letter that
	// decomposes again (or a mark); a second pass keeps the result stable,
	// which idempotence needs.
	if !isASCIIBytes(dst) {
		again := norm.NFKD.String(string(dst))
		dst, _ = nameCleanUnicode(dst[:0], again)
	}
	return dst, sawContent, ""
}

// nameCleanASCII is the fast path of nameClean for ASCII input: one pass, no
// allocation while dst has room.
func nameCleanASCII(dst []byte, s string) ([]byte, bool, Reason) {
	sawContent := false
	depth := 0    // bracket nesting: text inside is dropped
	apos := false // an apostrophe follows the last letter written
	sep := false  // a separator follows the last letter written
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '(' || c == '[' || c == '{':
			depth++
			sawContent = true
			sep, apos = true, false
			continue
		case c == ')' || c == ']' || c == '}':
			if depth > 0 {
				depth--
			}
			sawContent = true
			sep, apos = true, false
			continue
		}
		if depth > 0 {
			continue
		}
		switch {
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
			fallthrough
		case 'A' <= c && c <= 'Z':
			sawContent = true
			if len(dst) > 0 {
				if sep {
					dst = append(dst, ' ')
				} else if apos {
					dst = append(dst, '\'')
				}
			}
			sep, apos = false, false
			dst = append(dst, c)
		case '0' <= c && c <= '9':
			sawContent = true // dropped, not a separator
		case c == '\'' || c == '`':
			sawContent = true
			if len(dst) > 0 && !sep {
				apos = true
			}
		case c == ' ' || c == '\t':
			if len(dst) > 0 {
				sep = true
			}
			apos = false
		default:
			if c > ' ' && c != 0x7f {
				sawContent = true
			}
			if len(dst) > 0 {
				sep = true
			}
			apos = false
		}
	}
	return dst, sawContent, ""
}

// nameCleanUnicode is nameClean for decomposed (NFKD) text.
func nameCleanUnicode(dst []byte, t string) ([]byte, bool) {
	sawContent := false
	depth := 0
	apos, sep := false, false
	for _, c := range t {
		switch c {
		case '(', '[', '{':
			depth++
			sawContent, sep, apos = true, true, false
			continue
		case ')', ']', '}':
			if depth > 0 {
				depth--
			}
			sawContent, sep, apos = true, true, false
			continue
		}
		if depth > 0 {
			continue
		}
		if unicode.Is(unicode.Mark, c) {
			sawContent = true
			continue
		}
		if sp, ok := nameSpelt[c]; ok {
			sawContent = true
			dst = nameAppendLetters(dst, sep, apos, sp)
			sep, apos = false, false
			continue
		}
		switch {
		case c < utf8.RuneSelf && ('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'):
			sawContent = true
			if c >= 'a' {
				c -= 'a' - 'A'
			}
			dst = nameAppendLetters(dst, sep, apos, "")
			dst = append(dst, byte(c))
			sep, apos = false, false
		case unicode.IsLetter(c):
			sawContent = true
			u := unicode.ToUpper(c)
			if sp, ok := nameSpelt[u]; ok {
				dst = nameAppendLetters(dst, sep, apos, sp)
			} else {
				dst = nameAppendLetters(dst, sep, apos, "")
				dst = utf8.AppendRune(dst, u)
			}
			sep, apos = false, false
		case unicode.IsDigit(c) || unicode.IsNumber(c):
			sawContent = true
		case nameApostrophe(c):
			sawContent = true
			if len(dst) > 0 && !sep {
				apos = true
			}
		case unicode.IsSpace(c) || unicode.IsControl(c):
			if len(dst) > 0 {
				sep = true
			}
			apos = false
		default:
			sawContent = true
			if len(dst) > 0 {
				sep = true
			}
			apos = false
		}
	}
	return dst, sawContent
}

// nameAppendLetters appends the separator that sep or apos calls for (none
// at the start of dst) and then l.
func nameAppendLetters(dst []byte, sep, apos bool, l string) []byte {
	if len(dst) > 0 {
		if sep {
			dst = append(dst, ' ')
		} else if apos {
			dst = append(dst, '\'')
		}
	}
	return append(dst, l...)
}

// nameSpelt spells out letters that NFKD does not decompose.
var nameSpelt = map[rune]string{
	'ß': "SS", 'ẞ': "SS", 'Æ': "AE", 'æ': "AE", 'Ø': "O", 'ø': "O",
	'Œ': "OE", 'œ': "OE", 'Ð': "D", 'ð': "D", 'Đ': "D", 'đ': "D",
	'Þ': "TH", 'þ': "TH", 'Ł': "L", 'ł': "L", 'ı': "I", 'Ħ': "H", 'ħ': "H",
	'ſ': "S",
}

// nameApostrophe reports whether c is one of the characters extracts use as
// an apostrophe.
func nameApostrophe(c rune) bool {
	switch c {
	case '\'', '`', '\u2018', '\u2019', '\u02bc', '\u02bb', '\u02b9', '\u2032', '\uff07':
		return true
	}
	return false
}

func isASCIIBytes(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// nameWord is one word of a name being normalised: a slice of the cleaned
// buffer.
type nameWord = []byte

// nameFinish performs steps 3 to 5 on the cleaned words in buf and checks
// for placeholders. orig is the caller's input: when the canonical form
// equals it, orig is returned and nothing is allocated.
func nameFinish(buf []byte, orig string, sawContent bool) (string, error) {
	if len(buf) == 0 {
		if sawContent {
			return "", ReasonPlaceholder
		}
		return "", ReasonMissing
	}
	// The word lists are fixed arrays filled by index, not append, so that
	// they and buf stay on the caller's stack.
	var wordsArr [maxNameWords]nameWord
	nw := 0
	start := 0
	for i := 0; i <= len(buf); i++ {
		if i == len(buf) || buf[i] == ' ' {
			if nw == maxNameWords {
				return "", ReasonTooLong
			}
			wordsArr[nw] = buf[start:i]
			nw++
			start = i + 1
		}
	}
	words := wordsArr[:nw]
	// Apostrophes: M'X → MCX (same length, in place); otherwise removed.
	// Then prefixes and particles are joined to the next word (step 5 of
	// the rules, done first so that the later steps see the words a second
	// normalisation would see: this keeps NormalizeName idempotent).
	// Invariant: the compacted words are written back into buf at n, and n
	// never passes the read position, because compaction only removes bytes.
	n := 0
	joinNext := false
	var wordsOut [maxNameWords]nameWord
	nj := 0
	for _, w := range words {
		if len(w) >= 2 && w[1] == '\'' && w[0] == 'M' {
			w[1] = 'C'
		}
		if nj > 0 && !joinNext {
			buf[n] = ' '
			n++
		}
		start := n
		for _, c := range w {
			if c != '\'' {
				buf[n] = c
				n++
			}
		}
		if joinNext {
			last := wordsOut[nj-1]
			wordsOut[nj-1] = last[:len(last)+n-start]
		} else {
			wordsOut[nj] = buf[start:n]
			nj++
		}
		// Join on when this word is a prefix, or when what has been joined
		// so far spells one (DE + R = DER): no output word but the last is
		// then a prefix, so a second normalisation joins nothing more.
		_, joinNext = nameJoinPrefixes[string(buf[start:n])]
		if !joinNext {
			_, joinNext = nameJoinPrefixes[string(wordsOut[nj-1])]
		}
	}
	words = wordsOut[:nj]
	// Step 3: aliases and maiden names.
	for i := 1; i < len(words); i++ {
		if _, ok := nameAliasWords[string(words[i])]; ok {
			words = words[:i]
			break
		}
	}
	// Step 4: suffixes and trailing initials, then titles.
	for len(words) > 1 {
		last := words[len(words)-1]
		if _, ok := nameSuffixes[string(last)]; ok {
			words = words[:len(words)-1]
			continue
		}
		if utf8.RuneCount(last) == 1 && nameHasLongWord(words[:len(words)-1]) {
			words = words[:len(words)-1]
			continue
		}
		break
	}
	for len(words) > 1 {
		if _, ok := nameTitles[string(words[0])]; ok {
			words = words[1:]
			continue
		}
		break
	}
	// Placeholders: a leading stand-in word, the joined form, or every word.
	if len(words) > 1 {
		if _, ok := nameLeadingPlaceholders[string(words[0])]; ok {
			return "", ReasonPlaceholder
		}
	}
	var joinedArr [MaxNameBytes]byte
	joined := joinedArr[:0]
	allPlaceholder := true
	for _, w := range words {
		if len(joined)+len(w) > MaxNameBytes {
			return "", ReasonTooLong
		}
		joined = append(joined, w...)
		if !namePlaceholderWord(w) {
			allPlaceholder = false
		}
	}
	if allPlaceholder || namePlaceholderWord(joined) {
		return "", ReasonPlaceholder
	}
	if len(words) == 1 {
		if _, ok := nameTitles[string(words[0])]; ok {
			return "", ReasonPlaceholder
		}
	}
	// The canonical form: the words separated by single spaces.
	var outArr [MaxNameBytes + maxNameWords]byte
	out := outArr[:0]
	for i, w := range words {
		if i > 0 {
			out = append(out, ' ')
		}
		out = append(out, w...)
	}
	if string(out) == orig {
		return orig, nil
	}
	return string(out), nil
}

// nameHasLongWord reports whether some word has more than one letter.
func nameHasLongWord(words []nameWord) bool {
	for _, w := range words {
		if utf8.RuneCount(w) > 1 {
			return true
		}
	}
	return false
}

// namePlaceholderWord reports whether w (upper case, no spaces) is a
// stand-in for a name.
func namePlaceholderWord(w []byte) bool {
	if _, ok := namePlaceholders[string(w)]; ok {
		return true
	}
	// One letter repeated: XX, XXX, ZZZZ.
	if len(w) >= 2 && w[0] < utf8.RuneSelf {
		for _, c := range w[1:] {
			if c != w[0] {
				return false
			}
		}
		return true
	}
	return false
}

func wordSet(words ...string) map[string]struct{} {
	m := make(map[string]struct{}, len(words))
	for _, w := range words {
		m[w] = struct{}{}
	}
	return m
}

// nameTitles are dropped from the front of a name.
var nameTitles = wordSet(
	"MR", "MRS", "MS", "MISS", "MX", "MSTR", "MASTER", "DR", "DOCTOR", "PROF",
	"PROFESSOR", "SIR", "DAME", "LORD", "LADY", "REV", "REVD", "REVEREND",
	"FR", "FATHER", "SISTER", "BR", "BROTHER", "CAPT", "CAPTAIN", "COL",
	"MAJ", "MAJOR", "LT", "SGT", "CPL", "CLLR", "COUNCILLOR", "HON", "RT",
	"RABBI", "IMAM", "PASTOR",
)

// nameSuffixes are dropped from the end of a name. ND, RD, TH and ST are what
// is left of an ordinal suffix once its digits are dropped ("2nd").
var nameSuffixes = wordSet(
	"JR", "JNR", "JUN", "JUNR", "JUNIOR", "SR", "SNR", "SEN", "SENR", "SENIOR",
	"II", "III", "IV", "VI", "VII", "VIII", "IX", "ND", "RD", "TH", "ST",
	"ESQ", "ESQUIRE", "PHD", "MBE", "OBE", "CBE", "KBE", "DBE", "QC", "KC",
	"MP", "MSP", "JP", "DECD", "DECEASED",
)

// nameAliasWords start an alias or a former name, which is dropped.
var nameAliasWords = wordSet("NEE", "AKA", "FKA", "FORMERLY", "ALIAS", "OTHERWISE")

// nameJoinPrefixes are joined to the following word.
var nameJoinPrefixes = wordSet(
	"MC", "MAC", "O", "NI", "NIC", "DE", "DA", "DI", "DU", "DEL", "DELLA", "DER", "DEN",
	"DES", "LA", "LE", "VAN", "VON", "ST", "STE",
)

// nameLeadingPlaceholders make a name a placeholder when they lead it: "Baby
// of Smith", "Twin 2", "Test Patient".
var nameLeadingPlaceholders = wordSet(
	"BABY", "TWIN", "TRIPLET", "UNNAMED", "INFANT", "NEWBORN", "STILLBORN",
	"UNBORN", "TEST", "DUMMY", "UNKNOWN",
)

// namePlaceholders are whole names (joined, no spaces) that stand in for a
// missing name.
var namePlaceholders = wordSet(
	"UNKNOWN", "UNK", "UNKN", "UNKNWN", "UNKOWN", "UNNOWN", "NOTKNOWN", "NK",
	"NKN", "NA", "NOTAPPLICABLE", "NOTAVAILABLE", "NONE", "NIL", "NULL",
	"TEST", "TESTING", "TESTPATIENT", "TESTCHILD", "DUMMY", "PATIENT",
	"MISSING", "BABY", "BABYBOY", "BABYGIRL", "INFANT", "NEWBORN", "TWIN",
	"UNNAMED", "NONAME", "NOFORENAME", "NOSURNAME", "NOTSTATED", "NOTGIVEN",
	"NOTRECORDED", "NOTPROVIDED", "WITHHELD", "REDACTED", "ANON", "ANONYMOUS",
	"TBC", "TBA", "TBD", "BLANK", "EMPTY", "DONOTUSE", "INVALID", "REFUSED",
	"NFN", "NSN", "FNU", "LNU", "NOTSPECIFIED", "UNSPECIFIED",
)

// JoinedName returns a canonical name (from NormalizeName) without its
// spaces: "SMITH JONES" → "SMITHJONES". Deterministic token rules should use
// it, so that "Smith-Jones", "Smith Jones" and "SmithJones" agree.
func JoinedName(name string) string {
	if strings.IndexByte(name, ' ') < 0 {
		return name
	}
	return strings.ReplaceAll(name, " ", "")
}

// FirstNamePart returns the first word of a canonical name: "SMITH JONES" →
// "SMITH", "MARY ANN" → "MARY". It allocates nothing.
func FirstNamePart(name string) string {
	if i := strings.IndexByte(name, ' '); i >= 0 {
		return name[:i]
	}
	return name
}

// LastNamePart returns the last word of a canonical name: "SMITH JONES" →
// "JONES". It allocates nothing.
func LastNamePart(name string) string {
	if i := strings.LastIndexByte(name, ' '); i >= 0 {
		return name[i+1:]
	}
	return name
}

// NameParts returns the words of a canonical name: the parts of a
// double-barrelled surname, or a forename and its middle names.
func NameParts(name string) []string {
	if name == "" {
		return nil
	}
	return strings.Split(name, " ")
}

// FirstInitial returns the first letter of a canonical name ("ALEXANDER" →
// "A"), or "" for an empty name. It allocates nothing.
func FirstInitial(name string) string {
	if name == "" {
		return ""
	}
	_, n := utf8.DecodeRuneInString(name)
	return name[:n]
}

// FoldMac returns a coarser variant of a canonical name in which every word
// starting MAC followed by at least two more letters is spelt MC: MACDONALD →
// MCDONALD, "SMITH MACKAY" → "SMITH MCKAY". Both spellings then agree. It
// also folds names that merely start with MAC (MACHIN → MCHIN); that costs
// nothing when both sides are folded, but the result is a matching variant,
// not a spelling to show anyone.
func FoldMac(name string) string {
	if !strings.Contains(name, "MAC") {
		return name
	}
	var b strings.Builder
	b.Grow(len(name))
	for i, w := range strings.Split(name, " ") {
		if i > 0 {
			b.WriteByte(' ')
		}
		if len(w) >= 5 && strings.HasPrefix(w, "MAC") {
			b.WriteString("MC")
			b.WriteString(w[3:])
			continue
		}
		b.WriteString(w)
	}
	return b.String()
}

// NameVariants returns the distinct matching variants of a canonical name,
// most specific first: the name itself, its joined form, the joined form
// with MAC folded to MC, and, for a name of several words, its first and
// last parts. "SMITH MACKAY" gives SMITH MACKAY, SMITHMACKAY, SMITHMCKAY,
// SMITH, MACKAY. A blocking key or a tiered rule can try them in order.
func NameVariants(name string) []string {
	if name == "" {
		return nil
	}
	out := make([]string, 0, 5)
	add := func(v string) {
		for _, x := range out {
			if x == v {
				return
			}
		}
		out = append(out, v)
	}
	add(name)
	add(JoinedName(name))
	add(JoinedName(FoldMac(name)))
	if strings.IndexByte(name, ' ') >= 0 {
		add(FirstNamePart(name))
		add(LastNamePart(name))
	}
	return out
}
