package linkage

import (
	"cmp"
	"encoding/binary"
	"math/bits"
	"slices"
)

// ExactStats reports what the exact token joins did.
type ExactStats struct {
	Pairs          int64 // rule agreements found (a pair agreeing on two rules counts twice)
	SkippedBlocks  int64 // token values shared by more than MaxBlock records on one side
	SkippedRecords int64 // records in those blocks (both sides)
	// SkippedRules has bit r set when rule r skipped a block: only then
	// may a pair agree on rule r without the join having set its bit.
	SkippedRules uint16
}

// tokenEntry is a token (TokenBytes = 8 bytes of an HMAC output, so
// uniformly distributed) and the record it belongs to.
type tokenEntry struct {
	key uint64
	idx uint32
}

// tokenEntries returns rule r's tokens of d as entries sorted by (key,
// record).
func tokenEntries(d *Dataset, r int) []tokenEntry {
	es := make([]tokenEntry, 0, d.Len())
	toks, valid := d.Tokens[r], d.Valid[r]
	for i := range d.Len() {
		if valid[i] {
			es = append(es, tokenEntry{binary.LittleEndian.Uint64(toks[i*TokenBytes:]), uint32(i)})
		}
	}
	radixSortEntries(es)
	return es
}

// radixSortEntries sorts entries built in record order by (key, record).
//
// Keys are HMAC prefixes, uniformly spread, so the order is settled almost
// everywhere by the top bits: an LSD radix sort on only the top
// entryTopBits(n) bits (two or three 11-bit digits, about four times as
// many values as entries) leaves out of order only entries whose keys share
// those bits, a few per hundred, which one insertion pass then puts right.
// Both steps are stable, so records of one key stay in record order, as a
// stable sort by key leaves them. Sorting on every digit (six passes) was a
// fifth of a Scotland-sized match, repeated for every pair of datasets. Keys
// that are not spread (not HMACs) would make the insertion pass quadratic:
// past a budget of moves it stops, and a comparison sort by (key, record)
// finishes the job.
func radixSortEntries(es []tokenEntry) {
	byKeyThenRecord := func(x, y tokenEntry) int {
		return cmp.Or(cmp.Compare(x.key, y.key), cmp.Compare(x.idx, y.idx))
	}
	if len(es) < 256 {
		slices.SortFunc(es, byKeyThenRecord)
		return
	}
	const digit = 11
	const mask = 1<<digit - 1
	top := entryTopBits(len(es))
	src, dst := es, make([]tokenEntry, len(es))
	var count [1 << digit]int
	first := uint(0) // all 64 bits: six digits from the lowest
	if top < 64 {
		first = 64 - top
	}
	for shift := first; shift < 64; shift += digit {
		clear(count[:])
		for _, e := range src {
			count[(e.key>>shift)&mask]++
		}
		sum := 0
		for i, c := range count {
			count[i] = sum
			sum += c
		}
		for _, e := range src {
			d := (e.key >> shift) & mask
			dst[count[d]] = e
			count[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &es[0] {
		copy(es, src)
	}
	if top < 64 && !insertionSortEntries(es, 8*len(es)) {
		slices.SortFunc(es, byKeyThenRecord)
	}
}

// entryTopBits is how many top key bits radixSortEntries sorts n entries
// on: whole 11-bit digits spanning at least 4n values, or all 64 bits.
func entryTopBits(n int) uint {
	b := (uint(bits.Len(uint(4*n))) + 10) / 11 * 11
	return min(b, 64)
}

// insertionSortEntries sorts es by key, stably, moving at most budget
// entries; it reports false, with es in some order, when the budget ran out.
func insertionSortEntries(es []tokenEntry, budget int) bool {
	for i := 1; i < len(es); i++ {
		e := es[i]
		j := i
		for j > 0 && es[j-1].key > e.key {
			es[j] = es[j-1]
			j--
			budget--
		}
		es[j] = e
		if budget < 0 {
			return false
		}
	}
	return true
}

// exactJoin finds every pair of records (a in A, b in B) that agree on the
// token of some rule, as Pairs with the Rules mask set and And filled in.
// Null tokens never join. A token value held by more than maxBlock records
// on either side (a placeholder such as a default date of birth, or a very
// common name) is skipped and counted, because it would create a quadratic
// block of mostly wrong pairs; those records still meet through the
// similarity search. When self is true (A == B, deduplication) only a < b
// pairs are made.
func exactJoin(A, B *Dataset, self bool, maxBlock int) ([]Pair, ExactStats) {
	// Rules are joined in parallel, each into its own list; the lists are
	// concatenated in rule order, so the result does not depend on the
	// number of workers.
	perRule := make([][]Pair, len(A.Rules))
	stats := make([]ExactStats, len(A.Rules))
	parallelFor(len(A.Rules), 1, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			perRule[r], stats[r] = joinRule(A, B, self, maxBlock, r)
		}
	})
	return finishExact(A, B, perRule, stats)
}

// finishExact merges one dataset pair's per-rule lists (in rule order) into
// its exact pairs, sorted by (A, B) with the rule masks OR-ed and each
// pair's And count, and sums the rules' counts.
func finishExact(A, B *Dataset, perRule [][]Pair, stats []ExactStats) ([]Pair, ExactStats) {
	var st ExactStats
	total := 0
	for r := range perRule {
		st.Pairs += stats[r].Pairs
		st.SkippedBlocks += stats[r].SkippedBlocks
		st.SkippedRecords += stats[r].SkippedRecords
		st.SkippedRules |= stats[r].SkippedRules
		total += len(perRule[r])
	}
	out := make([]Pair, 0, total)
	for _, ps := range perRule {
		out = append(out, ps...)
	}
	out = sortMergePairs(out)
	parallelFor(len(out), 1<<14, func(lo, hi int) {
		for k := lo; k < hi; k++ {
			p := &out[k]
			p.And = uint16(andPopcount(A.CLK(int(p.A)), B.CLK(int(p.B))))
		}
	})
	return out, st
}

// exactResult is one dataset pair's exact joins, made ahead of its search.
type exactResult struct {
	pairs []Pair
	stats ExactStats
}

// exactJoinAll runs the exact joins of every dataset pair (pairs[k] is
// datasets (da, db); da == db deduplicates), rule by rule: each dataset's
// entries for a rule are built and sorted once and joined against every
// dataset it is paired with, instead of once per pair (four times per rule
// for each of four agencies). Only the entries of the rules in progress
// are held (16 bytes a record per rule and worker). The results are those
// of exactJoin on each pair.
func exactJoinAll(datasets []*Dataset, pairs [][2]int, maxBlock int) []exactResult {
	if len(datasets) == 0 {
		return nil
	}
	rules := len(datasets[0].Rules)
	perRule := make([][][]Pair, len(pairs)) // [pair][rule]
	stats := make([][]ExactStats, len(pairs))
	for k := range pairs {
		perRule[k], stats[k] = make([][]Pair, rules), make([]ExactStats, rules)
	}
	parallelFor(rules, 1, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			entries := make([][]tokenEntry, len(datasets))
			of := func(d int) []tokenEntry {
				if entries[d] == nil {
					entries[d] = tokenEntries(datasets[d], r)
				}
				return entries[d]
			}
			for k, p := range pairs {
				perRule[k][r], stats[k][r] = joinEntries(of(p[0]), of(p[1]), p[0] == p[1], maxBlock, r)
			}
		}
	})
	out := make([]exactResult, len(pairs))
	for k, p := range pairs {
		out[k].pairs, out[k].stats = finishExact(datasets[p[0]], datasets[p[1]], perRule[k], stats[k])
		perRule[k] = nil
	}
	return out
}

