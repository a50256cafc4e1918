package tokenize

import (
	"strings"
	"testing"

	"github.com/pprl/pprl/internal/exitcode"
)

const socialWorkMapping = `{
  "mapping_version": 1,
  "record_id": "SW_ID",
  "columns": {"forename": "FIRST_NAME", "middle_names": "MIDDLE_NAMES", "surname": "SURNAME",
              "dob": "DATE_OF_BIRTH", "sex": "GENDER", "postcode": "POSTCODE",
              "chi": "CHI_NO", "nhs": "NHS_NO", "address": "ADDRESS_LINE_1"},
  "date_formats": {"dob": ["DD/MM/YYYY"]},
  "sex_codes": {"M": "male", "F": "female", "U": "unknown"},
  "missing_values": {"dob": ["01/01/1901"], "postcode": ["NK"]},
  "delimiter": ","
}`

// TestMappingArchitectureExample parses the mapping shown in
// docs/architecture.md and binds it to a matching header.
func TestMappingArchitectureExample(t *testing.T) {
	m, err := ParseMapping([]byte(socialWorkMapping))
	if err != nil {
		t.Fatal(err)
	}
	s := StarterSpec()
	if err := m.Validate(s); err != nil {
		t.Fatal(err)
	}
	header := []string{"SW_ID", "FIRST_NAME", "MIDDLE_NAMES", "SURNAME", "DATE_OF_BIRTH", "GENDER", "POSTCODE", "CHI_NO", "NHS_NO", "ADDRESS_LINE_1", "NOTES"}
	b, err := m.Bind(s, header)
	if err != nil {
		t.Fatal(err)
	}
	if b.RecordID != 0 || b.Field[fieldIndex(s, "surname")] != 3 || b.Field[fieldIndex(s, "address")] != 9 {
		t.Errorf("bound %+v", b)
	}
	// Case and surrounding space in the header do not matter.
	lower := make([]string, len(header))
	for i, h := range header {
		lower[i] = " " + strings.ToLower(h)
	}
	if _, err := m.Bind(s, lower); err != nil {
		t.Errorf("case-insensitive bind: %v", err)
	}
	if m.DelimiterRune() != ',' {
		t.Error("delimiter")
	}
}

func TestMappingValidate(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"unknown field", `{"mapping_version":1,"columns":{"firstname":"A"}}`, `"firstname" is not a field of the linkage spec`},
		{"empty columns", `{"mapping_version":1,"columns":{}}`, "columns is empty"},
		{"empty column name", `{"mapping_version":1,"columns":{"surname":""}}`, "empty column name"},
		{"bad date format", `{"mapping_version":1,"columns":{"dob":"D"},"date_formats":{"dob":["DD/MM/YY"]}}`, `field "dob"`},
		{"guessing day order", `{"mapping_version":1,"columns":{"dob":"D"},"date_formats":{"dob":["DD/MM/YYYY","MM/DD/YYYY"]}}`, "day and month swapped"},
		{"date format not date", `{"mapping_version":1,"columns":{"dob":"D"},"date_formats":{"surname":["YYYY"]}}`, "not a date field"},
		{"no formats", `{"mapping_version":1,"columns":{"dob":"D"},"date_formats":{"dob":[]}}`, "lists no formats"},
		{"bad sex code", `{"mapping_version":1,"columns":{"sex":"S"},"sex_codes":{"M":"man"}}`, "use male, female or unknown"},
		{"delimiter", `{"mapping_version":1,"columns":{"sex":"S"},"delimiter":";;"}`, "single character"},
		{"stand-in of no field", `{"mapping_version":1,"columns":{"dob":"D"},"missing_values":{"born":["01/01/1900"]}}`, `"born" is not a field`},
		{"stand-in of an unmapped field", `{"mapping_version":1,"columns":{"dob":"D"},"missing_values":{"surname":["NK"]}}`, `"surname" has no column`},
		{"no stand-ins", `{"mapping_version":1,"columns":{"dob":"D"},"missing_values":{"dob":[]}}`, "lists 0 values"},
		{"blank stand-in", `{"mapping_version":1,"columns":{"dob":"D"},"missing_values":{"dob":[" "]}}`, "value 1 is blank"},
	}
	s := StarterSpec()
	for _, tt := range tests {
		m, err := ParseMapping([]byte(tt.doc))
		if err == nil {
			err = m.Validate(s)
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) || !exitcode.IsInput(err) {
			t.Errorf("%s: err = %v, want an input error containing %q", tt.name, err, tt.want)
		}
	}
	for name, doc := range map[string]string{
		"version":     `{"mapping_version":2,"columns":{"dob":"D"}}`,
		"unknown key": `{"mapping_version":1,"colums":{"dob":"D"}}`,
		"not json":    `mapping`,
	} {
		if _, err := ParseMapping([]byte(doc)); err == nil || !exitcode.IsInput(err) {
			t.Errorf("%s: err = %v, want an input error", name, err)
		}
	}
}

