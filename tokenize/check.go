package tokenize

import (
	"fmt"
	"io"
	"strings"

	"github.com/pprl/pprl/internal/table"
)

// CheckOptions are the inputs of Check.
type CheckOptions struct {
	Schema   string // schema file (native or clkhash)
	Mapping  string // input mapping file, optional
	IDColumn string // record ID column when there is no mapping
	Extract  string // extract whose header is checked, optional
	Format   string // extract format, "" to detect
}

// CheckReport is what `pprl schema check` prints.
type CheckReport struct {
	Encoding    string
	Fingerprint string
	CLKBits     int
	Fields      []string // "name (type, clk)" summaries
	Rules       []string // "t1 = surname + forename.initial + ..."
	Attributes  []string
	Warnings    []string // things a clkhash schema holds that may surprise
	Mapping     string
	Extract     string
	Columns     []string // "field ← column" for the extract, in spec order
	Unmapped    []string // spec fields the extract does not carry
	RecordID    string   // record ID column, or "row number"
}

// Check validates a schema, optionally an input mapping against it, and
// optionally an extract's header against both. It reads only the header.
func Check(o CheckOptions) (*CheckReport, error) {
	s, err := LoadSchema(o.Schema)
	if err != nil {
		return nil, err
	}
	r := &CheckReport{Encoding: s.Encoding(), Fingerprint: s.Fingerprint()}
	var m *Mapping
	if o.Mapping != "" {
		if m, err = LoadMapping(o.Mapping); err != nil {
			return nil, err
		}
		r.Mapping = o.Mapping
	}
	if sp := s.Native; sp != nil {
		r.CLKBits = sp.OutputBits()
		for _, f := range sp.Fields {
			clk := "not in CLK"
			if f.CLK != nil {
				clk = "CLK"
			}
			r.Fields = append(r.Fields, fmt.Sprintf("%s (%s, %s)", f.Name, f.Type, clk))
		}
		for _, ru := range sp.Rules {
			r.Rules = append(r.Rules, ru.Name+" = "+strings.Join(ru.Components, " + "))
		}
		r.Attributes = sp.AttributeNames()
		if m != nil {
			if err := m.Validate(sp); err != nil {
				return nil, fmt.Errorf("%s: %w", o.Mapping, err)
			}
		}
	} else {
		r.CLKBits = s.Clkhash.Bits()
		r.Fields = s.Clkhash.Identifiers()
		r.Warnings = s.Clkhash.Warnings()
	}
	if o.Extract == "" {
		return r, nil
	}
	topts := table.Options{Format: o.Format}
	if m != nil {
		topts.Delimiter = m.DelimiterRune()
	}
	in, err := table.Open(o.Extract, topts)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	header := in.Header()
	r.Extract = o.Extract
	b, err := s.Bind(m, o.IDColumn, header)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.Extract, err)
	}
	r.RecordID = "row number"
	if b == nil { // clkhash: columns by position
		cols, _ := clkhashColumns(s.Clkhash, o.IDColumn, header)
		for i, c := range cols {
			r.Columns = append(r.Columns, fmt.Sprintf("%s ← %q", s.Clkhash.Identifiers()[i], header[c]))
		}
		if o.IDColumn != "" {
			r.RecordID = fmt.Sprintf("%q", o.IDColumn)
		}
		return r, nil
	}
	for i, f := range s.Native.Fields {
		if b.Field[i] < 0 {
			r.Unmapped = append(r.Unmapped, f.Name)
			continue
		}
		r.Columns = append(r.Columns, fmt.Sprintf("%s ← %q", f.Name, b.ColumnName[i]))
	}
	if b.RecordID >= 0 {
		r.RecordID = fmt.Sprintf("%q", b.RecordIDName)
	}
	return r, nil
}

// WriteText writes the report for people.
func (r *CheckReport) WriteText(w io.Writer) {
	fmt.Fprintf(w, "schema OK: %s encoding, %d-bit CLK\n", r.Encoding, r.CLKBits)
	fmt.Fprintf(w, "fingerprint: %s (full: %s)\n", ShortFingerprint(r.Fingerprint), r.Fingerprint)
	fmt.Fprintf(w, "fields: %s\n", strings.Join(r.Fields, ", "))
	if len(r.Rules) > 0 {
		fmt.Fprintln(w, "token rules:")
		for _, ru := range r.Rules {
			fmt.Fprintf(w, "  %s\n", ru)
		}
	} else {
		fmt.Fprintln(w, "token rules: none")
	}
	if len(r.Attributes) > 0 {
		fmt.Fprintf(w, "report attributes: %s\n", strings.Join(r.Attributes, ", "))
	}
	for _, warn := range r.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
	if r.Mapping != "" {
		fmt.Fprintf(w, "mapping OK: %s\n", r.Mapping)
	}
	if r.Extract != "" {
		fmt.Fprintf(w, "extract header OK: %s\n", r.Extract)
		fmt.Fprintf(w, "  record ID: %s\n", r.RecordID)
		for _, c := range r.Columns {
			fmt.Fprintf(w, "  %s\n", c)
		}
		if len(r.Unmapped) > 0 {
			fmt.Fprintf(w, "  not in this extract (missing on every row): %s\n", strings.Join(r.Unmapped, ", "))
		}
	}
}
