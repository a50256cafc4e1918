package linkage

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"sync"

	"github.com/pprl/pprl/bloom"
)

// The exhaustive similarity search: every pair inside the popcount bound
// has its Dice computed, by the one-against-many kernel over contiguous
// filters.
//
// Both sides are copied into popcountSorted order, so the records a query
// can reach (popBounds) are one contiguous range of slots. Queries are taken
// in chunks of exhaustiveChunk, and the union of their ranges is walked in
// blocks of exhaustiveBlock slots: each block (256 KiB of 1024-bit filters)
// is loaded into cache once and compared against every query of the chunk
// whose range it meets, so the kernel runs from cache instead of from
// memory. Between datasets a chunk is consecutive records of A (their
// ranges overlap widely: a popcount bound spans about half the popcounts
// either way), so the worker sorts the chunk's pairs in cache and the
// chunks, in order, are the sorted output; on dense filters, where a fifth
// of all pairs are candidates, one global sort of them cost more than the
// Dice kernel. Deduplication (self) takes chunks of consecutive slots and
// for each query slot only the slots after it (each unordered pair once),
// and sorts the pairs once at the end.
//
// Invariants: the found pairs are exactly the reference search's (every
// pair with Dice ≥ MinDice that no exact join found); the popcount bound is
// conservative, so which side's bound is applied does not change them; the
// output is sorted by (A, B) whatever the chunking and the shard.

const (
	exhaustiveChunk = 128  // queries per chunk
	exhaustiveBlock = 2048 // target slots per kernel call
)

// popcountSorted is a dataset's filters as 64-bit words, in ascending
// popcount order (stable: equal popcounts keep record order).
type popcountSorted struct {
	words int      // words per filter
	data  []uint64 // slot s is data[s·words : (s+1)·words]
	pop   []uint16 // popcount of slot s, ascending
	id    []uint32 // record index of slot s
	slot  []uint32 // slot of record i: slot[id[s]] == s
	first []int    // first[p]: first slot with popcount ≥ p, for p ≤ maxPop+1
}

func newPopcountSorted(d *Dataset) *popcountSorted {
	n, w := d.Len(), d.Width/8
	maxPop := d.Width * 8
	s := &popcountSorted{words: w, data: make([]uint64, n*w), pop: make([]uint16, n),
		id: make([]uint32, n), slot: make([]uint32, n), first: make([]int, maxPop+2)}
	// Counting sort by popcount: first[p+1] counts records of popcount p.
	for i := range n {
		s.first[d.pop[i]+1]++
	}
	for p := 1; p < len(s.first); p++ {
		s.first[p] += s.first[p-1]
	}
	fill := make([]int, maxPop+1)
	copy(fill, s.first)
	for i := range n {
		p := d.pop[i]
		sl := fill[p]
		fill[p]++
		s.pop[sl], s.id[sl], s.slot[i] = p, uint32(i), uint32(sl)
	}
	parallelFor(n, 1<<14, func(lo, hi int) {
		for sl := lo; sl < hi; sl++ {
			clk := d.CLK(int(s.id[sl]))
			row := s.data[sl*w : (sl+1)*w]
			for j := range row {
				row[j] = binary.LittleEndian.Uint64(clk[j*8:])
			}
		}
	})
	return s
}

// slots returns the slots [lo, hi) whose popcount is within [pLo, pHi].
func (s *popcountSorted) slots(pLo, pHi int) (int, int) {
	maxPop := len(s.first) - 2
	pLo, pHi = min(max(pLo, 0), maxPop+1), min(max(pHi+1, 0), maxPop+1)
	return s.first[pLo], s.first[pHi]
}

// reach returns the slots of b that query slot i of a is compared with.
func reach(a, b *popcountSorted, i int, self bool, t float64) (int, int) {
	lo, hi := b.slots(popBounds(int(a.pop[i]), t))
	if self {
		lo = max(lo, i+1)
	}
	return lo, max(lo, hi)
}

