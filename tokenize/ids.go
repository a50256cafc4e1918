package tokenize

import (
	"hash/maphash"
	"io"
	"slices"
	"strings"

	"github.com/pprl/pprl/internal/exitcode"
	"github.com/pprl/pprl/internal/table"
)

// MaxRecordIDBytes is the longest record ID accepted; a longer one rejects
// the row (field record_id, reason too_long).
const MaxRecordIDBytes = 256

// idSeed keys the record ID hashes of one process.
var idSeed = maphash.MakeSeed()

func hashID(id string) uint64 { return maphash.String(idSeed, id) }

// idSet collects 64-bit hashes of record IDs to find duplicates at the end
// of a run: 8 bytes per row, sorted once. A duplicate hash is confirmed by
// re-reading the ID column (duplicateRows) before it is reported, so a hash
// collision (odds about n²/2⁶⁵) cannot fail a good extract.
type idSet struct{ h []uint64 }

func (s *idSet) add(h []uint64) { s.h = append(s.h, h...) }

// duplicates returns the hashes that occur more than once (sorting s).
func (s *idSet) duplicates() []uint64 {
	slices.Sort(s.h)
	var d []uint64
	for i := 1; i < len(s.h); i++ {
		if s.h[i] == s.h[i-1] && (len(d) == 0 || d[len(d)-1] != s.h[i]) {
			d = append(d, s.h[i])
		}
	}
	return d
}

// duplicateRows re-reads the record ID column of input and returns the
// first two rows with equal IDs among those whose hash is in dups, or ok =
// false when the equal hashes were collisions.
func duplicateRows(in table.Reader, col int, dups []uint64) (first, second int64, ok bool, err error) {
	want := make(map[uint64]bool, len(dups))
	for _, h := range dups {
		want[h] = true
	}
	type seen struct {
		row int64
		id  string
	}
	rows := map[uint64][]seen{}
	for {
		b, err := in.Next()
		if err == io.EOF {
			return 0, 0, false, nil
		}
		if err != nil {
			return 0, 0, false, err
		}
		for i, rec := range b.Rows {
			id := strings.TrimSpace(rec[col])
			h := hashID(id)
			if id == "" || !want[h] {
				continue
			}
			row := b.FirstRow + int64(i)
			for _, s := range rows[h] {
				if s.id == id {
					return s.row, row, true, nil
				}
			}
			rows[h] = append(rows[h], seen{row, id})
		}
	}
}

// checkDuplicateIDs returns an input error naming the first two rows that
// share a record ID (never the ID), or nil.
func checkDuplicateIDs(s *idSet, o *Options, col int, colName string) error {
	dups := s.duplicates()
	if len(dups) == 0 {
		return nil
	}
	topts := table.Options{Format: o.Format}
	if o.Mapping != nil {
		topts.Delimiter = o.Mapping.DelimiterRune()
	}
	in, err := table.Open(o.Input, topts)
	if err != nil {
		return err
	}
	defer in.Close()
	first, second, ok, err := duplicateRows(in, col, dups)
	if err != nil {
		return err
	}
	if !ok {
		return nil
	}
	return exitcode.Inputf("rows %d and %d have the same record ID (column %q): record IDs must be unique within an extract; remove the duplicate rows or choose another ID column",
		first, second, colName)
}
