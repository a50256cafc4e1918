package bloom

import "slices"

// AppendAtLeast appends to dst a key for each filter of data whose And
// count with the query q reaches its cutoff, and returns the extended
// slice. data holds len(pops) filters of len(q) words back to back; pops[k]
// is filter k's popcount and ids[k] its record index. Filter k's And count
// c = popcount(q AND f) is kept when c ≥ cut[pops[k]] (a popcount past the
// table's end reads its last entry), as the key uint64(ids[k])<<16 | c, in
// filter order.
//
// It is a similarity search's inner loop: the caller tabulates, for its
// query's popcount, the least And count reaching a Dice floor for each
// popcount of the other filter, and one call compares the query with a
// block of filters and keeps those at or above the floor. On CPUs with
// AVX-512 VPOPCNTQ and 1024-bit filters the counts, the test and the
// packing run in one vector kernel, eight filters at a time; elsewhere the
// counts come from AndPopcountMany and the test is a branch-free loop.
// Filters are at most 65,472 bits (1,023 words: counts fit the key's low
// 16 bits); longer ones panic.
func AppendAtLeast(dst []uint64, q, data []uint64, pops []uint16, ids []uint32, cut []uint32) []uint64 {
	w, n := len(q), len(pops)
	if len(data) != w*n || len(ids) != n || len(cut) == 0 || w*64 > 0xffff {
		panic("bloom: AppendAtLeast with inconsistent lengths")
	}
	// The kernel stores whole vectors of 8 keys: room for n+8.
	dst = slices.Grow(dst, n+8)
	k := 0
	if useAVX512 && w == 16 && n >= 8 {
		groups := n / 8
		buf := dst[len(dst):cap(dst)]
		kept := andAtLeast1024AVX512(&q[0], &data[0], &pops[0], &ids[0], &cut[0], len(cut)-1, groups, &buf[0])
		dst = dst[:len(dst)+kept]
		k = groups * 8
	}
	return appendAtLeastPortable(dst, q, data[k*w:], pops[k:], ids[k:], cut)
}

// appendAtLeastPortable is AppendAtLeast over AndPopcountMany's counts, a
// stack block at a time. Each key is written and kept only when it passes:
// no branch to mispredict where a fifth of the filters pass.
//
//go:norace
func appendAtLeastPortable(dst []uint64, q, data []uint64, pops []uint16, ids []uint32, cut []uint32) []uint64 {
	const block = 256
	var counts [block]uint32
	w, last := len(q), len(cut)-1
	dst = slices.Grow(dst, len(pops))
	buf := dst[len(dst) : len(dst)+len(pops)]
	kept := 0
	for lo := 0; lo < len(pops); lo += block {
		hi := min(lo+block, len(pops))
		out := counts[:hi-lo]
		AndPopcountMany(q, data[lo*w:hi*w], out)
		for k, c := range out {
			buf[kept] = uint64(ids[lo+k])<<16 | uint64(c)
			if c >= cut[min(int(pops[lo+k]), last)] {
				kept++
			}
		}
	}
	return dst[:len(dst)+kept]
}
