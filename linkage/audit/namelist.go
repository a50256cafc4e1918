package audit

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pprl/pprl/internal/exitcode"
)

// NameList is a plaintext name-frequency list: the attacker's background
// knowledge (a public register, a baby-names table, or, in an audit, the
// agency's own frequency table). Names are normalised with NormaliseName and
// merged; the list is sorted by descending count, then by name.
type NameList struct {
	Names  []string
	Counts []int64
}

// Len returns the number of distinct names.
func (l *NameList) Len() int { return len(l.Names) }

// Total returns the sum of the counts.
func (l *NameList) Total() int64 {
	var t int64
	for _, c := range l.Counts {
		t += c
	}
	return t
}

// NormaliseName is the normalisation the attack assumes the encoder applied:
// lower case, surrounding space trimmed, inner runs of space collapsed.
func NormaliseName(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

// maxNameListRows bounds a name list, so that a wrong file (e.g. an extract
// passed by mistake) fails fast instead of exhausting memory.
const maxNameListRows = 5_000_000

// ReadNameList parses a name-frequency CSV. The first row is a header naming
// the columns; the list needs a name column ("name", "forename",
// "given_name", "first_name" or "surname") and a "count" column (also
// accepted: "frequency", "n"). Other columns are ignored. Counts are
// non-negative integers; names are normalised with NormaliseName, empty
// names are skipped and repeated names are summed. Errors name the row and
// column, never the value.
func ReadNameList(r io.Reader) (*NameList, error) {
	lists, err := readLists(r, false)
	if err != nil {
		return nil, err
	}
	return lists[""], nil
}

// ReadCombinedNameList parses a single list holding both fields: a header
// with a "field" column (values "forename" or "surname", also "given_name",
// "first_name", "last_name", case-insensitive), a "name" column and a "count"
// column.
func ReadCombinedNameList(r io.Reader) (forenames, surnames *NameList, err error) {
	lists, err := readLists(r, true)
	if err != nil {
		return nil, nil, err
	}
	return lists["forename"], lists["surname"], nil
}

func readLists(r io.Reader, combined bool) (map[string]*NameList, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, exitcode.Inputf("name list is empty: want a header row such as name,count")
	}
	if err != nil {
		return nil, exitcode.Inputf("name list header: %w", csvErr(err))
	}
	header = append([]string(nil), header...) // ReuseRecord: the next Read overwrites it
	nameCol, countCol, fieldCol := -1, -1, -1
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch h {
		case "name", "forename", "given_name", "first_name", "surname", "last_name", "value":
			if nameCol < 0 {
				nameCol = i
			}
		case "count", "frequency", "freq", "n":
			if countCol < 0 {
				countCol = i
			}
		case "field":
			fieldCol = i
		}
	}
	if nameCol < 0 || countCol < 0 {
		return nil, exitcode.Inputf("name list header must have a name column and a count column (e.g. name,count)")
	}
	if combined && fieldCol < 0 {
		return nil, exitcode.Inputf("combined name list header must have a field column (field,name,count)")
	}
	sums := map[string]map[string]int64{}
	for row := 1; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, exitcode.Inputf("name list row %d: %w", row, csvErr(err))
		}
		if row > maxNameListRows {
			return nil, exitcode.Inputf("name list has more than %d rows", maxNameListRows)
		}
		if len(rec) <= nameCol || len(rec) <= countCol || (combined && len(rec) <= fieldCol) {
			return nil, exitcode.Inputf("name list row %d: has %d columns, header has %d", row, len(rec), len(header))
		}
		if !utf8.ValidString(rec[nameCol]) {
			return nil, exitcode.Inputf("name list row %d, column %q: not valid UTF-8", row, header[nameCol])
		}
		c, err := strconv.ParseInt(strings.TrimSpace(rec[countCol]), 10, 64)
		if err != nil || c < 0 || c > 1<<40 {
			return nil, exitcode.Inputf("name list row %d, column %q: count is not a non-negative integer", row, header[countCol])
		}
		field := ""
		if combined {
			switch strings.ToLower(strings.TrimSpace(rec[fieldCol])) {
			case "forename", "given_name", "first_name", "firstname", "given":
				field = "forename"
			case "surname", "last_name", "lastname", "family_name":
				field = "surname"
			default:
				return nil, exitcode.Inputf("name list row %d, column %q: field must be forename or surname", row, header[fieldCol])
			}
		}
		name := NormaliseName(rec[nameCol])
		if name == "" || c == 0 {
			continue
		}
		if sums[field] == nil {
			sums[field] = map[string]int64{}
		}
		sums[field][name] += c
	}
	out := map[string]*NameList{}
	fields := []string{""}
	if combined {
		fields = []string{"forename", "surname"}
	}
	for _, f := range fields {
		if len(sums[f]) == 0 {
			what := "name list"
			if f != "" {
				what = "combined name list: field " + f
			}
			return nil, exitcode.Inputf("%s has no names with a positive count", what)
		}
		out[f] = newNameList(sums[f])
	}
	return out, nil
}

// csvErr drops the offending text from an encoding/csv error: a ParseError's
// message carries only positions, but be explicit about it.
func csvErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("line %d, column %d: %w", pe.Line, pe.Column, pe.Err)
	}
	return errors.New("unreadable CSV")
}

func newNameList(sums map[string]int64) *NameList {
	l := &NameList{Names: make([]string, 0, len(sums))}
	for n := range sums {
		l.Names = append(l.Names, n)
	}
	sort.Slice(l.Names, func(i, j int) bool {
		a, b := sums[l.Names[i]], sums[l.Names[j]]
		if a != b {
			return a > b
		}
		return l.Names[i] < l.Names[j]
	})
	l.Counts = make([]int64, len(l.Names))
	for i, n := range l.Names {
		l.Counts[i] = sums[n]
	}
	return l
}

// NameListFromCounts builds a NameList from a name → count map (names are
// normalised and merged; non-positive counts are dropped).
func NameListFromCounts(counts map[string]int64) *NameList {
	sums := map[string]int64{}
	for n, c := range counts {
		if n = NormaliseName(n); n != "" && c > 0 {
			sums[n] += c
		}
	}
	return newNameList(sums)
}