func TestDefaultMapping(t *testing.T) {
	s := StarterSpec()
	m := DefaultMapping(s, []string{"Record_ID", "Forename", "SURNAME", "dob", "other"}, "")
	if m.RecordID != "Record_ID" || m.Columns["forename"] != "Forename" || m.Columns["surname"] != "SURNAME" || len(m.Columns) != 3 {
		t.Errorf("DefaultMapping = %+v", m)
	}
	if _, err := m.Bind(s, []string{"Record_ID", "Forename", "SURNAME", "dob", "other"}); err != nil {
		t.Error(err)
	}
	_, err := DefaultMapping(s, []string{"a", "b"}, "").Bind(s, []string{"a", "b"})
	if err == nil || !strings.Contains(err.Error(), "give an input mapping") {
		t.Errorf("no usable column: %v", err)
	}
}

func FuzzParseMapping(f *testing.F) {
	f.Add([]byte(socialWorkMapping))
	f.Add([]byte(`{"mapping_version":1,"columns":{"dob":"D"},"date_formats":{"dob":["D MON YYYY"]}}`))
	s := StarterSpec()
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMapping(data)
		if err != nil {
			return
		}
		if m.Validate(s) != nil {
			return
		}
		header := []string{"A", "B"}
		for _, c := range m.Columns {
			header = append(header, c)
		}
		if m.RecordID != "" {
			header = append(header, m.RecordID)
		}
		b, err := m.Bind(s, header)
		if err != nil {
			return // e.g. two columns differing only in case
		}
		if _, err := newRowNormaliser(s, m, b, Date{2025, 1, 1}, nil); err != nil {
			t.Fatalf("a valid mapping does not compile: %v", err)
		}
	})
}

// TestDefaultMappingNeedsCLKFields checks that, without a mapping, an
// extract whose header lacks a field the CLK encodes (a forgotten
// --mapping) is refused with an input error that says what to do and lists
// the header, never a value.
func TestDefaultMappingNeedsCLKFields(t *testing.T) {
	spec := StarterSpec()
	s := &Schema{Native: spec, fingerprint: spec.Fingerprint()}
	header := []string{"SW_ID", "FIRST_NAME", "SURNAME", "DATE_OF_BIRTH", "GENDER", "POSTCODE"}
	_, err := s.Bind(nil, "", header)
	if err == nil || !exitcode.IsInput(err) {
		t.Fatalf("err = %v, want an input error", err)
	}
	for _, want := range []string{`"forename", "dob" (fields the CLK encodes`, "--mapping FILE", `"FIRST_NAME"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %s", err, want)
		}
	}
	// The same header with columns named like the fields binds.
	if _, err := s.Bind(nil, "", []string{"record_id", "forename", "surname", "dob", "sex", "postcode"}); err != nil {
		t.Errorf("fields named like the spec's: %v", err)
	}
}
