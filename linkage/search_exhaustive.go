package linkage

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"sync"

	"github.com/pprl/pprl/bloom"
)

// The exhaustive similarity search: every pair inside the popcount bound
// has its Dice computed, by the one-against-many kernel over filters
// interleaved in groups of eight (bloom.Filters).
//
// Both sides are copied into popcountSorted order, so the records a query
// can reach (popBounds) are one contiguous range of slots. Queries are taken
// in chunks of exhaustiveChunk, and the union of their ranges is walked in
// blocks of exhaustiveBlock slots: each block (256 KiB of 1024-bit filters)
// is loaded into cache once and compared against every query of the chunk
// whose range it meets, so the kernel runs from cache instead of from
// memory. Between datasets a chunk is consecutive records of A (their
// ranges overlap widely: a popcount bound spans about half the popcounts
// either way), so the worker keeps each query's pairs apart, sorts them by
// record while they are in cache, and writes the chunk, in chunk order,
// straight into the output (orderedPairs); on dense filters, where a fifth
// of all pairs are candidates, one global sort of them cost more than the
// Dice kernel, and a second copy of them a third of the search. The Dice
// test is a table of And-count cutoffs by popcount sum (cutoffs), one
// comparison per pair, applied inside the kernel (on 1024-bit filters with
// AVX-512, counts, test and packing of the found filters in one pass).
// Deduplication (self) takes chunks of consecutive slots and for each query
// slot only the slots after it (each unordered pair once), and sorts the
// pairs once at the end.
//
// Invariants: the found pairs are exactly the reference search's (every
// pair with Dice ≥ MinDice that no exact join found); the popcount bound is
// conservative, so which side's bound is applied does not change them; the
// output is sorted by (A, B) whatever the chunking and the shard.

const (
	exhaustiveChunk = 128  // queries per chunk
	exhaustiveBlock = 2048 // target slots per kernel call
	// perQueryRoom bounds the keys a query's buffer is made for before its
	// search (128 KiB); a query that finds more grows it as it goes.
	perQueryRoom = 1 << 14
)

// popcountSorted is a dataset's filters in ascending popcount order
// (stable: equal popcounts keep record order), or in record order
// (inRecordOrder) where the popcount bound would spare few pairs, stored
// interleaved in groups of eight (bloom.Filters: the one-against-many
// kernel counts eight filters a vector with no shuffle); slot s is the
// interleaved filter s, whose id is its record index.
type popcountSorted struct {
	// inRecordOrder: slot s is record s, and every query reaches every
	// slot. Scanned in this order, a query's found filters come out sorted
	// by record, with no sort; comparing the pairs the bound would have
	// spared changes nothing found, as a pair outside the bound cannot
	// reach its cutoff.
	inRecordOrder bool
	x             *bloom.Filters
	slot          []uint32 // slot of record i
	first         []int    // first[p]: first slot with popcount ≥ p, for p ≤ maxPop+1
}

func newPopcountSorted(d *Dataset, inRecordOrder bool) *popcountSorted {
	n, w := d.Len(), d.Width/8
	maxPop := d.Width * 8
	s := &popcountSorted{inRecordOrder: inRecordOrder, x: bloom.NewFilters(w, n),
		slot: make([]uint32, n), first: make([]int, maxPop+2)}
	// Counting sort by popcount: first[p+1] counts records of popcount p.
	for i := range n {
		s.first[d.pop[i]+1]++
	}
	for p := 1; p < len(s.first); p++ {
		s.first[p] += s.first[p-1]
	}
	fill := make([]int, maxPop+1)
	copy(fill, s.first)
	id := make([]uint32, n) // record of slot s
	for i := range n {
		p := d.pop[i]
		sl := i
		if !inRecordOrder {
			sl = fill[p]
			fill[p]++
		}
		s.slot[i], id[sl] = uint32(sl), uint32(i)
	}
	// Slots are set a whole group of eight per goroutine (Filters.Set).
	parallelFor((n+7)/8, 1<<11, func(glo, ghi int) {
		row := make([]uint64, w)
		for sl := glo * 8; sl < min(ghi*8, n); sl++ {
			clk := d.CLK(int(id[sl]))
			for j := range row {
				row[j] = binary.LittleEndian.Uint64(clk[j*8:])
			}
			s.x.Set(sl, row, id[sl])
		}
	})
	return s
}

// pop returns slot s's popcount.
func (s *popcountSorted) pop(sl int) int { return s.x.Popcount(sl) }

// id returns slot s's record.
func (s *popcountSorted) id(sl int) uint32 { return s.x.ID(sl) }

