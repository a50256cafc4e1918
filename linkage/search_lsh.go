package linkage

import (
	"math/bits"
	"runtime"
	"sync"

	"github.com/pprl/pprl/bloom"
)

// The blocked similarity search: gather, sort, compare.
//
// A query meets a few hundred records of B across its bands, scattered over
// B's CLKs. Comparing each as it is met (the first version of this search)
// made every comparison a cache miss on B's filters and on a per-query
// visited stamp: at a million records per side it managed 4.5M comparisons
// per second per core, a fifth of a microsecond each. So the search works
// a chunk of queries at a time, in three stages:
//
//  1. gather: band by band, look up every query of the chunk (a band's
//     directory stays in cache for the whole chunk) and append one key per
//     (query, member) met: b<<16 | query offset;
//  2. sort the keys (radix): duplicates (a pair meeting in several bands)
//     become adjacent, and B's records are then visited in ascending
//     order, which the hardware prefetcher follows;
//  3. compare: each distinct pair that the exact joins did not already find
//     and that passes the popcount bound is listed, and the listed pairs'
//     And counts are computed a thousand at a time by one kernel call that
//     prefetches the filters of the pairs ahead (one call a pair waited on
//     each pair's scattered filters: at a million records 30 ns a pair).
//
// Invariants: a chunk's queries are fewer than 1<<16 (the offset field);
// the found pairs of a chunk are sorted by (A, B) and chunks cover A in
// order, so their concatenation is sorted; counts are of distinct pairs, as
// the first version counted them (the reference in search_reference_test.go
// is checked pair for pair and count for count).

// lshGatherTarget is the number of keys a chunk of queries aims to gather
// (32 MiB). Chunks are large on purpose: a band's directory is read once
// per query at a random place, and only when a chunk holds about as many
// queries as the directory has cache lines do those reads hit cache (at a
// million records a chunk of 1,024 queries missed on every lookup, 60% of
// the search time; 14,000 reuse the lines). The chunk is also capped so
// that every core gets several chunks, and below 1<<16 (the offset field).
const lshGatherTarget = 4 << 20

// lshChunkSize returns the queries per chunk for a plan over nB records.
func lshChunkSize(nA, nB int, plan LSHPlan) int {
	perQuery := float64(plan.Bands) * (float64(nB)*plan.RandomCollision + 1)
	chunk := int(min(max(lshGatherTarget/perQuery, 1024), 1<<16-1))
	return min(chunk, max(1024, nA/(4*runtime.GOMAXPROCS(0))))
}

// lshMaxGather bounds the keys gathered for one chunk (128 MiB); a chunk
// that would exceed it (huge buckets) is split in halves.
var lshMaxGather = 16 << 20

// searchLSH runs the blocked search of A against B under plan, for the
// queries (records of A) in opt.Shard's span.
func searchLSH(A, B *Dataset, self bool, opt SearchOptions, plan LSHPlan, ex exactIndex) ([][]Pair, searchWork) {
	bands := make([]*lshBand, plan.Bands)
	parallelFor(len(bands), 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			bands[i] = buildBand(B, plan.Positions[i])
		}
	})
	qlo, qhi := opt.Shard.span(A.Len())
	nq := qhi - qlo
	chunk := lshChunkSize(nq, B.Len(), plan)
	results := make([][]Pair, (nq+chunk-1)/chunk)
	var total searchWork
	var mu sync.Mutex
	parallelChunks(nq, chunk, func() *lshScratch { return &lshScratch{} }, func(s *lshScratch, c, lo, hi int) {
		l := lshQueries{A: A, B: B, self: self, opt: opt, bands: bands, ex: ex}
		out := l.run(s, qlo+lo, qlo+hi, nil)
		results[c] = out
		mu.Lock()
		total.add(l.work)
		if opt.Progress != nil {
			opt.Progress(hi - lo)
		}
		mu.Unlock()
	})
	return results, total
}

// lshQueries is one worker's view of the search: what a chunk needs, and
// the work it counted.
type lshQueries struct {
	A, B  *Dataset
	self  bool
	opt   SearchOptions
	bands []*lshBand
	ex    exactIndex
	work  searchWork
}

// lshScratch is a worker's reusable buffers: gathered keys and radix
// scratch, one band's query keys and their radix scratch, the queries'
// exact-partner masks, and compare's batch.
type lshScratch struct {
	keys, buf, qkeys, qbuf, exact []uint64
	bandKeys                      []uint32 // one band's keys of the chunk's queries
	ia, ib                        []uint32 // compare's batch of pairs
	and                           []uint16 // and their And counts
}

// run searches queries [lo, hi) and appends their pairs, sorted by (A, B),
// to out.
func (l *lshQueries) run(s *lshScratch, lo, hi int, out []Pair) []Pair {
	keys, skipped, ok := l.gather(s, lo, hi)
	s.keys = keys
	if !ok {
		mid := lo + (hi-lo)/2
		out = l.run(s, lo, mid, out)
		return l.run(s, mid, hi, out)
	}
	l.work.skipped += skipped
	s.buf = radixSortU64(keys, s.buf)
	first := len(out)
	s.exact = l.ex.masks(lo, hi, s.exact)
	out = l.compare(s, keys, lo, s.exact, out)
	radixSortPairs(out[first:])
	return out
}

