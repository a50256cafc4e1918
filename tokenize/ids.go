package tokenize

import (
	"hash/maphash"
	"io"
	"math/bits"
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

// idFilterBlocks is the number of 512-bit blocks of the duplicate filter:
// 32 MiB whatever the input's size, of which the OS backs only the pages
// touched (a small extract touches few).
const idFilterBlocks = 1 << 19

// idSet finds duplicate record IDs in one pass with memory that does not
// grow with the input: a blocked Bloom filter (Putze et al.) of 64-bit
// record ID hashes, 7 bits in one cache line per ID. An ID whose bits are
// all set already is a candidate duplicate; candidates are confirmed (or
// dismissed as filter false positives) by re-reading the ID column
// (duplicateRows). A true duplicate is always a candidate. Up to about 5M
// rows a clean extract rarely produces a single candidate; at 10M, about a
// thousand (each costs nothing but the re-read).
type idSet struct {
	words      []uint64 // idFilterBlocks × 8 words
	candidates map[uint64]bool
	// stored has a bit per 4 KiB page of words: set once the page has been
	// written. A page's first access is made a store (add): had it been the
	// load that tests the bits, the kernel would map the shared zero page,
	// and the store after it would copy that page and flush the TLB of
	// every core the process runs on (do_wp_page; 5% of the CPU of a
	// clkhash-schema tokenize, nearly all of it those flushes).
	stored []uint64
}

// idPageBlocks is the number of 64-byte blocks in a 4 KiB page.
const idPageBlocks = 4096 / 64

func (s *idSet) add(hs []uint64) {
	if len(hs) == 0 {
		return
	}
	if s.words == nil {
		s.words = make([]uint64, idFilterBlocks*8)
		s.candidates = map[uint64]bool{}
		s.stored = make([]uint64, idFilterBlocks/idPageBlocks/64)
	}
	for _, h := range hs {
		b := h & (idFilterBlocks - 1)
		blk := s.words[b*8:][:8]
		if pg := b / idPageBlocks; s.stored[pg/64]&(1<<(pg%64)) == 0 {
			s.stored[pg/64] |= 1 << (pg % 64)
			blk[0] = 0 // the page is still all zero: this only makes the first touch a store
		}
		// Bit positions come from a second mix of h, independent of the
		// block index bits.
		g := bits.RotateLeft64(h*0x9e3779b97f4a7c15, 31)
		all := true
		for i := 0; i < 7; i++ {
			p := g & 511
			g >>= 9
			w, m := p>>6, uint64(1)<<(p&63)
			if blk[w]&m == 0 {
				all = false
				blk[w] |= m
			}
		}
		if all {
			s.candidates[h] = true
		}
	}
}

// duplicateRows re-reads the record ID column of input and returns the
// first two rows with equal IDs among those whose hash is in want, or ok =
// false when there are none (the candidates were filter false positives).
func duplicateRows(in table.Reader, col int, want map[uint64]bool) (first, second int64, ok bool, err error) {
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
	if len(s.candidates) == 0 {
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
	first, second, ok, err := duplicateRows(in, col, s.candidates)
	if err != nil {
		return err
	}
	if !ok {
		return nil
	}
	return exitcode.Inputf("rows %d and %d have the same record ID (column %q): record IDs must be unique within an extract; remove the duplicate rows or choose another ID column",
		first, second, colName)
}