// slots returns the slots [lo, hi) whose popcount is within [pLo, pHi].
func (s *popcountSorted) slots(pLo, pHi int) (int, int) {
	maxPop := len(s.first) - 2
	pLo, pHi = min(max(pLo, 0), maxPop+1), min(max(pHi+1, 0), maxPop+1)
	return s.first[pLo], s.first[pHi]
}

// reach returns the slots of b that query slot i of a is compared with.
func reach(a, b *popcountSorted, i int, self bool, t float64) (int, int) {
	lo, hi := 0, b.Len()
	if !b.inRecordOrder {
		lo, hi = b.slots(popBounds(a.pop(i), t))
	}
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
	inRecordOrder := boundSpares(A, B, opt.MinDice) < minSpared
	sb := newPopcountSorted(B, inRecordOrder)
	sa := sb
	if !self {
		sa = newPopcountSorted(A, inRecordOrder)
	}
	t := opt.MinDice
	w := sb.x.Words()
	qlo, qhi := opt.Shard.span(A.Len())
	nq := qhi - qlo
	bB := uint(bits.Len32(uint32(sb.Len())))
	cut := cutoffs(t, 8*(A.Width+B.Width))
	nchunks := (nq + exhaustiveChunk - 1) / exhaustiveChunk
	results := make([][]Pair, nchunks)                           // within one dataset
	out := newOrderedPairs(nq, int(ex.start[qhi]-ex.start[qlo])) // between datasets
	evaluated := make([]int64, nchunks)
	var progressMu sync.Mutex
	// query maps the q-th query of the span to its slot: between datasets
	// queries are taken in record order, so that each chunk's pairs, sorted
	// query by query, follow the previous chunk's; within one, in slot order
	// (each unordered pair once: the slots after the query's).
	query := func(q int) int {
		if self {
			return q
		}
		return int(sa.slot[q])
	}
	parallelChunks(nq, exhaustiveChunk, func() *exhaustiveScratch {
		return &exhaustiveScratch{lo: make([]int, exhaustiveChunk), hi: make([]int, exhaustiveChunk),
			perQuery: make([][]uint64, exhaustiveChunk), words: make([]uint64, exhaustiveChunk*w)}
	}, func(s *exhaustiveScratch, c, clo, chi int) {
		qlo, qhi := qlo+clo, qlo+chi
		found := s.acc[:0]
		var n int64
		spanLo, spanHi := sb.Len(), 0
		for q := qlo; q < qhi; q++ {
			lo, hi := reach(sa, sb, query(q), self, t)
			s.lo[q-qlo], s.hi[q-qlo] = lo, hi
			// Room for the query's keys at once (up to perQueryRoom), so
			// the kernel's calls, block by block, do not grow it by copies.
			if want := min(hi-lo, perQueryRoom) + 32; !self && cap(s.perQuery[q-qlo]) < want {
				s.perQuery[q-qlo] = make([]uint64, 0, want)
			}
			sa.x.Row(s.words[(q-qlo)*w:(q-qlo)*w], query(q))
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
				qw := s.words[(q-qlo)*w : (q-qlo+1)*w]
				n += int64(hi - lo)
				cut := cut[sa.pop(i):]
				if !self {
					s.perQuery[q-qlo] = sb.x.AppendAtLeast(s.perQuery[q-qlo], qw, lo, hi, cut)
					continue
				}
				s.keys = sb.x.AppendAtLeast(s.keys[:0], qw, lo, hi, cut)
				for _, k := range s.keys {
					x, y := sa.id(i), uint32(k>>16)
					if x > y {
						x, y = y, x
					}
					if !ex.has(int(x), y) {
						found = append(found, Pair{A: x, B: y, And: uint16(k)})
					}
				}
			}
		}
		if self {
			s.acc = found
			results[c] = slices.Clone(found)
		} else {
			s.writeChunk(out, c, qlo, qhi, bB, sb.inRecordOrder, ex)
		}
		evaluated[c] = n
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
		return out.result(), owned, work
	}
	// The exact pairs are one more run: a single sort merges them in.
	return sortedRuns(append(results, owned)), owned, work
}

// exhaustiveScratch is one worker's buffers, reused chunk after chunk, so
// that only each chunk's sorted pairs are allocated, once.
type exhaustiveScratch struct {
	lo, hi []int // each query's reach
	// perQuery collects each query's found filters between datasets, as
	// packed keys (bloom.AppendAtLeast); keys one block's, within one
	// dataset.
	perQuery  [][]uint64
	keys, tmp []uint64 // tmp is sortKeys' scratch
	words     []uint64 // the chunk's queries, words each
	acc       []Pair   // a chunk's pairs, within one dataset
}

