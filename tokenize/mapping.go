package tokenize

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/pprl/pprl/internal/exitcode"
)

// MappingVersion is the version of the input mapping format
// ("mapping_version").
const MappingVersion = 1

// Mapping is one agency's input mapping: how its extract's columns carry the
// linkage spec's fields. It is not part of the fingerprint. See
// docs/architecture.md for the format:
//
//	{
//	  "mapping_version": 1,
//	  "record_id": "SW_ID",
//	  "columns": {"forename": "FIRST_NAME", "surname": "SURNAME", "dob": "DATE_OF_BIRTH", ...},
//	  "date_formats": {"dob": ["DD/MM/YYYY"]},
//	  "sex_codes": {"M": "male", "F": "female", "U": "unknown"},
//	  "delimiter": ","
//	}
type Mapping struct {
	Version     int    `json:"mapping_version"`
	Description string `json:"description,omitempty"`
	Comment     string `json:"_comment,omitempty"`
	// RecordID is the column holding the agency's record identifier; empty
	// means the 1-based data row number.
	RecordID string `json:"record_id,omitempty"`
	// Columns maps spec field names to extract column names. A field the
	// agency does not hold is absent (missing on every row).
	Columns map[string]string `json:"columns"`
	// DateFormats lists, per date field, the formats tried in order
	// (DD, MM, YYYY, D, M, MON). Default: YYYY-MM-DD.
	DateFormats map[string][]string `json:"date_formats,omitempty"`
	// SexCodes maps the agency's sex values (matched case-insensitively
	// after trimming) to male, female or unknown. Default: DefaultSexCodes.
	SexCodes map[string]string `json:"sex_codes,omitempty"`
	// MissingValues lists, per field, the values the extract writes for
	// "not known" ("01/01/1900", "NOT RECORDED", "ZZ99 9ZZ"), compared after
	// trimming white space and ignoring case. Such a value is read as
	// missing (reported as ReasonPlaceholder), never as a value that
	// strangers would then share.
	MissingValues map[string][]string `json:"missing_values,omitempty"`
	// Delimiter is the CSV field separator; empty sniffs it.
	Delimiter string `json:"delimiter,omitempty"`
}

const (
	// maxMissingValues bounds the stand-in values one field may declare.
	maxMissingValues = 32
	// maxMissingValueBytes bounds one declared stand-in value.
	maxMissingValueBytes = 64
)

// DefaultDateFormats are the formats of a date field whose mapping lists
// none: ISO 8601 only. Day/month order is never guessed.
var DefaultDateFormats = []string{"YYYY-MM-DD"}

// ParseMapping reads an input mapping from JSON, refusing unknown keys.
// Check it against a spec with Mapping.Validate.
func ParseMapping(data []byte) (*Mapping, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m Mapping
	if err := dec.Decode(&m); err != nil {
		return nil, exitcode.AsInput(fmt.Errorf("input mapping: %w", jsonError(data, err)))
	}
	if dec.More() {
		return nil, exitcode.Inputf("input mapping: unexpected data after the JSON object")
	}
	if m.Version != MappingVersion {
		return nil, exitcode.Inputf("input mapping: mapping_version is %d; this pprl reads version %d", m.Version, MappingVersion)
	}
	return &m, nil
}

// DefaultMapping returns the mapping used when none is given: each spec field
// is read from the header column of the same name (compared ignoring case),
// the record ID from idColumn (or a "record_id" column, or the row number),
// dates as YYYY-MM-DD and sex with DefaultSexCodes.
func DefaultMapping(s *Spec, header []string, idColumn string) *Mapping {
	m := &Mapping{Version: MappingVersion, Columns: map[string]string{}, RecordID: idColumn}
	for _, f := range s.Fields {
		if col, ok := findColumn(header, f.Name); ok {
			m.Columns[f.Name] = col
		}
	}
	if m.RecordID == "" {
		if col, ok := findColumn(header, "record_id"); ok {
			m.RecordID = col
		}
	}
	return m
}