// joinRule is exactJoin for rule r alone: its pairs (Rules set to r's bit,
// in the order of the sorted tokens) and counts.
func joinRule(A, B *Dataset, self bool, maxBlock, r int) ([]Pair, ExactStats) {
	ea := tokenEntries(A, r)
	eb := ea
	if !self {
		eb = tokenEntries(B, r)
	}
	return joinEntries(ea, eb, self, maxBlock, r)
}

// joinEntries is joinRule on the two sides' sorted entries (the same
// entries when self).
func joinEntries(ea, eb []tokenEntry, self bool, maxBlock, r int) ([]Pair, ExactStats) {
	var st ExactStats
	var out []Pair
	bit := uint16(1) << r
	i, j := 0, 0
	for i < len(ea) && j < len(eb) {
		ka, kb := ea[i].key, eb[j].key
		if ka < kb {
			i++
			continue
		}
		if kb < ka {
			j++
			continue
		}
		i2, j2 := i, j
		for i2 < len(ea) && ea[i2].key == ka {
			i2++
		}
		for j2 < len(eb) && eb[j2].key == ka {
			j2++
		}
		if i2-i > maxBlock || j2-j > maxBlock {
			st.SkippedBlocks++
			st.SkippedRules |= bit
			st.SkippedRecords += int64(i2 - i)
			if !self {
				st.SkippedRecords += int64(j2 - j)
			}
			i, j = i2, j2
			continue
		}
		for x := i; x < i2; x++ {
			a := ea[x].idx
			for y := j; y < j2; y++ {
				b := eb[y].idx
				if self && b <= a {
					continue
				}
				out = append(out, Pair{A: a, B: b, Rules: bit})
				st.Pairs++
			}
		}
		i, j = i2, j2
	}
	return out, st
}