// cutoffs returns, for every popcount sum s = pa+pb up to maxSum, the least
// And count with which two filters reach Dice t as dice computes it (dice
// depends on the sum alone), or s+1, which no pair reaches, when none
// does. dice is increasing in the And count, so "and ≥ cutoffs[pa+pb]" is
// exactly the reference's "dice ≥ t": one table load and one integer
// comparison per pair.
func cutoffs(t float64, maxSum int) []uint32 {
	cut := make([]uint32, maxSum+1)
	for sum := range cut {
		a := min(max(int(t*float64(sum)/2)-1, 0), sum+1)
		for a <= sum && dice(a, sum, 0) < t {
			a++
		}
		cut[sum] = uint32(a)
	}
	return cut
}

// orderedPairs is the output of a search between datasets. Chunks of
// consecutive queries are finished by the workers in any order, and each is
// written, in chunk order, straight into the one output slice by the
// worker that found it, from its per-query keys while they are in cache:
// on dense filters, where a fifth of all pairs are candidates, keeping each
// chunk's keys until the end and copying them out cost a third of the
// search (a second allocation of 8 bytes a pair, zeroed, written and read
// again). A worker whose chunk is ready before the one before it waits for
// that one's turn; chunks are handed out in order (parallelChunks) and are
// of equal size, so the wait is short, and a worker never holds a chunk
// before the one it waits for, so it cannot deadlock.
type orderedPairs struct {
	mu   sync.Mutex
	turn *sync.Cond
	next int // the chunk whose turn it is to write

	// Written only by the chunk whose turn it is.
	pairs         []Pair
	queries, done int // queries in all, and those written
	exact         int // exact pairs of all the queries
}

func newOrderedPairs(queries, exact int) *orderedPairs {
	o := &orderedPairs{queries: queries, exact: exact}
	o.turn = sync.NewCond(&o.mu)
	return o
}

// write waits for chunk c's turn, then appends its n pairs, written by
// fill into the slice it is given, for queries queries.
func (o *orderedPairs) write(c, queries, n int, fill func(dst []Pair)) {
	o.mu.Lock()
	for o.next != c {
		o.turn.Wait()
	}
	o.mu.Unlock()
	o.grow(queries, n)
	k := len(o.pairs)
	o.pairs = o.pairs[:k+n]
	fill(o.pairs[k:])
	o.done += queries
	o.mu.Lock()
	o.next++
	o.turn.Broadcast()
	o.mu.Unlock()
}

// grow makes room for n more pairs. The slice is sized once, from the
// share of pairs per query found so far (a tenth over: queries in record
// order are alike), and grown again only if that falls short.
func (o *orderedPairs) grow(queries, n int) {
	need := len(o.pairs) + n
	if need <= cap(o.pairs) {
		return
	}
	est := need
	if done := o.done + queries; done > 0 && done < o.queries {
		est = max(need, int(float64(need-o.exact)/float64(done)*float64(o.queries)*1.1)+o.exact)
	}
	// make, not slices.Grow: memory fresh from the system is already zero
	// and make leaves it so, while Grow clears the whole new capacity,
	// touching every page of what the estimate reserves over the need
	// (--exhaustive on 20,000 × 20,000 FEBRL clkhash CLKs: peak RSS 2.55
	// -> 2.46 GB). Every pair is written before it is read.
	grown := make([]Pair, len(o.pairs), est)
	copy(grown, o.pairs)
	o.pairs = grown
}

// result returns the pairs written, or nil when there are none.
func (o *orderedPairs) result() []Pair {
	if len(o.pairs) == 0 {
		return nil
	}
	return o.pairs
}

// writeChunk writes the pairs of the chunk c of queries [qlo, qhi) of A
// (record indexes, in order) to out: each query's keys are sorted by
// record (bB bits) while they are in cache, unless they were found in
// record order (sorted); the pairs the exact joins found are dropped from
// them, and merged back in with the query's exact partners, sorted by B
// too. The per-query keys are emptied for the next chunk.
func (s *exhaustiveScratch) writeChunk(out *orderedPairs, c, qlo, qhi int, bB uint, sorted bool, ex exactIndex) {
	n := 0
	for q := qlo; q < qhi; q++ {
		keys := s.perQuery[q-qlo]
		if !sorted {
			keys, s.tmp = sortKeys(keys, s.tmp, 16, bB)
		}
		exact := ex.partners(q)
		kept := keys
		if len(exact) > 0 {
			kept = keys[:0]
			j := 0
			for _, k := range keys {
				b := uint32(k >> 16)
				for j < len(exact) && exact[j].B < b {
					j++
				}
				if j < len(exact) && exact[j].B == b {
					continue
				}
				kept = append(kept, k)
			}
		}
		s.perQuery[q-qlo] = kept
		n += len(kept) + len(exact)
	}
	out.write(c, qhi-qlo, n, func(dst []Pair) {
		for q := qlo; q < qhi; q++ {
			k := mergeKeys(dst, uint32(q), s.perQuery[q-qlo], ex.partners(q))
			dst = dst[k:]
			s.perQuery[q-qlo] = s.perQuery[q-qlo][:0]
		}
	})
}