// checkDefaultMapping refuses a default mapping (no --mapping given) that
// leaves a name or date field the CLK encodes without a column: every row
// would then be encoded without the core identifiers, which links badly and
// silently. It is almost always a forgotten --mapping, so the error says so;
// a mapping that leaves such a field out on purpose is accepted, and other
// fields (sex, postcode, ID numbers) may be absent from a mapping-less
// extract, as pprl schema check shows.
func checkDefaultMapping(s *Spec, m *Mapping, header []string) error {
	var missing []string
	for _, f := range s.Fields {
		if _, ok := m.Columns[f.Name]; !ok && f.CLK != nil && (f.Type == TypeName || f.Type == TypeDate) {
			missing = append(missing, f.Name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return exitcode.Inputf("no --mapping given, and the extract has no %s named %s (%s the CLK encodes; %s): give this agency's input mapping with --mapping FILE, or name the columns like the linkage spec's fields",
		plural(len(missing), "column", "columns"), quoteList(missing), plural(len(missing), "a field", "fields"), foundColumns(header, append(s.fieldNames(), "record_id")))
}

// Validate checks the mapping against spec s: every field it maps exists in
// the spec, date formats are given only for date fields and parse, sex codes
// map to male, female or unknown, and the delimiter is one character.
func (m *Mapping) Validate(s *Spec) error {
	bad := func(format string, args ...any) error {
		return exitcode.Inputf("input mapping: "+format, args...)
	}
	if len(m.Columns) == 0 {
		return bad("columns is empty: map at least one field of the linkage spec to a column")
	}
	for _, field := range sortedKeys(m.Columns) {
		if s.Field(field) == nil {
			return bad("columns: %q is not a field of the linkage spec (its fields: %s)", field, strings.Join(s.fieldNames(), ", "))
		}
		if m.Columns[field] == "" {
			return bad("columns: field %q has an empty column name", field)
		}
	}
	for _, field := range sortedKeys(m.DateFormats) {
		f := s.Field(field)
		if f == nil || f.Type != TypeDate {
			return bad("date_formats: %q is not a date field of the linkage spec", field)
		}
		if len(m.DateFormats[field]) == 0 {
			return bad("date_formats: field %q lists no formats", field)
		}
		if _, err := NewDateParser(m.DateFormats[field], DateOptions{AllowFuture: true}); err != nil {
			return bad("date_formats: field %q: %w", field, err)
		}
		for _, layout := range m.DateFormats[field] {
			if _, err := ParseDateLayout(layout); err != nil {
				return bad("date_formats: field %q: %w", field, err)
			}
		}
	}
	for _, field := range sortedKeys(m.MissingValues) {
		if s.Field(field) == nil {
			return bad("missing_values: %q is not a field of the linkage spec (its fields: %s)", field, strings.Join(s.fieldNames(), ", "))
		}
		if _, ok := m.Columns[field]; !ok {
			return bad("missing_values: field %q has no column in columns", field)
		}
		vals := m.MissingValues[field]
		if len(vals) == 0 || len(vals) > maxMissingValues {
			return bad("missing_values: field %q lists %d values; list 1 to %d", field, len(vals), maxMissingValues)
		}
		for i, v := range vals {
			if strings.TrimSpace(v) == "" || len(v) > maxMissingValueBytes {
				return bad("missing_values: field %q value %d is blank or longer than %d bytes (blank cells are missing already)", field, i+1, maxMissingValueBytes)
			}
		}
	}
	if m.SexCodes != nil {
		if _, err := NewSexCodes(m.SexCodes); err != nil {
			return bad("%w", err)
		}
	}
	if m.Delimiter != "" && utf8.RuneCountInString(m.Delimiter) != 1 {
		return bad("delimiter %q must be a single character", m.Delimiter)
	}
	return nil
}

// DelimiterRune returns the mapping's delimiter, or 0 to sniff it.
func (m *Mapping) DelimiterRune() rune {
	r, _ := utf8.DecodeRuneInString(m.Delimiter)
	if r == utf8.RuneError {
		return 0
	}
	return r
}

// Bound is a mapping resolved against an extract's header: the column index
// of each spec field (-1 when unmapped) and of the record ID.
type Bound struct {
	// Field holds, per spec field, the header column index or -1.
	Field []int
	// RecordID is the record ID column's index, or -1 for row numbers.
	RecordID int
	// RecordIDName is the record ID column's name ("" for row numbers).
	RecordIDName string
	// ColumnName holds, per spec field, the extract's column name or "".
	ColumnName []string
}

// Bind resolves the mapping against header. A column the mapping names that
// the header lacks is an input error listing the expected and found column
// names (column names are not identifiers). Names match exactly, or else
// ignoring case and surrounding space when that is unambiguous.
func (m *Mapping) Bind(s *Spec, header []string) (*Bound, error) {
	b := &Bound{Field: make([]int, len(s.Fields)), ColumnName: make([]string, len(s.Fields)), RecordID: -1}
	var missing, expected []string
	find := func(col string) int {
		if i, ok := columnIndex(header, col); ok {
			return i
		}
		missing = append(missing, col)
		return -1
	}
	for i, f := range s.Fields {
		b.Field[i] = -1
		col, ok := m.Columns[f.Name]
		if !ok {
			continue
		}
		expected = append(expected, col)
		b.Field[i] = find(col)
		if b.Field[i] >= 0 {
			b.ColumnName[i] = header[b.Field[i]]
		}
	}
	if m.RecordID != "" {
		expected = append([]string{m.RecordID}, expected...)
		b.RecordID = find(m.RecordID)
		if b.RecordID >= 0 {
			b.RecordIDName = header[b.RecordID]
		}
	}
	if len(missing) > 0 {
		return nil, exitcode.Inputf("extract is missing %s %s required by the input mapping; expected columns: %s; %s",
			plural(len(missing), "column", "columns"), quoteList(missing), quoteList(expected), foundColumns(header, expected))
	}
	mapped := 0
	for _, i := range b.Field {
		if i >= 0 {
			mapped++
		}
	}
	if mapped == 0 {
		return nil, exitcode.Inputf("no column of the extract maps to a field of the linkage spec (fields: %s; %s); give an input mapping with --mapping",
			strings.Join(s.fieldNames(), ", "), foundColumns(header, append(expected, s.fieldNames()...)))
	}
	return b, nil
}

func (s *Spec) fieldNames() []string {
	out := make([]string, len(s.Fields))
	for i, f := range s.Fields {
		out[i] = f.Name
	}
	return out
}

// columnIndex finds col in header: exactly, else ignoring case and
// surrounding space when exactly one column matches.
func columnIndex(header []string, col string) (int, bool) {
	for i, h := range header {
		if h == col {
			return i, true
		}
	}
	found := -1
	for i, h := range header {
		if strings.EqualFold(strings.TrimSpace(h), strings.TrimSpace(col)) {
			if found >= 0 {
				return -1, false
			}
			found = i
		}
	}
	return found, found >= 0
}

func findColumn(header []string, name string) (string, bool) {
	if i, ok := columnIndex(header, name); ok {
		return header[i], true
	}
	return "", false
}

// foundColumns describes an extract's header for an error message. The
// header is quoted only when at least one of its cells is a column name
// that is expected (known, compared as columnIndex does): otherwise the
// first row may be data from an extract without a header row, and quoting
// it would put names and dates of birth into the error.
func foundColumns(header, known []string) string {
	for _, k := range known {
		if _, ok := columnIndex(header, k); ok {
			return "found columns: " + quoteList(header)
		}
	}
	return fmt.Sprintf("the extract's first row (%d %s) matches none of the expected column names and is not shown, as it may be data: check that the extract has a header row",
		len(header), plural(len(header), "cell", "cells"))
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
