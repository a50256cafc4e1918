package tokenize

// NHSOptions are the checks NormalizeNHSWith makes beyond the check digit.
type NHSOptions struct {
	// AllowTestRange accepts numbers starting with 9, which are never issued
	// and so are test data. Off by default: they are ReasonTestRange.
	AllowTestRange bool
	// AllowUnallocated accepts numbers outside the allocated ranges
	// (see NormalizeNHS). Off by default: they are ReasonImplausible.
	AllowUnallocated bool
}

// NormalizeNHS returns an NHS number as its ten digits with the default
// checks (NormalizeNHSWith with zero NHSOptions). White space, hyphens, full
// stops and slashes between digits are dropped; the number must have ten
// digits and pass the mod-11 check (weights 10..2; a check of 10 is never
// issued). Numbers starting with 9 are ReasonTestRange. Numbers outside the
// allocated ranges — 0010000000–3112999999 (Scottish CHI),
// 3200000000–3999999999 (Northern Ireland), 4000000000–4999999999 and
// 6000000000–7999999999 (England, Wales, Isle of Man) — are
// ReasonImplausible.
//
// Other reasons: ReasonMissing, ReasonTooLong, ReasonInvalidFormat,
// ReasonPlaceholder (one digit repeated, 0123456789, ...), ReasonCheckDigit.
// It allocates nothing when its input is already canonical.
func NormalizeNHS(s string) (string, error) {
	return NormalizeNHSWith(s, NHSOptions{})
}

// NormalizeNHSWith is NormalizeNHS with the range checks chosen by opt.
func NormalizeNHSWith(s string, opt NHSOptions) (string, error) {
	d, n, r := idDigits(s)
	if r != "" {
		return "", r
	}
	if n != 10 {
		return "", ReasonInvalidFormat
	}
	if idPlaceholder(&d) {
		return "", ReasonPlaceholder
	}
	if c, ok := mod11Check(&d); !ok || c != d[9] {
		return "", ReasonCheckDigit
	}
	if d[0] == '9' {
		if !opt.AllowTestRange {
			return "", ReasonTestRange
		}
	} else if !opt.AllowUnallocated && !nhsAllocated(string(d[:])) {
		return "", ReasonImplausible
	}
	if string(d[:]) == s {
		return s, nil
	}
	return string(d[:]), nil
}

// nhsAllocated reports whether ten digits (not starting with 9) fall in an
// allocated range. Ten-digit strings compare like the numbers they spell.
func nhsAllocated(v string) bool {
	switch {
	case v >= "0010000000" && v <= "3112999999":
		return true
	case v >= "3200000000" && v <= "4999999999":
		return true
	case v >= "6000000000" && v <= "7999999999":
		return true
	}
	return false
}
