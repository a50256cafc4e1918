package tokenize

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// A Component is one input of a token rule, a salt or an attribute: a field,
// or a part of a field ("surname.soundex", "dob.year", "postcode.outward"),
// or alternatives "chi|nhs" of which the first one present in a row is used.
//
// Alternatives carry no tag of which one was used: a CHI number and an NHS
// number for the same person are different numbers (CHIs occupy the range
// 0010000000–3112999999, NHS numbers start at 4), so an agency that files a
// CHI in its "nhs" column still links with one that files it under "chi".
type Component struct {
	expr string
	alts []alternative
}

type alternative struct {
	field *FieldSpec
	index int // the field's index in Spec.Fields
	part  string
	fn    func(string) string
}

// Parts of fields a component may take, by field type. The whole normalised
// value is the part "".
var fieldParts = map[string]map[string]func(string) string{
	TypeName: {
		"initial": FirstInitial,
		"first3":  func(v string) string { return firstRunes(3)(JoinedName(v)) },
		"soundex": Soundex, // ignores spaces
		// canonical: the first word with nicknames mapped to the full
		// forename (ALEX, SANDY → ALEXANDER), for forename rules that should
		// survive short forms.
		"canonical": func(v string) string { return CanonicalForename(FirstNamePart(v)) },
	},
	TypeDate: {
		"year": func(v string) string { return v[:4] }, // v is YYYYMMDD, YYYYMM or YYYY
		// monthday: MMDD, for rules that should survive a wrong year of
		// birth (a common keying error); none for a partial date.
		"monthday": func(v string) string {
			if len(v) != len("YYYYMMDD") {
				return ""
			}
			return v[4:8]
		},
		// unordered: the year, then the month and the day in ascending
		// order, for rules that should survive a day and a month swapped
		// (03/04 written for 04/03, the US order).
		"unordered": dateUnordered,
	},
	TypePostcode: {
		"outward":  PostcodeOutward,
		"district": PostcodeDistrict,
		"sector":   PostcodeSector,
		"area":     PostcodeArea,
	},
}

// ParseComponent parses a component expression against spec s.
func ParseComponent(s *Spec, expr string) (*Component, error) {
	if expr == "" {
		return nil, fmt.Errorf("empty component")
	}
	c := &Component{expr: expr}
	used := map[string]bool{}
	for _, a := range strings.Split(expr, "|") {
		name, part, dotted := strings.Cut(a, ".")
		if dotted && part == "" {
			return nil, fmt.Errorf("component %q: empty part after %q", expr, name+".")
		}
		f := s.Field(name)
		if f == nil {
			return nil, fmt.Errorf("component %q: no field %q", expr, name)
		}
		if used[name] {
			return nil, fmt.Errorf("component %q names field %q twice", expr, name)
		}
		used[name] = true
		alt := alternative{field: f, index: fieldIndex(s, name), part: part}
		if part == "" && f.Type == TypeName {
			// A name component is the name without its spaces, so that
			// "Smith-Jones", "Smith Jones" and "SmithJones" agree.
			alt.fn = JoinedName
		}
		if part == "" && f.Type == TypePostcode {
			alt.fn = fullPostcode
		}
		if part == "" && f.Type == TypeDate {
			alt.fn = fullDate
		}
		if part != "" {
			fn, ok := fieldParts[f.Type][part]
			if !ok {
				return nil, fmt.Errorf("component %q: a %s field has no part %q (it has: %s)", expr, f.Type, part, partList(f.Type))
			}
			alt.fn = fn
		}
		c.alts = append(c.alts, alt)
	}
	return c, nil
}

func fieldIndex(s *Spec, name string) int {
	for i := range s.Fields {
		if s.Fields[i].Name == name {
			return i
		}
	}
	return -1
}

func partList(typ string) string {
	var parts []string
	for p := range fieldParts[typ] {
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return "none"
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// String returns the component's expression.
func (c *Component) String() string { return c.expr }

// value returns the component's value for a row whose normalised field
// values are vals (empty = missing or invalid), and false when no
// alternative is present.
func (c *Component) value(vals []string) (string, bool) {
	for _, a := range c.alts {
		v := vals[a.index]
		if v == "" {
			continue
		}
		if a.fn != nil {
			v = a.fn(v)
		}
		if v != "" {
			return v, true
		}
	}
	return "", false
}

func firstRunes(n int) func(string) string {
	return func(v string) string {
		i := 0
		for k := 0; k < n && i < len(v); k++ {
			_, size := utf8.DecodeRuneInString(v[i:])
			i += size
		}
		return v[:i]
	}
}

// fullDate returns v, a date as YYYYMMDD, or "" for a partial date
// (YYYYMM, YYYY): a rule on the whole date does not agree on what is not
// known, and a year alone written for a date is not the date.
func fullDate(v string) string {
	if len(v) != len("YYYYMMDD") {
		return ""
	}
	return v
}

// dateUnordered returns YYYY followed by the month and the day of v
// (YYYYMMDD), the smaller first, or "" for a partial date.
func dateUnordered(v string) string {
	if len(v) != len("YYYYMMDD") {
		return ""
	}
	m, d := v[4:6], v[6:8]
	if d < m {
		m, d = d, m
	}
	return v[:4] + m + d
}
