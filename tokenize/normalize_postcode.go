package tokenize

import "strings"

// maxPostcodeBytes bounds postcode input; a postcode with generous spacing
// and punctuation is still far shorter.
const maxPostcodeBytes = 32

// NormalizePostcode returns the canonical form of a UK postcode: upper case,
// the outward code, one space, the inward code ("eh11yz", "EH1  1YZ",
// "eh1-1yz" → "EH1 1YZ"). White space and ASCII punctuation anywhere are
// dropped first. The result must have a valid UK shape: an outward code A9,
// A99, AA9, AA99, A9A or AA9A (A a letter, 9 a digit) with the letters
// allowed in each position (no Q, V, X first; no I, J, Z second; a third
// letter from ABCDEFGHJKPSTUW, a fourth from ABEHMNPRVWXY), and an inward
// code 9AA without C, I, K, M, O or V; GIR 0AA is also accepted. Letters O
// and I are not read as digits: that would be a guess.
//
// Reasons: ReasonMissing (blank), ReasonPlaceholder (NFA, "no fixed abode",
// UNKNOWN, N/K, the NHS pseudo-postcodes ZZ99 ..., one character repeated),
// ReasonTooLong, ReasonInvalidFormat (anything else, including non-ASCII
// characters). The derived fields PostcodeOutward, PostcodeArea,
// PostcodeDistrict and PostcodeSector take the canonical form.
// NormalizePostcode allocates nothing when its input is already canonical.
func NormalizePostcode(s string) (string, error) {
	if len(s) > maxPostcodeBytes {
		return "", ReasonTooLong
	}
	var b [maxPostcodeBytes]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z':
			b[n] = c - ('a' - 'A')
			n++
		case 'A' <= c && c <= 'Z' || '0' <= c && c <= '9':
			b[n] = c
			n++
		case c >= 0x80:
			return "", ReasonInvalidFormat
		}
	}
	if n == 0 {
		if strings.TrimSpace(s) != "" {
			return "", ReasonPlaceholder
		}
		return "", ReasonMissing
	}
	c := b[:n]
	if postcodePlaceholder(c) {
		return "", ReasonPlaceholder
	}
	if n >= 2 && n <= 4 && outwardValid(c) {
		// An outward code alone ("G75"): kept, without a space, for the
		// components that use the outward code, district or area; the full
		// postcode and the sector are then missing (see fullPostcode).
		if string(c) == s {
			return s, nil
		}
		return string(c), nil
	}
	if n < 5 || n > 7 || !postcodeValid(c) {
		return "", ReasonInvalidFormat
	}
	var out [8]byte
	copy(out[:], c[:n-3])
	out[n-3] = ' '
	copy(out[n-2:], c[n-3:])
	if string(out[:n+1]) == s {
		return s, nil
	}
	return string(out[:n+1]), nil
}

// postcodePlaceholder reports whether the compacted value c stands in for a
// postcode.
func postcodePlaceholder(c []byte) bool {
	switch string(c) {
	case "NFA", "NOFIXEDABODE", "UNKNOWN", "UNK", "NK", "NA", "NONE", "NIL",
		"NULL", "TBC", "TBA", "MISSING", "NOTKNOWN", "ABROAD", "OVERSEAS":
		return true
	}
	if len(c) >= 4 && string(c[:4]) == "ZZ99" {
		return true
	}
	for _, x := range c[1:] {
		if x != c[0] {
			return false
		}
	}
	return len(c) >= 2
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }

// postcodeValid checks the shape and the letters of a compacted postcode of
// 5 to 7 characters.
func postcodeValid(c []byte) bool {
	if string(c) == "GIR0AA" {
		return true
	}
	in := c[len(c)-3:]
	if !isDigit(in[0]) || !postcodeInwardLetter(in[1]) || !postcodeInwardLetter(in[2]) {
		return false
	}
	return outwardValid(c[:len(c)-3])
}

// outwardValid checks the shape and the letters of an outward code.
func outwardValid(out []byte) bool {
	if !isUpper(out[0]) || strings.IndexByte("QVX", out[0]) >= 0 {
		return false
	}
	switch len(out) {
	case 2: // A9
		return isDigit(out[1])
	case 3: // A99, AA9, A9A
		switch {
		case isDigit(out[1]) && isDigit(out[2]):
			return true
		case isUpper(out[1]) && isDigit(out[2]):
			return postcodeSecondLetter(out[1])
		case isDigit(out[1]) && isUpper(out[2]):
			return strings.IndexByte("ABCDEFGHJKPSTUW", out[2]) >= 0
		}
	case 4: // AA99, AA9A
		if !isUpper(out[1]) || !postcodeSecondLetter(out[1]) || !isDigit(out[2]) {
			return false
		}
		return isDigit(out[3]) || strings.IndexByte("ABEHMNPRVWXY", out[3]) >= 0
	}
	return false
}

func postcodeSecondLetter(c byte) bool { return strings.IndexByte("IJZ", c) < 0 }

func postcodeInwardLetter(c byte) bool {
	return isUpper(c) && strings.IndexByte("CIKMOV", c) < 0
}

// PostcodeOutward returns the outward code of a canonical postcode: "EH1
// 1YZ" → "EH1", "EC1A 1BB" → "EC1A", "G75" (an outward code alone) → "G75".
// It allocates nothing.
func PostcodeOutward(p string) string {
	if i := strings.IndexByte(p, ' '); i >= 0 {
		return p[:i]
	}
	return p
}

// PostcodeInward returns the inward code of a canonical postcode: "EH1 1YZ"
// → "1YZ".
func PostcodeInward(p string) string {
	if i := strings.IndexByte(p, ' '); i >= 0 {
		return p[i+1:]
	}
	return ""
}

// PostcodeArea returns the postcode area, the letters of the outward code:
// "EH1 1YZ" → "EH", "G2 1DY" → "G".
func PostcodeArea(p string) string {
	i := 0
	for i < len(p) && isUpper(p[i]) {
		i++
	}
	return p[:i]
}

// PostcodeDistrict returns the postcode district: the area and the digits
// of the outward code, without the sub-district letter of central London
// codes: "EH1 1YZ" → "EH1", "KW15 1BX" → "KW15", "EC1A 1BB" → "EC1".
func PostcodeDistrict(p string) string {
	i := 0
	for i < len(p) && isUpper(p[i]) {
		i++
	}
	for i < len(p) && isDigit(p[i]) {
		i++
	}
	return p[:i]
}

// PostcodeSector returns the postcode sector: the outward code, a space and
// the inward code's digit: "EH1 1YZ" → "EH1 1"; "" for an outward code
// alone. It allocates nothing.
func PostcodeSector(p string) string {
	i := strings.IndexByte(p, ' ')
	if i < 0 || i+2 > len(p) {
		return ""
	}
	return p[:i+2]
}

// fullPostcode is the value of a whole-postcode component: the canonical
// postcode, or "" (missing) when only the outward code is known, so that a
// rule on the full postcode never joins two records on "G75" alone.
func fullPostcode(p string) string {
	if strings.IndexByte(p, ' ') < 0 {
		return ""
	}
	return p
}
