package tokenize

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Row-level reject reasons, beside the field-level Reason codes.
const (
	// ReasonNoNameOrDOB: the row has no usable name and no usable date of
	// birth, so nothing identifies the person well enough to link.
	ReasonNoNameOrDOB Reason = "no_name_or_dob"
)

// FieldRecord is the pseudo-field name under which row-level reject reasons
// are reported (in the rejects file and the manifest).
const FieldRecord = "record"

// FieldRecordID is the field name under which record ID problems are
// reported.
const FieldRecordID = "record_id"

// rowNormaliser turns a raw row into normalised field values with the
// normalisers of this package, as the spec and the agency's mapping declare.
// It is immutable and shared by all workers.
type rowNormaliser struct {
	spec  *Spec
	col   []int // per spec field, the extract column or -1
	idCol int   // record ID column or -1 (row numbers)
	norm  []func(string) (string, error)
	dates []*DateParser // per spec field: the date parser of date fields
	// missing holds, per spec field, the mapping's declared stand-ins for
	// "not known" (Mapping.MissingValues), trimmed.
	missing [][]string
	sex     []SexCodes // per spec field: the codes of sex fields
	dobIdx  int        // the field CHI numbers are checked against, or -1
	sexIdx  int
	// foreIdx and surIdx are the forename field (named forename,
	// first_name or given_name) and the surname field (surname, last_name
	// or family_name), or -1: the mapping checks read them
	// (mappingTally).
	foreIdx, surIdx int
	// pcIdx is the postcode field whose values are counted
	// (postcodespike.go), or -1.
	pcIdx int
	chi   []chiCheck
	// identifying holds the name and date fields: a row is rejected when
	// all of them are unusable.
	identifying []int
}

type chiCheck struct {
	index         int
	dob, sexCheck bool
}

// normalisedRow is one row after normalisation. vals[i] is field i's
// canonical value ("" when missing or unusable); reasons[i] says why.
type normalisedRow struct {
	vals    []string
	reasons []Reason
	dob     Date
	sex     Sex
}

func newNormalisedRow(n int) *normalisedRow {
	return &normalisedRow{vals: make([]string, n), reasons: make([]Reason, n)}
}

// newRowNormaliser compiles the normalisers of spec s for an extract bound by
// mapping m. ref is "today" for rejecting future dates; standIns are dates of
// birth read as stand-ins for an unknown one or for a year alone (found by
// datespike.go; nil for none).
func newRowNormaliser(s *Spec, m *Mapping, b *Bound, ref Date, standIns *standInDates) (*rowNormaliser, error) {
	n := &rowNormaliser{
		spec:    s,
		col:     b.Field,
		idCol:   b.RecordID,
		norm:    make([]func(string) (string, error), len(s.Fields)),
		dates:   make([]*DateParser, len(s.Fields)),
		missing: make([][]string, len(s.Fields)),
		sex:     make([]SexCodes, len(s.Fields)),
		dobIdx:  dobField(s),
		pcIdx:   postcodeField(s),
		sexIdx:  -1,
		foreIdx: -1,
		surIdx:  -1,
	}
	sexCodes := m.SexCodes
	if len(sexCodes) == 0 {
		sexCodes = DefaultSexCodes
	}
	for i, f := range s.Fields {
		for _, v := range m.MissingValues[f.Name] {
			n.missing[i] = append(n.missing[i], strings.TrimSpace(v))
		}
		switch f.Type {
		case TypeName:
			n.norm[i] = NormalizeName
			n.identifying = append(n.identifying, i)
			switch {
			case n.foreIdx < 0 && (f.Name == "forename" || f.Name == "first_name" || f.Name == "given_name"):
				n.foreIdx = i
			case n.surIdx < 0 && (f.Name == "surname" || f.Name == "last_name" || f.Name == "family_name"):
				n.surIdx = i
			}
		case TypeDate:
			opt := DateOptions{Reference: ref, AllowFuture: f.Normalise.AllowFuture}
			if f.Normalise.Earliest != "" {
				opt.Earliest, _ = ParseISODate(f.Normalise.Earliest) // validated
			}
			formats := m.DateFormats[f.Name]
			if len(formats) == 0 {
				formats = DefaultDateFormats
			}
			if i == n.dobIdx && standIns != nil {
				opt.StandIns, opt.YearOnlyDays = standIns.missing, standIns.yearOnlyDays
			}
			p, err := NewDateParser(formats, opt)
			if err != nil {
				return nil, fmt.Errorf("field %q: %w", f.Name, err)
			}
			n.dates[i] = p
			n.identifying = append(n.identifying, i)
		case TypeSex:
			c, err := NewSexCodes(sexCodes)
			if err != nil {
				return nil, fmt.Errorf("input mapping: %w", err)
			}
			n.sex[i] = c
			if n.sexIdx < 0 || f.Name == "sex" {
				n.sexIdx = i
			}
		case TypePostcode:
			n.norm[i] = NormalizePostcode
		case TypeCHI:
			n.norm[i] = NormalizeCHI
			if f.Normalise.CheckDOB || f.Normalise.CheckSex {
				n.chi = append(n.chi, chiCheck{index: i, dob: f.Normalise.CheckDOB, sexCheck: f.Normalise.CheckSex})
			}
		case TypeNHS:
			opt := NHSOptions{AllowTestRange: f.Normalise.AllowTestRange}
			n.norm[i] = func(v string) (string, error) { return NormalizeNHSWith(v, opt) }
		case TypeText:
			n.norm[i] = NormalizeAddress
		case TypeCode:
			n.norm[i] = normalizeCode
		default:
			return nil, fmt.Errorf("field %q: unknown type %q", f.Name, f.Type)
		}
	}
	return n, nil
}

