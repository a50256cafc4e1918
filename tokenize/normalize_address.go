package tokenize

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxAddressBytes is the longest address input NormalizeAddress reads.
const MaxAddressBytes = 512

// NormalizeAddress lightly normalises an address line: Unicode NFKD with
// marks removed, upper case, every character other than a letter or digit a
// separator (so "Flat 2/1" → "FLAT 2 1"), "&" spelt AND, single spaces, and
// common abbreviations spelt out word by word: RD → ROAD, AVE → AVENUE, DR →
// DRIVE, LN → LANE, CRES → CRESCENT, CT → COURT, PL → PLACE, SQ → SQUARE,
// TER/TERR → TERRACE, GDNS → GARDENS, GRN → GREEN, GRO/GR → GROVE, PK →
// PARK, CL → CLOSE, PDE → PARADE, WY → WAY, BLDG → BUILDING, HSE → HOUSE, FLT
// → FLAT, APT → APARTMENT, N/S/E/W are left alone. ST is STREET after a word
// ("High St") and SAINT elsewhere ("12 St Johns Rd", "St Andrews").
//
// Reasons: ReasonMissing (blank), ReasonPlaceholder (NFA, NO FIXED ABODE,
// UNKNOWN, NOT KNOWN, N/K, NONE, punctuation only), ReasonTooLong,
// ReasonInvalidEncoding. The result is idempotent.
func NormalizeAddress(s string) (string, error) {
	if len(s) > MaxAddressBytes {
		return "", ReasonTooLong
	}
	t := s
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			if !utf8.ValidString(s) {
				return "", ReasonInvalidEncoding
			}
			t = norm.NFKD.String(s)
			break
		}
	}
	var stack [MaxAddressBytes]byte
	out := stack[:0]
	var word [64]byte // the current word, upper case
	wn := 0
	prevAlpha := false // the previous word written was letters only
	sawContent := false
	flush := func() {
		if wn == 0 {
			return
		}
		w := word[:wn]
		alpha := true
		for _, c := range w {
			if '0' <= c && c <= '9' {
				alpha = false
			}
		}
		rep := string(w)
		if x, ok := addressAbbrev[rep]; ok {
			rep = x
		} else if rep == "ST" {
			if prevAlpha {
				rep = "STREET"
			} else {
				rep = "SAINT"
			}
		}
		if len(out) > 0 {
			out = append(out, ' ')
		}
		out = append(out, rep...)
		prevAlpha = alpha
		wn = 0
	}
	for _, c := range t {
		switch {
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
			fallthrough
		case 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			sawContent = true
			if wn == len(word) {
				return "", ReasonTooLong
			}
			word[wn] = byte(c)
			wn++
		case c == '&':
			sawContent = true
			flush()
			word[0], word[1], word[2] = 'A', 'N', 'D'
			wn = 3
			flush()
		case c >= utf8.RuneSelf && unicode.Is(unicode.Mark, c):
			// dropped: accents
		case c >= utf8.RuneSelf && unicode.IsLetter(c):
			sawContent = true
			sp, ok := nameSpelt[c]
			if !ok {
				var b [utf8.UTFMax]byte
				sp = string(b[:utf8.EncodeRune(b[:], unicode.ToUpper(c))])
			}
			if wn+len(sp) > len(word) {
				return "", ReasonTooLong
			}
			wn += copy(word[wn:], sp)
		case c == '\'' || c == '\u2019':
			sawContent = true // joined: "St John's" → ST JOHNS
		default:
			if c > ' ' {
				sawContent = true
			}
			flush()
		}
	}
	flush()
	if len(out) == 0 {
		if sawContent {
			return "", ReasonPlaceholder
		}
		return "", ReasonMissing
	}
	if len(out) > MaxAddressBytes {
		return "", ReasonTooLong
	}
	switch string(out) {
	case "NFA", "NO FIXED ABODE", "NO FIXED ADDRESS", "UNKNOWN", "NOT KNOWN",
		"N K", "NK", "N A", "NA", "NONE", "NIL", "NULL", "MISSING", "TBC",
		"ADDRESS UNKNOWN", "NOT RECORDED", "WITHHELD", "REDACTED":
		return "", ReasonPlaceholder
	}
	if string(out) == s {
		return s, nil
	}
	return string(out), nil
}

// addressAbbrev spells out street-type abbreviations.
var addressAbbrev = map[string]string{
	"RD": "ROAD", "AVE": "AVENUE", "AV": "AVENUE", "DR": "DRIVE",
	"LN": "LANE", "CRES": "CRESCENT", "CRESC": "CRESCENT", "CT": "COURT",
	"PL": "PLACE", "SQ": "SQUARE", "TER": "TERRACE", "TERR": "TERRACE",
	"GDNS": "GARDENS", "GRN": "GREEN", "GRO": "GROVE", "GR": "GROVE",
	"PK": "PARK", "CL": "CLOSE", "PDE": "PARADE", "WY": "WAY",
	"BLDG": "BUILDING", "BLDGS": "BUILDINGS", "HSE": "HOUSE", "FLT": "FLAT",
	"APT": "APARTMENT", "STR": "STREET",
}
