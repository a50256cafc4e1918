package tokenize

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// nativePlan binds a native spec and mapping to an extract's header.
func nativePlan(s *Spec, m *Mapping, idColumn string, header []string, secret []byte, created time.Time, standIns *standInDates) (*plan, error) {
	if m == nil {
		m = DefaultMapping(s, header, idColumn)
		if err := checkDefaultMapping(s, m, header); err != nil {
			return nil, err
		}
	} else if err := m.Validate(s); err != nil {
		return nil, err
	}
	b, err := m.Bind(s, header)
	if err != nil {
		return nil, err
	}
	ref, ok := NewDate(created.Year(), int(created.Month()), created.Day())
	if !ok {
		return nil, fmt.Errorf("tokenize: reference date %s out of range", created.Format(time.DateOnly))
	}
	norm, err := newRowNormaliser(s, m, b, ref, standIns)
	if err != nil {
		return nil, err
	}
	rules, err := compileRules(s, secret)
	if err != nil {
		return nil, err
	}
	attrs := compileAttributes(s)
	var clk *clkEncoder
	bits := s.OutputBits()
	if hasCLKField(s) {
		if clk, err = compileCLK(s, secret); err != nil {
			return nil, err
		}
	}
	p := &plan{
		clkBits:    bits,
		rules:      s.RuleNames(),
		ruleFields: s.RuleFields(),
		family:     s.FamilyRules(),
		unordered:  s.UnorderedRules(),
		clkFields:  s.CLKFields(),
		attributes: s.AttributeNames(),
		idCol:      b.RecordID,
		idColName:  b.RecordIDName,
	}
	p.newWorker = func() (batchEncoder, error) {
		w := &nativeWorker{norm: norm, rules: rules.newHasher(), nrules: len(s.Rules), attrs: attrs,
			row: newNormalisedRow(len(s.Fields)), clkBytes: bits / 8, fields: s.Fields}
		if clk != nil {
			w.clk = clk.clone()
		}
		return w, nil
	}
	return p, nil
}

func hasCLKField(s *Spec) bool {
	for _, f := range s.Fields {
		if f.CLK != nil {
			return true
		}
	}
	return false
}

// nativeWorker normalises and encodes batches for one goroutine.
type nativeWorker struct {
	norm     *rowNormaliser
	clk      *clkEncoder // nil when no field enters the CLK (all-zero CLKs)
	rules    *tokenHasher
	nrules   int
	attrs    []attribute
	row      *normalisedRow
	clkBytes int
	fields   []FieldSpec
}

func (w *nativeWorker) encodeBatch(j *job) error {
	j.reset(w.nrules, len(w.attrs))
	idCol := w.norm.idCol
	for i, raw := range j.batch.Rows {
		rowNum := j.batch.FirstRow + int64(i)
		id, ok := j.recordID(raw, idCol, rowNum)
		if !ok {
			continue
		}
		row := w.row
		w.norm.normalise(raw, row)
		if !w.norm.usable(row) {
			for f, r := range row.reasons {
				if r != "" {
					j.rejects = append(j.rejects, rejectEntry{row: rowNum, field: w.fields[f].Name, reason: r, rejected: true})
				}
			}
			j.reject(rowNum, FieldRecord, ReasonNoNameOrDOB)
			continue
		}
		if fi := w.norm.foreIdx; fi >= 0 {
			surname := ""
			if si := w.norm.surIdx; si >= 0 {
				surname = row.vals[si]
			}
			j.mapping.add(row.vals[fi], surname, row.sex)
		}
		if !row.dob.IsZero() {
			j.dobs = append(j.dobs, row.dob)
			j.dobRows = append(j.dobRows, rowNum)
		}
		if pi := w.norm.pcIdx; pi >= 0 && row.vals[pi] != "" {
			j.pcs = append(j.pcs, postcodeKey(row.vals[pi]))
			j.pcRows = append(j.pcRows, rowNum)
		}
		for f, r := range row.reasons {
			if r != "" && r != ReasonMissing {
				j.rejects = append(j.rejects, rejectEntry{row: rowNum, field: w.fields[f].Name, reason: r})
			}
		}
		if w.clk != nil {
			var err error
			if j.clks, err = w.clk.encode(j.clks, row.vals); err != nil {
				return fmt.Errorf("row %d: %w", rowNum, err)
			}
		} else {
			j.clks = append(j.clks, make([]byte, w.clkBytes)...)
		}
		for r := 0; r < w.nrules; r++ {
			var ok bool
			n := len(j.toks[r])
			j.toks[r], ok = w.rules.token(j.toks[r], r, row.vals)
			if !ok {
				j.toks[r] = append(j.toks[r][:n], zeroToken[:]...) // null; bytes unused
			}
			j.tokValid[r] = append(j.tokValid[r], ok)
		}
		for a := range w.attrs {
			v, _ := w.attrs[a].value(row.vals)
			j.attrs[a] = append(j.attrs[a], v)
		}
		j.ids = append(j.ids, id)
	}
	return nil
}

var zeroToken [TokenBytes]byte

// recordID returns row rowNum's record ID: the trimmed value of column idCol,
// or the row number when the extract has no ID column. A blank or over-long
// ID rejects the row (false). IDs taken from a column are remembered (as
// hashes) for the duplicate check.
func (j *job) recordID(raw []string, idCol int, rowNum int64) (string, bool) {
	if idCol < 0 {
		return strconv.FormatInt(rowNum, 10), true
	}
	id := strings.TrimSpace(raw[idCol])
	switch {
	case id == "":
		j.reject(rowNum, FieldRecordID, ReasonMissing)
		return "", false
	case len(id) > MaxRecordIDBytes:
		j.reject(rowNum, FieldRecordID, ReasonTooLong)
		return "", false
	}
	j.idHashes = append(j.idHashes, hashID(id))
	return id, true
}

// reject records a rejected row with its row-level reason.
func (j *job) reject(row int64, field string, r Reason) {
	j.rejects = append(j.rejects, rejectEntry{row: row, field: field, reason: r, rejected: true})
	j.rejected++
}
