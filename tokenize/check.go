package tokenize

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
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
	// SampleRows is how many data rows of the extract are run through the
	// tokenize pipeline (with a throwaway secret, writing nothing kept);
	// zero means DefaultCheckSample, negative reads only the header.
	SampleRows int64
}

// DefaultCheckSample is the rows schema check tokenizes by default.
const DefaultCheckSample = 2000

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
	// Sample is what tokenizing the first rows found (nil when not run).
	Sample *SampleReport
}

// SampleReport is the outcome of tokenizing a sample of the extract.
type SampleReport struct {
	Rows, Encoded, Rejected int64
	// Unusable lists, per field with problems, the share of sample rows
	// where it could not be used and the reasons, most common first.
	Unusable []string
	// StandInDates and StandInRows: dates of birth the sample holds far
	// more often than the days around them (datespike.go), read as
	// missing, and the rows that hold them.
	StandInDates int
	StandInRows  int64
	// YearOnlyDays and YearOnlyRows: days of the year found to be a
	// system's way of writing a year alone (datespike.go), on which every
	// date was read as its year, and the sample rows on them; PartialDates
	// the sample rows whose date of birth is known only to the month or
	// year.
	YearOnlyDays []MonthDay
	YearOnlyRows int64
	PartialDates int64
	// CrowdedPostcodes and CrowdedPostcodeRows: postcodes the sample holds
	// on more rows than an address houses (postcodespike.go), and their
	// rows.
	CrowdedPostcodes    int
	CrowdedPostcodeRows int64
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
			line := ru.Name + " = " + strings.Join(ru.Components, " + ")
			if ru.Unordered {
				line += " (unordered: the components agree in either order, e.g. forename and surname swapped)"
			}
			r.Rules = append(r.Rules, line)
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
	if r.Sample, err = checkSample(s, m, o); err != nil {
		return nil, err
	}
	return r, nil
}

// checkSample runs the tokenize pipeline on the first rows of the extract
// with a throwaway secret, into a temporary directory that is removed: the
// same reading, normalising and guards (malformed rows, duplicate IDs, a
// field unusable on most rows, too many rejects) as a real run, so that
// check fails where tokenize would.
func checkSample(s *Schema, m *Mapping, o CheckOptions) (*SampleReport, error) {
	n := o.SampleRows
	if n == 0 {
		n = DefaultCheckSample
	}
	if n < 0 {
		return nil, nil
	}
	if empty, err := noDataRows(m, o); err != nil || empty {
		return &SampleReport{}, err
	}
	dir, err := os.MkdirTemp("", "pprl-check-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	secret := make([]byte, 32)
	rand.Read(secret)
	res, err := Tokenize(context.Background(), Options{
		Schema: s, Mapping: m, IDColumn: o.IDColumn, Secret: secret, Dataset: "check",
		Input: o.Extract, Format: o.Format, Output: filepath.Join(dir, "sample.parquet"),
		MaxRejectRate: DefaultMaxRejectRate, SampleRows: n,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		return nil, fmt.Errorf("%s (first %d rows tokenized as a check): %w", o.Extract, n, err)
	}
	rows := res.Manifest.Rows
	sr := &SampleReport{Rows: rows.Read, Encoded: rows.Encoded, Rejected: rows.Read - rows.Encoded,
		StandInDates: res.StandInDates, StandInRows: res.StandInRows,
		YearOnlyDays: res.YearOnlyDays, YearOnlyRows: res.YearOnlyRows, PartialDates: res.PartialDates,
		CrowdedPostcodes: res.CrowdedPostcodes, CrowdedPostcodeRows: res.CrowdedPostcodeRows}
	issues := map[string]map[string]int64{}
	for _, counts := range []map[string]map[string]int64{rows.Rejects, res.FieldIssues} {
		for field, reasons := range counts {
			if issues[field] == nil {
				issues[field] = map[string]int64{}
			}
			for reason, n := range reasons {
				issues[field][reason] += n
			}
		}
	}
	for _, field := range sortedKeys(issues) {
		reasons := issues[field]
		var total int64
		var parts []string
		for _, reason := range sortedKeys(reasons) {
			total += reasons[reason]
			parts = append(parts, fmt.Sprintf("%s %d", reason, reasons[reason]))
		}
		if rows.Read > 0 {
			sr.Unusable = append(sr.Unusable, fmt.Sprintf("%s: unusable on %d of %d rows (%.1f%%: %s)", field, total, rows.Read, 100*float64(total)/float64(rows.Read), strings.Join(parts, ", ")))
		}
	}
	return sr, nil
}

// noDataRows reports whether the extract has a header and nothing else
// (a template is worth checking too; tokenize would refuse it).
func noDataRows(m *Mapping, o CheckOptions) (bool, error) {
	topts := table.Options{Format: o.Format, BatchSize: 1}
	if m != nil {
		topts.Delimiter = m.DelimiterRune()
	}
	in, err := table.Open(o.Extract, topts)
	if err != nil {
		return false, err
	}
	defer in.Close()
	if _, err := in.Next(); err == io.EOF {
		return true, nil
	}
	return false, nil // a malformed first row is reported by the sample run
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
	if sr := r.Sample; sr != nil && sr.Rows == 0 {
		fmt.Fprintln(w, "sample: the extract has no data rows (header only); tokenize would refuse it")
	} else if sr != nil {
		fmt.Fprintf(w, "sample OK: the first %d rows tokenize (%d encoded, %d rejected; nothing kept)\n", sr.Rows, sr.Encoded, sr.Rejected)
		for _, u := range sr.Unusable {
			fmt.Fprintf(w, "  %s\n", u)
		}
		if sr.StandInDates > 0 {
			fmt.Fprintf(w, "  %d rows share %s of birth held more than %d times as often as the days around: a stand-in for an unknown date, read as missing (name it in the mapping's missing_values)\n",
				sr.StandInRows, plural(sr.StandInDates, "a date", fmt.Sprintf("%d dates", sr.StandInDates)), standInFactor)
		}
		if len(sr.YearOnlyDays) > 0 {
			fmt.Fprintf(w, "  %d rows hold a date on the %s far more often than the days around it, over many years: a date known only to its year, read as the year alone\n", sr.YearOnlyRows, dayNames(sr.YearOnlyDays))
		}
		if sr.PartialDates > 0 {
			fmt.Fprintf(w, "  %d rows hold a date of birth known only to the month or the year: kept as a partial date (the rules on the whole date leave it out)\n", sr.PartialDates)
		}
		if sr.CrowdedPostcodes > 0 {
			fmt.Fprintf(w, "  %d rows share %s held by at least %.0f%% of the rows, more than an address houses: an office or a stand-in? (name it in the mapping's missing_values)\n",
				sr.CrowdedPostcodeRows, plural(sr.CrowdedPostcodes, "a postcode", fmt.Sprintf("%d postcodes", sr.CrowdedPostcodes)), 100*postcodeWarnShare)
		}
	}
}
