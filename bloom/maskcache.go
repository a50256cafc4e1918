package bloom

// maskCache remembers, for each recently seen token of one field, the filter
// words its k positions set, as one mask of the filter's width. Where a
// field sets many bits a token (clkhash schemas use 20), OR-ing the mask
// into the filter word by word is cheaper than setting k bits one at a time,
// each a read-modify-write of a word chosen at random; the bits set are the
// same. It serves fields whose k is fixed (BitsPerToken), so that a token's
// mask does not depend on its place in the value.
//
// Like posCache it keys short messages by a packed word and longer ones by
// string, and empties itself when full: memory is bounded at about
// maxMaskEntries masks of the filter's width (1 MiB at 1024 bits) per field
// and Encoder.
type maskCache struct {
	small packedTable[cacheEntry] // cacheEntry.start: the mask's first word in arena
	idx   map[string]uint32
	arena []uint64
	pos   []uint32 // scratch for the positions a new mask is built from
	msg   [maxPacked]byte
}

const (
	// maxMaskEntries bounds the masks a maskCache holds.
	maxMaskEntries = 1 << 13
	// maskMinBits is the number of bits a token sets from which a field
	// uses masks. Measured through pprl tokenize: the clkhash schema of
	// match_febrl4_clkhash.txt (k = 20, 1024 bits) on 525,000 FEBRL rows
	// took 2.7-2.8 s of CPU with positions and 1.9-2.1 s with masks; the
	// native starter spec (k = 8 and 6, names salted with the year, so
	// many more distinct tokens) took more with masks (user CPU 8.6-8.8 s
	// against 9.1-9.4 s on a million rows), so it keeps positions.
	maskMinBits = 16
)

// mask returns the filter words (width of them) that msg's first k
// positions set, from the cache or from h. The result aliases the cache
// until the next call.
func (c *maskCache) mask(h Hasher, msg []byte, k, width int) []uint64 {
	if len(msg) <= maxPacked {
		return c.maskPacked(h, packMessage(msg), k, width)
	}
	if start, ok := c.idx[string(msg)]; ok {
		return c.arena[start : int(start)+width]
	}
	start := c.build(h, msg, k, width)
	if c.idx == nil {
		c.idx = make(map[string]uint32)
	}
	c.idx[string(msg)] = start
	return c.arena[start : int(start)+width]
}

// maskPacked is mask for the message packMessage packed into key.
func (c *maskCache) maskPacked(h Hasher, key uint64, k, width int) []uint64 {
	if e, ok := c.small.get(key); ok {
		return c.arena[e.start : int(e.start)+width]
	}
	start := c.build(h, unpackMessage(&c.msg, key), k, width)
	c.small.put(key, cacheEntry{start: start})
	return c.arena[start : int(start)+width]
}

// build adds msg's mask to the arena, first emptying a full cache, and
// returns its first word's index.
func (c *maskCache) build(h Hasher, msg []byte, k, width int) uint32 {
	if len(c.idx)+c.small.len() >= maxMaskEntries {
		clear(c.idx)
		c.small.clear()
		c.arena = c.arena[:0]
	}
	start := len(c.arena)
	c.arena = append(c.arena, make([]uint64, width)...)
	m := c.arena[start : start+width]
	c.pos = h.AppendPositions(c.pos[:0], msg, k)
	for _, p := range c.pos {
		m[p>>6] |= 1 << (p&63 ^ 63) // bit p: bit 7-p%8 of byte p/8
	}
	return uint32(start)
}

// orMasks sets dst |= each mask of width len(dst) that starts at
// arena[s] for s in starts: one AVX-512 call for 1024-bit filters where
// the CPU has it (the filter held in registers, two loads a mask), orWords
// mask by mask otherwise.
func orMasks(dst, arena []uint64, starts []uint32) {
	if len(starts) == 0 {
		return
	}
	if useAVX512 && len(dst) == 16 {
		for _, s := range starts {
			_ = arena[int(s)+15] // every mask lies in the arena
		}
		orMasks1024AVX512(&arena[0], &starts[0], len(starts), &dst[0])
		return
	}
	for _, s := range starts {
		orWords(dst, arena[s:int(s)+len(dst)])
	}
}

// orWords sets dst |= src word by word (len(src) == len(dst)); 1024-bit
// filters, the common width, take an unrolled path without bounds checks.
//
//go:norace
func orWords(dst, src []uint64) {
	if len(dst) == 16 && len(src) == 16 {
		d, s := (*[16]uint64)(dst), (*[16]uint64)(src)
		d[0] |= s[0]
		d[1] |= s[1]
		d[2] |= s[2]
		d[3] |= s[3]
		d[4] |= s[4]
		d[5] |= s[5]
		d[6] |= s[6]
		d[7] |= s[7]
		d[8] |= s[8]
		d[9] |= s[9]
		d[10] |= s[10]
		d[11] |= s[11]
		d[12] |= s[12]
		d[13] |= s[13]
		d[14] |= s[14]
		d[15] |= s[15]
		return
	}
	for w := range dst {
		dst[w] |= src[w]
	}
}