// searchExhaustive compares every pair of A and B within the popcount
// bound, for the query slots in opt.Shard's span. It returns the span's
// candidates, the pairs found and those of the exact pairs whose query slot
// is in the span, sorted by (A, B); and those exact pairs alone.
func searchExhaustive(A, B *Dataset, self bool, opt SearchOptions, ex exactIndex) (found, owned []Pair, work searchWork) {
	sb := newPopcountSorted(B)
	sa := sb
	if !self {
		sa = newPopcountSorted(A)
	}
	t := opt.MinDice
	// A pair can only reach t when 2·and ≥ t·(pa+pb). need, the least
	// And that can, is recomputed when pb changes (rarely: slots are in
	// popcount order) with a margin far above rounding error, so almost
	// every pair is rejected by one integer comparison and the exact test
	// (dice, as the reference computes it) decides the rest.
	pre := t * (1 - 1e-9)
	w := sb.words
	qlo, qhi := opt.Shard.span(A.Len())
	nq := qhi - qlo
	results := make([][]Pair, (nq+exhaustiveChunk-1)/exhaustiveChunk)
	evaluated := make([]int64, len(results))
	var progressMu sync.Mutex
	type scratch struct {
		out    []uint32
		lo, hi []int
		// acc collects a chunk's pairs and tmp is sortChunk's scratch
		// (between datasets): both are reused, chunk after chunk, so that
		// only each chunk's sorted pairs are allocated, once.
		acc, tmp []Pair
	}
	// query maps the q-th query of the span to its slot: between datasets
	// queries are taken in record order, so that each chunk's pairs, sorted
	// in the chunk, follow the previous chunk's; within one, in slot order
	// (each unordered pair once: the slots after the query's).
	query := func(q int) int {
		if self {
			return q
		}
		return int(sa.slot[q])
	}
	parallelChunks(nq, exhaustiveChunk, func() *scratch {
		return &scratch{out: make([]uint32, exhaustiveBlock), lo: make([]int, exhaustiveChunk), hi: make([]int, exhaustiveChunk)}
	}, func(s *scratch, c, clo, chi int) {
		qlo, qhi := qlo+clo, qlo+chi
		found := s.acc[:0]
		var n int64
		spanLo, spanHi := sb.Len(), 0
		for q := qlo; q < qhi; q++ {
			lo, hi := reach(sa, sb, query(q), self, t)
			s.lo[q-qlo], s.hi[q-qlo] = lo, hi
			if lo < hi {
				spanLo, spanHi = min(spanLo, lo), max(spanHi, hi)
			}
		}
		for bs := spanLo; bs < spanHi; bs += exhaustiveBlock {
			be := min(bs+exhaustiveBlock, spanHi)
			for q := qlo; q < qhi; q++ {
				lo, hi := max(s.lo[q-qlo], bs), min(s.hi[q-qlo], be)
				if lo >= hi {
					continue
				}
				i := query(q)
				out := s.out[:hi-lo]
				bloom.AndPopcountMany(sa.data[i*w:(i+1)*w], sb.data[lo*w:hi*w], out)
				n += int64(hi - lo)
				pa := int(sa.pop[i])
				pb, need := -1, uint32(0)
				for k, and := range out {
					if p := int(sb.pop[lo+k]); p != pb { // slots are in popcount order: rare
						pb, need = p, uint32(max(pre*float64(pa+p)/2, 0))
					}
					if and < need || dice(int(and), pa, pb) < t {
						continue
					}
					x, y := sa.id[i], sb.id[lo+k]
					if self && x > y {
						x, y = y, x
					}
					if ex.has(int(x), y) {
						continue
					}
					found = append(found, Pair{A: x, B: y, And: uint16(and)})
				}
			}
		}
		s.acc = found
		if self {
			found = slices.Clone(found)
		} else {
			found, s.tmp = sortChunk(found, uint32(qlo), uint32(sb.Len()), s.tmp)
		}
		results[c], evaluated[c] = found, n
		if opt.Progress != nil {
			progressMu.Lock()
			opt.Progress(qhi - qlo)
			progressMu.Unlock()
		}
	})

	// Counts as the reference search keeps them: distinct pairs compared
	// that no exact join found, and pairs neither compared nor exact.
	var kernel int64
	for _, n := range evaluated {
		kernel += n
	}
	exactCompared := int64(0)
	for _, p := range ex.pairs {
		x, y := int(sa.slot[p.A]), int(sb.slot[p.B])
		if self && x > y {
			x, y = y, x
		}
		if q := x; !self && (int(p.A) < qlo || int(p.A) >= qhi) || self && (q < qlo || q >= qhi) {
			continue
		}
		owned = append(owned, p)
		if lo, hi := reach(sa, sb, x, self, t); y >= lo && y < hi {
			exactCompared++
		}
	}
	// The pairs of the span's queries: all of B each, or within a dataset
	// the slots after each query's.
	space := int64(nq) * int64(B.Len())
	if self {
		n := int64(A.Len())
		space = (n-1-int64(qlo))*(n-int64(qlo))/2 - (n-1-int64(qhi))*(n-int64(qhi))/2
	}
	work = searchWork{compared: kernel - exactCompared}
	work.pruned = space - kernel - (int64(len(owned)) - exactCompared)
	if !self {
		// Chunks are consecutive queries in record order, each sorted.
		return mergeDisjoint(owned, results), owned, work
	}
	// The exact pairs are one more run: a single sort merges them in.
	return sortedRuns(append(results, owned)), owned, work
}

// sortChunk returns one chunk's pairs, whose A are at least base and whose
// B are below nB, sorted by (A, B) in a new slice of their length: an LSD
// radix sort on the key (A−base)·2^bB + B in sortDigitBits digits, over a
// chunk's few hundred thousand pairs that stay in cache, whose last pass
// writes the new slice. ps is left in any order; tmp is scratch, returned
// (grown) for the next chunk.
func sortChunk(ps []Pair, base, nB uint32, tmp []Pair) (sorted, scratch []Pair) {
	out := make([]Pair, len(ps))
	if len(ps) < 2 {
		copy(out, ps)
		return out, tmp
	}
	var maxA uint32
	for _, p := range ps {
		maxA = max(maxA, p.A-base)
	}
	bB := uint(bits.Len32(nB))
	keyBits := bB + uint(bits.Len32(maxA))
	passes := int((keyBits + sortDigitBits - 1) / sortDigitBits)
	if cap(tmp) < len(ps) {
		tmp = make([]Pair, len(ps))
	}
	src, dst := ps, tmp[:len(ps)]
	const mask = 1<<sortDigitBits - 1
	var count [1 << sortDigitBits]int32
	for k := range passes {
		shift := uint(k) * sortDigitBits
		if k == passes-1 {
			dst = out
		}
		clear(count[:])
		for _, p := range src {
			count[(uint64(p.A-base)<<bB|uint64(p.B))>>shift&mask]++
		}
		sum := int32(0)
		for i, c := range count {
			count[i] = sum
			sum += c
		}
		for _, p := range src {
			d := (uint64(p.A-base)<<bB | uint64(p.B)) >> shift & mask
			dst[count[d]] = p
			count[d]++
		}
		src, dst = dst, src
	}
	return out, tmp
}

// Len returns the number of filters.
func (s *popcountSorted) Len() int { return len(s.pop) }
