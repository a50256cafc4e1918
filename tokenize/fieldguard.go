package tokenize

import (
	"fmt"
	"strings"

	"github.com/pprl/pprl/internal/exitcode"
)

// DefaultMaxFieldRejectRate is the share of rows on which one field may hold
// a value that cannot be used (present, but not a date in the declared
// formats, an unmapped sex code, a CHI with a wrong check digit...) before
// Tokenize refuses the extract.
const DefaultMaxFieldRejectRate = 0.5

// checkFields refuses (input error, nothing written) an extract in which a
// field is unusable on more than max of its rows: almost always a mapping
// that does not fit the extract (a date format, a sex code list, the wrong
// column), which would otherwise leave every rule that needs the field null
// and the CLK without it, and exit 0. Blank values do not count: an agency
// may simply not hold a field for many people. encoded and rejected are the
// per-field reason counts of encoded and of rejected rows.
func checkFields(encoded, rejected map[string]map[string]int64, rows int64, max float64) error {
	if max < 0 || rows == 0 {
		return nil
	}
	var bad []string
	fields := map[string]bool{}
	for f := range encoded {
		fields[f] = true
	}
	for f := range rejected {
		fields[f] = true
	}
	for _, f := range sortedKeys(fields) {
		if f == FieldRecord {
			continue
		}
		n := int64(0)
		reasons := map[string]int64{}
		for _, c := range []map[string]map[string]int64{encoded, rejected} {
			for r, k := range c[f] {
				if r == string(ReasonMissing) {
					continue
				}
				n += k
				reasons[r] += k
			}
		}
		if share := float64(n) / float64(rows); share > max {
			top := ""
			for _, r := range sortedKeys(reasons) {
				if top == "" || reasons[r] > reasons[top] {
					top = r
				}
			}
			bad = append(bad, fmt.Sprintf("%s is unusable on %d of %d rows (%.1f%%, mostly %s): %s", f, n, rows, 100*share, top, likelyCause(Reason(top))))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return exitcode.Inputf("%s; nothing was written. 'pprl schema check --mapping ...' shows which formats and codes fit a sample of the extract; --max-field-reject-rate %g is the limit",
		strings.Join(bad, "; "), max)
}

// likelyCause says what usually makes a field unusable for this reason.
func likelyCause(r Reason) string {
	switch r {
	case ReasonInvalidFormat, ReasonInvalidDate:
		return "the input mapping's date_formats (or the column's type) do not match the extract"
	case ReasonUnmappedCode:
		return "the input mapping's sex_codes do not list the extract's codes"
	case ReasonCheckDigit, ReasonTestRange, ReasonImplausible:
		return "the column mapped to this field holds other numbers"
	case ReasonFuture:
		return "dates read with day and month swapped, or a wrong century"
	case ReasonPlaceholder:
		return "the column holds stand-in values"
	}
	return "check the input mapping for this field"
}