// gather appends b<<16 | (a-lo) for every member b of every bucket that
// query a in [lo, hi) meets. It reports false, having stopped early, when
// the keys would exceed lshMaxGather and the range can still be split.
//
// Per band, the chunk's query keys are sorted first and looked up in
// ascending order, so the band's directory and record lists are read as a
// forward stream instead of at random: at a million records the random
// lookups missed cache every time and were 60% of the search.
func (l *lshQueries) gather(s *lshScratch, lo, hi int) ([]uint64, int64, bool) {
	var skipped int64
	keys := s.keys[:0]
	w := l.A.Width
	for _, bd := range l.bands {
		s.bandKeys = bd.keysOf(s.bandKeys[:0], l.A.CLKs[lo*w:hi*w])
		qk := s.qkeys[:0]
		for off, k := range s.bandKeys {
			qk = append(qk, uint64(k)<<16|uint64(off))
		}
		s.qbuf = radixSortU64From(qk, s.qbuf, 16) // built in offset order
		s.qkeys = qk
		for _, e := range qk {
			members := bd.bucket(uint32(e >> 16))
			if len(members) == 0 {
				continue
			}
			if len(members) > l.opt.MaxBucket {
				skipped++
				continue
			}
			off := e & 0xffff
			if l.self {
				members = membersAbove(members, uint32(lo+int(off)))
			}
			for _, b := range members {
				keys = append(keys, uint64(b)<<16|off)
			}
		}
		if len(keys) > lshMaxGather && hi-lo > 1 {
			return keys, 0, false
		}
	}
	return keys, skipped, true
}

// membersAbove returns the members greater than a (members are sorted).
func membersAbove(members []uint32, a uint32) []uint32 {
	i, j := 0, len(members)
	for i < j {
		h := int(uint(i+j) >> 1)
		if members[h] <= a {
			i = h + 1
		} else {
			j = h
		}
	}
	return members[i:]
}

// compareBatch is the number of pairs compare gathers before it computes
// their And counts in one call (bloom.AndPopcountPairs): enough for the
// kernel's prefetching to run ahead, few enough that the lists stay in L1.
const compareBatch = 1024

// compare walks the sorted keys and appends every distinct pair that is
// not an exact pair, passes the popcount bound and reaches the Dice floor;
// exact[a-lo] is query a's exact-partner mask. It works in batches: the
// pairs that pass the filters are listed, their And counts computed by one
// kernel call, and the pairs at the floor appended in key order.
func (l *lshQueries) compare(s *lshScratch, keys []uint64, lo int, exact []uint64, out []Pair) []Pair {
	if s.ia == nil {
		s.ia, s.ib, s.and = make([]uint32, 0, compareBatch), make([]uint32, 0, compareBatch), make([]uint16, compareBatch)
	}
	ia, ib := s.ia[:0], s.ib[:0]
	flush := func() {
		and := s.and[:len(ia)]
		bloom.AndPopcountPairs(l.A.CLKs, l.B.CLKs, l.A.Width, ia, ib, and)
		for k, n := range and {
			a, b := int(ia[k]), ib[k]
			if dice(int(n), l.A.Popcount(a), int(l.B.pop[b])) >= l.opt.MinDice {
				out = append(out, Pair{A: uint32(a), B: b, And: n})
			}
		}
		ia, ib = ia[:0], ib[:0]
	}
	prev := ^uint64(0)
	for _, k := range keys {
		if k == prev {
			continue
		}
		prev = k
		a := lo + int(k&0xffff)
		b := uint32(k >> 16)
		if exact[a-lo]>>(b&63)&1 != 0 && l.ex.has(a, b) {
			continue
		}
		pa, pb := l.A.Popcount(a), int(l.B.pop[b])
		plo, phi := popBounds(pa, l.opt.MinDice)
		if pb < plo || pb > phi {
			l.work.pruned++
			continue
		}
		l.work.compared++
		ia, ib = append(ia, uint32(a)), append(ib, b)
		if len(ia) == compareBatch {
			flush()
		}
	}
	flush()
	return out
}

// radixSortU64 sorts keys ascending with an LSD radix sort on 11- or
// 12-bit digits (2,048 or 4,096 counters: the scatter's destinations stay
// in cache), skipping digits that are constant across the slice; buf is
// scratch space, grown as needed and returned for reuse.
func radixSortU64(keys, buf []uint64) []uint64 { return radixSortU64From(keys, buf, 0) }

// radixSortU64From is radixSortU64 for keys already in ascending order of
// their bits below from: only the bits from there up are sorted on (LSD
// passes are stable).
//
// The digit is 11 bits unless 12 bits take one pass fewer over the span of
// varying bits: the LSH gather's keys (a 20-bit record and a 14-bit query
// offset, 16 bits apart at a million records) take three 12-bit passes
// where 11-bit digits took four, 19% less time for four million keys.
func radixSortU64From(keys, buf []uint64, from uint) []uint64 {
	if cap(buf) < len(keys) {
		buf = make([]uint64, len(keys))
	}
	buf = buf[:len(keys)]
	if len(keys) < 2 {
		return buf
	}
	var or, and uint64 = 0, ^uint64(0)
	for _, k := range keys {
		or |= k
		and &= k
	}
	varying := (or &^ and) >> from << from
	if varying == 0 {
		return buf
	}
	lo, hi := uint(bits.TrailingZeros64(varying)), uint(bits.Len64(varying))
	digit := uint(11)
	if span := hi - lo; (span+11)/12 < (span+10)/11 {
		digit = 12
	}
	mask := uint64(1)<<digit - 1
	src, dst := keys, buf
	var counts [1 << 12]int
	count := counts[:1<<digit]
	for shift := lo; shift < hi; shift += digit {
		if (varying>>shift)&mask == 0 {
			continue
		}
		clear(count)
		for _, k := range src {
			count[(k>>shift)&mask]++
		}
		sum := 0
		for i, c := range count {
			count[i] = sum
			sum += c
		}
		for _, k := range src {
			d := (k >> shift) & mask
			dst[count[d]] = k
			count[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &keys[0] {
		copy(keys, src)
	}
	return buf
}
