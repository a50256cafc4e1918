package tokenize

import "sync"

// soundexCode maps A–Z to American Soundex digits; 0 marks the letters that
// are not coded (vowels, Y, H, W).
var soundexCode = [26]byte{
	//A  B    C    D    E  F    G    H  I  J    K    L    M    N    O  P    Q    R    S    T    U  V    W  X    Y  Z
	0, '1', '2', '3', 0, '1', '2', 0, 0, '2', '2', '4', '5', '5', 0, '1', '2', '6', '2', '3', 0, '1', 0, '2', 0, '2',
}

// Soundex returns the American Soundex code of a canonical name (from
// NormalizeName), e.g. ROBERT and RUPERT → "R163", TYMCZAK → "T522",
// PFISTER → "P236", ASHCRAFT → "A261". It follows the standard rules: the
// first letter is kept; B F P V → 1, C G J K Q S X Z → 2, D T → 3, L → 4,
// M N → 5, R → 6; adjacent letters with the same code (including the first
// letter) are coded once, and so are letters with the same code separated
// only by H or W, while a vowel (A E I O U Y) between them codes both; the
// result is cut or padded with zeros to four characters. Characters other
// than A–Z (spaces, letters of other scripts) are ignored. A name without
// any letter A–Z gives "".
func Soundex(name string) string {
	var b [4]byte
	out := AppendSoundex(b[:0], name)
	if len(out) == 0 {
		return ""
	}
	return soundexString(out)
}

// AppendSoundex appends the Soundex code of name (as Soundex computes it) to
// dst and returns the extended slice; nothing is appended for a name without
// any letter A–Z.
func AppendSoundex(dst []byte, name string) []byte {
	n := 0 // characters of the code written
	var last byte
	for i := 0; i < len(name) && n < 4; i++ {
		c := name[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c < 'A' || c > 'Z' {
			continue
		}
		code := soundexCode[c-'A']
		if n == 0 {
			dst = append(dst, c)
			n++
			last = code
			continue
		}
		switch {
		case c == 'H' || c == 'W':
			// Transparent: the previous code stays in force.
		case code == 0:
			last = 0 // a vowel separates equal codes
		case code != last:
			dst = append(dst, code)
			n++
			last = code
		}
	}
	for n > 0 && n < 4 {
		dst = append(dst, '0')
		n++
	}
	return dst
}

// soundexString converts a 4-byte code to a string without allocating: every
// possible code (a letter and three digits 0–6) is a slice of one table
// string, built on first use (26 × 7³ codes × 4 bytes = 35 KB).
func soundexString(b []byte) string {
	d1, d2, d3 := b[1]-'0', b[2]-'0', b[3]-'0'
	if b[0] < 'A' || b[0] > 'Z' || d1 > 6 || d2 > 6 || d3 > 6 {
		return string(b) // unreachable for codes AppendSoundex makes
	}
	i := (int(b[0]-'A')*343 + int(d1)*49 + int(d2)*7 + int(d3)) * 4
	return soundexTable()[i : i+4]
}

var soundexTable = sync.OnceValue(func() string {
	t := make([]byte, 0, 26*343*4)
	for l := byte('A'); l <= 'Z'; l++ {
		for d := 0; d < 343; d++ {
			t = append(t, l, byte('0'+d/49), byte('0'+d/7%7), byte('0'+d%7))
		}
	}
	return string(t)
})
