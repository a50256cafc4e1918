package tokenize

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Sex is a person's recorded sex as the linkage uses it.
type Sex uint8

// The values of Sex. SexUnknown is never encoded: a rule needing sex yields
// no token for it.
const (
	SexUnknown Sex = iota
	SexMale
	SexFemale
)

// String returns "male", "female" or "unknown", the words input mappings
// use.
func (s Sex) String() string {
	switch s {
	case SexMale:
		return "male"
	case SexFemale:
		return "female"
	}
	return "unknown"
}

// Canonical returns the canonical form encoded by token rules and CLKs:
// "MALE", "FEMALE" (as OpenToken writes them), or "" for SexUnknown.
func (s Sex) Canonical() string {
	switch s {
	case SexMale:
		return "MALE"
	case SexFemale:
		return "FEMALE"
	}
	return ""
}

// ParseSex reads one of the words "male", "female", "unknown" (any case).
func ParseSex(word string) (Sex, bool) {
	switch strings.ToLower(strings.TrimSpace(word)) {
	case "male":
		return SexMale, true
	case "female":
		return SexFemale, true
	case "unknown":
		return SexUnknown, true
	}
	return SexUnknown, false
}

// SexCodes maps an agency's sex codes to Sex. Codes match after trimming
// white space, ignoring case. It is immutable and safe for concurrent use.
type SexCodes struct {
	codes map[string]Sex // keys trimmed and upper case
}

// DefaultSexCodes are the codes used when an input mapping declares none:
// M, MALE, 1 (ISO/IEC 5218) → male; F, FEMALE, 2 → female; U, UNKNOWN, 0,
// 9, X, I, O, N, NK, NS → unknown (so missing).
var DefaultSexCodes = map[string]string{
	"M": "male", "MALE": "male", "1": "male",
	"F": "female", "FEMALE": "female", "2": "female",
	"U": "unknown", "UNKNOWN": "unknown", "0": "unknown", "9": "unknown",
	"X": "unknown", "I": "unknown", "O": "unknown", "N": "unknown",
	"NK": "unknown", "NS": "unknown",
}

// NewSexCodes builds SexCodes from an input mapping's "sex_codes": agency
// code → "male", "female" or "unknown". Codes are trimmed and matched
// ignoring case; two codes that differ only in case must agree. Errors
// describe the mapping (codes are configuration, not data).
func NewSexCodes(codes map[string]string) (SexCodes, error) {
	if len(codes) == 0 {
		return SexCodes{}, fmt.Errorf("sex_codes is empty")
	}
	keys := make([]string, 0, len(codes))
	for k := range codes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	m := make(map[string]Sex, len(codes))
	for _, k := range keys {
		v := codes[k]
		sex, ok := ParseSex(v)
		if !ok {
			return SexCodes{}, fmt.Errorf("sex_codes: code %q maps to %q; use male, female or unknown", k, v)
		}
		key := strings.ToUpper(strings.TrimSpace(k))
		if key == "" {
			return SexCodes{}, fmt.Errorf("sex_codes: a blank code cannot be mapped; blank values are missing")
		}
		if prev, dup := m[key]; dup && prev != sex {
			return SexCodes{}, fmt.Errorf("sex_codes: code %q is listed twice (ignoring case) with different meanings", k)
		}
		m[key] = sex
	}
	return SexCodes{codes: m}, nil
}

// maxSexBytes bounds a sex value: no code is longer.
const maxSexBytes = 64

// Normalize maps a sex value to SexMale or SexFemale. It returns
// ReasonMissing for a blank value or a code mapped to unknown,
// ReasonUnmappedCode for a code the mapping does not list (also treated as
// missing, but reported apart so that the mapping can be fixed),
// ReasonTooLong and ReasonInvalidEncoding. It allocates nothing for ASCII
// codes up to 16 bytes.
func (c SexCodes) Normalize(s string) (Sex, error) {
	if len(s) > maxSexBytes {
		return SexUnknown, ReasonTooLong
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return SexUnknown, ReasonMissing
	}
	// One map lookup: short ASCII codes are upper-cased into a stack
	// buffer (the map index with string(b) does not allocate).
	var sex Sex
	var ok bool
	var b [16]byte
	if len(s) <= len(b) && asciiUpper(b[:], s) {
		sex, ok = c.codes[string(b[:len(s)])]
	} else {
		if !utf8.ValidString(s) {
			return SexUnknown, ReasonInvalidEncoding
		}
		sex, ok = c.codes[strings.ToUpper(s)]
	}
	switch {
	case !ok:
		return SexUnknown, ReasonUnmappedCode
	case sex == SexUnknown:
		return SexUnknown, ReasonMissing
	}
	return sex, nil
}

// asciiUpper writes s upper-cased into b and reports whether s was ASCII.
func asciiUpper(b []byte, s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return false
		}
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		b[i] = c
	}
	return true
}