// dobField returns the index of the date of birth among s's fields: the
// date field named dob, else the first date field, else -1. CHI numbers are
// checked against it and its stand-ins counted (datespike.go).
func dobField(s *Spec) int {
	first := -1
	for i, f := range s.Fields {
		if f.Type != TypeDate {
			continue
		}
		if f.Name == "dob" {
			return i
		}
		if first < 0 {
			first = i
		}
	}
	return first
}

// normalise fills out from raw. A field the mapping does not map is missing
// with no reason (it is not the row's fault).
func (n *rowNormaliser) normalise(raw []string, out *normalisedRow) {
	out.dob, out.sex = Date{}, SexUnknown
	for i := range n.spec.Fields {
		out.vals[i], out.reasons[i] = "", ""
		c := n.col[i]
		if c < 0 {
			continue
		}
		v := raw[c]
		var err error
		switch {
		case declaredMissing(v, n.missing[i]):
			err = ReasonPlaceholder
		case n.dates[i] != nil:
			var d Date
			if d, err = n.dates[i].Parse(v); err == nil {
				out.vals[i] = d.Compact()
				if i == n.dobIdx {
					out.dob = d
				}
			}
		case n.norm[i] == nil: // sex
			var sx Sex
			if sx, err = n.sex[i].Normalize(v); err == nil {
				out.vals[i] = sx.Canonical()
				if i == n.sexIdx {
					out.sex = sx
				}
			}
		default:
			out.vals[i], err = n.norm[i](v)
		}
		if err != nil {
			out.vals[i] = ""
			out.reasons[i] = reasonOf(err)
		}
	}
	for _, c := range n.chi {
		if out.vals[c.index] == "" {
			continue
		}
		dob, sx := out.dob, out.sex
		if !c.dob {
			dob = Date{}
		}
		if !c.sexCheck {
			sx = SexUnknown
		}
		if err := CheckCHI(out.vals[c.index], dob, sx); err != nil {
			out.vals[c.index] = ""
			out.reasons[c.index] = reasonOf(err)
		}
	}
}

// declaredMissing reports whether v, trimmed, is one of the mapping's
// stand-ins for "not known" (compared ignoring case).
func declaredMissing(v string, standIns []string) bool {
	if len(standIns) == 0 {
		return false
	}
	v = strings.TrimSpace(v)
	for _, s := range standIns {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// usable reports whether the row has at least one usable name or date:
// otherwise it is rejected with ReasonNoNameOrDOB.
func (n *rowNormaliser) usable(row *normalisedRow) bool {
	if len(n.identifying) == 0 {
		for _, v := range row.vals {
			if v != "" {
				return true
			}
		}
		return false
	}
	for _, i := range n.identifying {
		if row.vals[i] != "" {
			return true
		}
	}
	return false
}

// reasonOf returns err's Reason; a normaliser error without one (which
// would be a bug) is reported as invalid_format rather than leaking text.
func reasonOf(err error) Reason {
	if r, ok := ReasonOf(err); ok {
		return r
	}
	return ReasonInvalidFormat
}

// MaxCodeBytes is the longest value of a code field.
const MaxCodeBytes = 64

// normalizeCode normalises a code field (a category such as a local
// authority code): surrounding space trimmed, upper case. Blank is
// ReasonMissing; longer than MaxCodeBytes is ReasonTooLong.
func normalizeCode(s string) (string, error) {
	if len(s) > 4*MaxCodeBytes {
		return "", ReasonTooLong
	}
	if !utf8.ValidString(s) {
		return "", ReasonInvalidEncoding
	}
	s = strings.ToUpper(strings.TrimSpace(s))
	switch {
	case s == "":
		return "", ReasonMissing
	case len(s) > MaxCodeBytes:
		return "", ReasonTooLong
	}
	return s, nil
}
