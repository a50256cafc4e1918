package tokenize

// Reason is the code for why a normaliser could not produce a value from a
// field. It is what a rejects report counts ("rejects": {"dob": {"future": 3}})
// and it implements error, so normalisers return it as their error. A Reason
// never contains any part of the value it was given: its text is one of the
// fixed codes below, so it is safe in logs, error messages and reports.
//
// Compare with ==, errors.Is or ReasonOf:
//
//	v, err := tokenize.NormalizeName(raw)
//	if err == tokenize.ReasonMissing { ... }
type Reason string

// The reason codes. A field is unusable for encoding whenever a normaliser
// returns one of them.
const (
	// ReasonMissing: the field is blank, or holds a code that means "not
	// known" by declaration (a sex code mapped to unknown).
	ReasonMissing Reason = "missing"
	// ReasonPlaceholder: the field holds a stand-in such as UNKNOWN, N/K,
	// TEST, BABY, XXX, 1111111111 or a postcode for no fixed abode.
	ReasonPlaceholder Reason = "placeholder"
	// ReasonInvalidFormat: the value does not have the declared or required
	// shape (a date matching none of the formats, a 7-digit CHI).
	ReasonInvalidFormat Reason = "invalid_format"
	// ReasonInvalidDate: the value has a declared date shape but is not a
	// calendar date (31 February, month 13).
	ReasonInvalidDate Reason = "invalid_date"
	// ReasonImplausible: a well-formed value outside the plausible range (a
	// birth date before the earliest plausible date, an unallocated NHS
	// number range, a CHI whose DDMM is not a date).
	ReasonImplausible Reason = "implausible"
	// ReasonFuture: a date after the reference date.
	ReasonFuture Reason = "future"
	// ReasonCheckDigit: a CHI or NHS number whose check digit is wrong.
	ReasonCheckDigit Reason = "check_digit"
	// ReasonTestRange: an NHS number in the never-issued test range
	// (starting with 9).
	ReasonTestRange Reason = "test_range"
	// ReasonTooLong: the value is longer than any real value of the field.
	ReasonTooLong Reason = "too_long"
	// ReasonInvalidEncoding: the value is not valid UTF-8.
	ReasonInvalidEncoding Reason = "invalid_encoding"
	// ReasonUnmappedCode: a sex value that the input mapping's sex codes do
	// not list. The field is treated as missing; the distinct code tells the
	// data team that their mapping is incomplete.
	ReasonUnmappedCode Reason = "unmapped_code"
	// ReasonCHIDOBMismatch: a CHI number whose embedded DDMMYY disagrees
	// with the record's date of birth.
	ReasonCHIDOBMismatch Reason = "chi_dob_mismatch"
	// ReasonCHISexMismatch: a CHI number whose sex digit (the 9th; odd is
	// male) disagrees with the record's sex.
	ReasonCHISexMismatch Reason = "chi_sex_mismatch"
)

// Reasons lists every reason code, for reports that show zero counts and for
// tests that check a normaliser returns only known codes.
var Reasons = []Reason{
	ReasonMissing, ReasonPlaceholder, ReasonInvalidFormat, ReasonInvalidDate,
	ReasonImplausible, ReasonFuture, ReasonCheckDigit, ReasonTestRange,
	ReasonTooLong, ReasonInvalidEncoding, ReasonUnmappedCode,
	ReasonCHIDOBMismatch, ReasonCHISexMismatch,
}

// Error returns the reason code. It never contains a field value.
func (r Reason) Error() string { return string(r) }

// ReasonOf returns the Reason that err is or wraps, and false when err is nil
// or carries no Reason.
func ReasonOf(err error) (Reason, bool) {
	for err != nil {
		if r, ok := err.(Reason); ok {
			return r, true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return "", false
		}
		err = u.Unwrap()
	}
	return "", false
}