// mergeKeys writes query a's pairs to dst, those of keys (sorted by B) and
// the disjoint exact pairs (sorted by B) in B order, and returns how many.
func mergeKeys(dst []Pair, a uint32, keys []uint64, exact []Pair) int {
	k := 0
	for _, e := range exact {
		for len(keys) > 0 && uint32(keys[0]>>16) < e.B {
			dst[k] = Pair{A: a, B: uint32(keys[0] >> 16), And: uint16(keys[0])}
			keys, k = keys[1:], k+1
		}
		dst[k] = e
		k++
	}
	pairsFromKeys(dst[k:k+len(keys)], a, keys)
	return k + len(keys)
}

// pairsFromKeysGo writes query a's pairs from its packed keys (B<<16 |
// And) to dst.
//
//go:norace
func pairsFromKeysGo(dst []Pair, a uint32, keys []uint64) {
	dst = dst[:len(keys)]
	for i, key := range keys {
		dst[i] = Pair{A: a, B: uint32(key >> 16), And: uint16(key)}
	}
}

// sortKeys sorts keys by their bits [shift, shift+width), which hold a
// record index that no two keys share: an LSD radix sort in byte digits
// for all but short lists, skipping the digits every key shares. It
// returns the sorted keys and the scratch, either of which may be the
// other's old backing array.
func sortKeys(keys, tmp []uint64, shift, width uint) (sorted, scratch []uint64) {
	if len(keys) < 64 {
		slices.Sort(keys)
		return keys, tmp
	}
	digits := int(width+7) / 8
	var count [4][256]int32
	for _, k := range keys {
		for d := range digits {
			count[d][k>>(shift+8*uint(d))&0xff]++
		}
	}
	if cap(tmp) < len(keys) {
		tmp = make([]uint64, len(keys))
	}
	src, dst := keys, tmp[:len(keys)]
	for d := range digits {
		c := &count[d]
		if c[src[0]>>(shift+8*uint(d))&0xff] == int32(len(src)) {
			continue // every key has this digit
		}
		sum := int32(0)
		for i, v := range c {
			c[i] = sum
			sum += v
		}
		sh := shift + 8*uint(d)
		for _, k := range src {
			x := k >> sh & 0xff
			dst[c[x]] = k
			c[x]++
		}
		src, dst = dst, src
	}
	return src, dst
}

// Len returns the number of filters.
func (s *popcountSorted) Len() int { return s.x.Len() }

// minSpared is the share of pairs the popcount bound must spare for the
// search to walk the filters in popcount order. Below it the filters are
// walked in record order: every pair is compared, but each query's found
// filters need no sort, which on dense filters (where the bound spares
// nothing and a fifth of the pairs are found) cost more than the kernel.
const minSpared = 0.25

// boundSpares returns the share of A×B's pairs that the popcount bound at
// Dice t excludes, from the two popcount histograms.
func boundSpares(A, B *Dataset, t float64) float64 {
	if A.Len() == 0 || B.Len() == 0 {
		return 0
	}
	maxPop := max(A.Width, B.Width) * 8
	countA := make([]int64, maxPop+1)
	cumB := make([]int64, maxPop+2) // cumB[p]: records of B with popcount < p
	for _, p := range A.pop {
		countA[p]++
	}
	for _, p := range B.pop {
		cumB[p+1]++
	}
	for p := 1; p < len(cumB); p++ {
		cumB[p] += cumB[p-1]
	}
	var reached int64
	for pa, n := range countA {
		if n == 0 {
			continue
		}
		lo, hi := popBounds(pa, t)
		lo, hi = min(lo, maxPop+1), min(hi+1, maxPop+1)
		reached += n * (cumB[hi] - cumB[lo])
	}
	total := float64(A.Len()) * float64(B.Len())
	return 1 - float64(reached)/total
}
