package tokenize

// maxIDBytes bounds CHI and NHS number input: ten digits with generous
// spacing are far shorter.
const maxIDBytes = 32

// idDigits extracts the digits of a CHI or NHS number, dropping white space,
// hyphens, full stops and slashes between them. It returns the digits, their
// count, and a Reason for blank, over-long or malformed input.
func idDigits(s string) (d [10]byte, n int, r Reason) {
	if len(s) > maxIDBytes {
		return d, 0, ReasonTooLong
	}
	blank := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			if n == len(d) {
				return d, 0, ReasonInvalidFormat
			}
			d[n] = c
			n++
			blank = false
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
		case c == '-' || c == '.' || c == '/':
			blank = false
		default:
			return d, 0, ReasonInvalidFormat
		}
	}
	if blank {
		return d, 0, ReasonMissing
	}
	return d, n, ""
}

// mod11Check returns the mod-11 check digit of the first nine digits of d
// (weights 10 down to 2; 11 → 0), and false when the check would be 10 (no
// such number is issued).
func mod11Check(d *[10]byte) (byte, bool) {
	s := 0
	for i := 0; i < 9; i++ {
		s += int(d[i]-'0') * (10 - i)
	}
	c := 11 - s%11
	switch c {
	case 11:
		return '0', true
	case 10:
		return 0, false
	}
	return byte('0' + c), true
}

// mod10Check returns the Luhn check digit of the first nine digits of d as
// CHI uses it: from the left, digits 1, 3, 5, 7 and 9 are doubled (9
// subtracted when over 9) and the others added; check = (10 − sum mod 10)
// mod 10.
func mod10Check(d *[10]byte) byte {
	s := 0
	for i := 0; i < 9; i++ {
		v := int(d[i] - '0')
		if i%2 == 0 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		s += v
	}
	return byte('0' + (10-s%10)%10)
}

// idPlaceholder reports whether the ten digits are a stand-in value: one
// digit repeated, or a run such as 0123456789 or 1234567890.
func idPlaceholder(d *[10]byte) bool {
	same := true
	for _, c := range d[1:] {
		if c != d[0] {
			same = false
		}
	}
	switch string(d[:]) {
	case "0123456789", "1234567890", "9876543210", "0987654321":
		return true
	}
	return same
}

// NormalizeCHI returns a Scottish CHI number as its ten digits. White
// space, hyphens, full stops and slashes between digits are dropped; a
// nine-digit value is a CHI whose leading zero a spreadsheet dropped and gets
// it back. The number must pass the mod-11 check or, for newer CHIs, the
// mod-10 (Luhn) check, and its first six digits must be a plausible DDMMYY
// (day 01–31, month 01–12; the century is not known, so the date itself is
// not checked). The DOB is never derived from the CHI: use CheckCHI to
// compare it with the recorded one.
//
// Reasons: ReasonMissing, ReasonTooLong, ReasonInvalidFormat (other
// characters, or not 9 or 10 digits), ReasonPlaceholder (0000000000,
// 1111111111, 0123456789, ...), ReasonImplausible, ReasonCheckDigit.
// NormalizeCHI allocates nothing when its input is already canonical.
func NormalizeCHI(s string) (string, error) {
	d, n, r := idDigits(s)
	if r != "" {
		return "", r
	}
	switch n {
	case 10:
	case 9:
		copy(d[1:], d[:9])
		d[0] = '0'
	default:
		return "", ReasonInvalidFormat
	}
	if idPlaceholder(&d) {
		return "", ReasonPlaceholder
	}
	day := int(d[0]-'0')*10 + int(d[1]-'0')
	month := int(d[2]-'0')*10 + int(d[3]-'0')
	if day < 1 || day > 31 || month < 1 || month > 12 {
		return "", ReasonImplausible
	}
	c11, ok := mod11Check(&d)
	if !(ok && c11 == d[9]) && mod10Check(&d) != d[9] {
		return "", ReasonCheckDigit
	}
	if string(d[:]) == s {
		return s, nil
	}
	return string(d[:]), nil
}

// CheckCHI compares a canonical CHI number (from NormalizeCHI) with the
// record's date of birth and sex. It returns ReasonCHIDOBMismatch when dob
// is known and its DDMMYY differs from the CHI's first six digits, and
// ReasonCHISexMismatch when sex is known and disagrees with the CHI's ninth
// digit (odd is male, even is female); otherwise nil. A zero dob or
// SexUnknown is not checked; of a partial dob, what it holds is (the year,
// and the month when known). The CHI's date is never used in place of the
// recorded one.
func CheckCHI(chi string, dob Date, sex Sex) error {
	if len(chi) != 10 {
		return ReasonInvalidFormat
	}
	if !dob.IsZero() {
		var b [6]byte
		w := appendDigits(b[:0], dob.Day(), 2)
		w = appendDigits(w, dob.Month(), 2)
		w = appendDigits(w, dob.Year()%100, 2)
		from := 0 // the first digit dob knows
		switch {
		case dob.Month() == 0:
			from = 4
		case dob.Day() == 0:
			from = 2
		}
		if string(w[from:]) != chi[from:6] {
			return ReasonCHIDOBMismatch
		}
	}
	if sex != SexUnknown {
		odd := (chi[8]-'0')%2 == 1
		if odd != (sex == SexMale) {
			return ReasonCHISexMismatch
		}
	}
	return nil
}
