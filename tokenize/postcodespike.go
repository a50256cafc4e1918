package tokenize

import (
	"cmp"
	"fmt"
	"log/slog"
	"slices"

	"github.com/pprl/pprl/internal/exitcode"
)

// Postcodes shared by far more rows than one address houses.
//
// A UK postcode covers about fifteen addresses, rarely more than a
// hundred. An extract in which one postcode holds a large share of the rows
// does not hold those people's addresses there: the mapping took the wrong
// column (the agency's own address on every row), or a system writes an
// office, a hospital or a "care of" address where the home is not known.
// Left in, every rule with the postcode (the starter spec's t5, t7, t12,
// t14, t15, t17) agrees between strangers who share the rest of it: on
// t17 (birthday, sex, postcode), two children born on one day.
//
// Tokenize counts the postcodes it encodes (in the workers, one map update
// a row) and, after the pass, refuses an extract in which one postcode
// holds at least half the encoded rows, and warns about each postcode that
// holds at least postcodeWarnShare of them, naming the first row holding
// it, never the value. Where such a postcode is a stand-in, the input
// mapping's missing_values names it and it is read as missing.

const (
	// postcodeMinRows is the fewest rows on one postcode that can make it
	// suspect: small extracts (a test file, a small agency) legitimately
	// hold a handful of rows at one address.
	postcodeMinRows = 100
	// postcodeRefuseShare is the share of the encoded rows on one postcode
	// from which the column is taken not to hold people's addresses.
	postcodeRefuseShare = 0.5
	// postcodeWarnShare is the share from which a postcode is reported.
	postcodeWarnShare = 0.01
)

// postcodeCount is one postcode's rows and the first of them.
type postcodeCount struct {
	n     int64
	first int64
}

// postcodeKey packs a canonical postcode (at most 8 bytes: "EH11 1YZ")
// into a map key, so that the tally holds no strings for the garbage
// collector to scan and hashes nothing: a tally of strings cost tokenize 5%
// of its CPU (a million health rows, 300,000 postcodes). A longer value,
// which the normaliser does not produce, is folded by FNV-1a.
func postcodeKey(pc string) uint64 {
	var k uint64
	if len(pc) <= 8 {
		for i := 0; i < len(pc); i++ {
			k |= uint64(pc[i]) << (8 * i)
		}
		return k
	}
	k = 14695981039346656037
	for i := 0; i < len(pc); i++ {
		k = (k ^ uint64(pc[i])) * 1099511628211
	}
	return k | 1<<63 // 8-byte keys of ASCII text have the top bit clear
}

// postcodeTally counts the encoded rows of each postcode. The zero value
// is empty.
type postcodeTally struct {
	m map[uint64]postcodeCount
}

// add counts postcodes by key (postcodeKey); rows[i] is the row number of
// keys[i].
func (t *postcodeTally) add(keys []uint64, rows []int64) {
	if len(keys) == 0 {
		return
	}
	if t.m == nil {
		t.m = map[uint64]postcodeCount{}
	}
	for i, k := range keys {
		c, ok := t.m[k]
		if !ok {
			c.first = rows[i]
		}
		c.n++
		c.first = min(c.first, rows[i])
		t.m[k] = c
	}
}

// merge adds o's counts to t.
func (t *postcodeTally) merge(o *postcodeTally) {
	for k, oc := range o.m {
		if t.m == nil {
			t.m = map[uint64]postcodeCount{}
		}
		c, ok := t.m[k]
		if !ok {
			t.m[k] = oc
			continue
		}
		c.n += oc.n
		c.first = min(c.first, oc.first)
		t.m[k] = c
	}
}

// crowded returns the counts of the postcodes holding at least share of
// encoded rows and at least postcodeMinRows, largest first (first row on
// ties), without the postcodes themselves.
func (t *postcodeTally) crowded(encoded int64, share float64) []postcodeCount {
	var out []postcodeCount
	for _, c := range t.m {
		if c.n >= postcodeMinRows && float64(c.n) >= share*float64(encoded) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b postcodeCount) int {
		return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.first, b.first))
	})
	return out
}

// postcodeField returns the index of the postcode among s's fields whose
// rows are counted: the postcode field named postcode, else the first
// postcode field, else -1.
func postcodeField(s *Spec) int {
	first := -1
	for i, f := range s.Fields {
		if f.Type != TypePostcode {
			continue
		}
		if f.Name == "postcode" {
			return i
		}
		if first < 0 {
			first = i
		}
	}
	return first
}

// checkPostcodes refuses an extract whose postcode column holds one value on
// at least half the encoded rows, and warns about postcodes held by at
// least postcodeWarnShare of them, which it returns. field names the
// postcode field.
func checkPostcodes(t *postcodeTally, encoded int64, field string, log *slog.Logger) ([]postcodeCount, error) {
	if encoded == 0 {
		return nil, nil
	}
	if top := t.crowded(encoded, postcodeRefuseShare); len(top) > 0 {
		c := top[0]
		return nil, exitcode.Inputf("field %s: %d of %d encoded rows (%.0f%%) hold one postcode (the first at row %d): the column does not hold people's addresses (the agency's own address, or an office written where the home is not known), and every rule with the postcode would link strangers. Map the column that holds home postcodes, or name the value in the input mapping's missing_values to read it as missing. Nothing was written",
			field, c.n, encoded, 100*float64(c.n)/float64(encoded), c.first)
	}
	warn := t.crowded(encoded, postcodeWarnShare)
	if len(warn) > 0 {
		c := warn[0]
		what := fmt.Sprintf("one postcode holds %d of %d encoded rows (%.1f%%; the first at row %d)", c.n, encoded, 100*float64(c.n)/float64(encoded), c.first)
		if len(warn) > 1 {
			what = fmt.Sprintf("%d postcodes each hold at least %.0f%% of the %d encoded rows (the largest %d rows, the first at row %d)", len(warn), 100*postcodeWarnShare, encoded, c.n, c.first)
		}
		log.Warn(fmt.Sprintf("tokenize: field %s: %s, more than an address houses: if it is an office, a hospital or a stand-in address, name it in the input mapping's missing_values, or rules with the postcode will link strangers who share it", field, what))
	}
	return warn, nil
}

// sumRows returns the rows the postcodes of cs hold.
func sumRows(cs []postcodeCount) int64 {
	var n int64
	for _, c := range cs {
		n += c.n
	}
	return n
}
