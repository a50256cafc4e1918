package bloom

import "math/bits"

// posCache remembers the positions of recently hashed tokens of one field.
// Names, dates and postcodes repeat the same few thousand n-grams, so most
// tokens are found here instead of costing a keyed hash (clkhash caches
// the same way). Entries live in one arena; when the cache is full it is
// emptied and refilled, which bounds memory at about maxCacheEntries ·
// (token + 4·k) bytes per field and Encoder.
//
// Messages of at most 7 bytes (a bigram salted with a year of birth is 7:
// the salt's length, the year, two letters; an unsalted bigram or a
// positional digit is shorter) are keyed by the message packed into a
// uint64 with its length in the top byte, and looked up in an
// open-addressing table of such words (packedTable): a few nanoseconds a
// lookup, where a Go map took about 24 and lookups were a fifth of the
// CLK's time. Longer messages are keyed by string in a map.
type posCache struct {
	small packedTable[cacheEntry]
	idx   map[string]cacheEntry
	arena []uint32
	msg   [maxPacked]byte // an unpacked message, for the hasher

	// inline holds the packed messages of up to inlineK positions in a
	// filter of up to 1<<16 bits (the native spec's: 6 or 8 bits a token)
	// with their positions in the slot (positionsInline), so that a hit
	// reads one cache line, not the table's and then the arena's. With a
	// salt in every name token the caches are large (tens of thousands of
	// entries) and those second reads missed: tokenize with the starter
	// spec took 3% less CPU. It is emptied at maxCacheEntries, like the
	// rest: at most 2 MiB of 32-byte slots per field and Encoder.
	inline  packedTable[inlinePositions]
	scratch []uint32
}

// inlineK is the most positions an inline entry holds.
const inlineK = 8

// inlinePositions is an inline entry: the first n positions of a message.
type inlinePositions struct {
	pos [inlineK]uint16
	n   uint8
}

// maxPacked is the longest message posCache keys by a uint64.
const maxPacked = 7

// packMessage packs a message of at most maxPacked bytes, and its length,
// into one word: distinct messages give distinct words, and bit 63 is
// never set (the length is at most 7).
func packMessage(msg []byte) uint64 {
	k := uint64(len(msg)) << 56
	for i, b := range msg {
		k |= uint64(b) << (8 * i)
	}
	return k
}

type cacheEntry struct{ start, n uint32 }

const (
	maxCacheEntries = 1 << 15
	maxCacheArena   = 1 << 20 // positions
)

// positions returns the first k positions of msg, from the cache or from h.
// The result aliases the cache until the next call.
func (c *posCache) positions(h Hasher, msg []byte, k int) []uint32 {
	if len(msg) <= maxPacked {
		return c.positionsPacked(h, packMessage(msg), k)
	}
	if e, ok := c.idx[string(msg)]; ok && int(e.n) >= k {
		return c.arena[e.start : e.start+uint32(k)]
	}
	e := c.build(h, msg, k)
	if c.idx == nil {
		c.idx = make(map[string]cacheEntry)
	}
	c.idx[string(msg)] = e
	return c.arena[e.start : e.start+uint32(k)]
}

// positionsPacked is positions for the message packMessage packed into key.
func (c *posCache) positionsPacked(h Hasher, key uint64, k int) []uint32 {
	if e, ok := c.small.get(key); ok && int(e.n) >= k {
		return c.arena[e.start : e.start+uint32(k)]
	}
	e := c.build(h, unpackMessage(&c.msg, key), k)
	c.small.put(key, e)
	return c.arena[e.start : e.start+uint32(k)]
}

// positionsInline is positionsPacked for k ≤ inlineK positions in a filter
// of at most 1<<16 bits: the first k of the positions it returns are
// msg's.
func (c *posCache) positionsInline(h Hasher, key uint64, k int) *[inlineK]uint16 {
	if e, ok := c.inline.getRef(key); ok && int(e.n) >= k {
		return &e.pos
	}
	if c.inline.len() >= maxCacheEntries {
		c.inline.clear()
	}
	c.scratch = h.AppendPositions(c.scratch[:0], unpackMessage(&c.msg, key), k)
	var e inlinePositions
	for j, p := range c.scratch {
		e.pos[j] = uint16(p)
	}
	e.n = uint8(k)
	return &c.inline.putRef(key, e).pos
}

// build adds msg's first k positions to the arena, first emptying a full
// cache, and returns their entry.
func (c *posCache) build(h Hasher, msg []byte, k int) cacheEntry {
	if len(c.idx)+c.small.len() >= maxCacheEntries || len(c.arena)+k > maxCacheArena {
		clear(c.idx)
		c.small.clear()
		c.arena = c.arena[:0]
	}
	start := len(c.arena)
	c.arena = h.AppendPositions(c.arena, msg, k)
	return cacheEntry{start: uint32(start), n: uint32(k)}
}

// packedTable maps packed messages (packMessage: bit 63 clear) to cache
// entries of type V, by open addressing with linear probing. A slot holds
// its key with bit 63 set, so that zero marks an empty slot, beside its
// entry (one cache line read per lookup). The table doubles when half
// full; its caches empty it at their entry limit (maxCacheEntries,
// maxMaskEntries), so it never exceeds twice that in slots.
type packedTable[V any] struct {
	slots []packedSlot[V]
	n     int
	shift uint // 64 − log2(len(slots))
}

type packedSlot[V any] struct {
	key uint64 // key | 1<<63, or 0 for an empty slot
	e   V
}

const packedTableMin = 1 << 10

// slot returns the first slot to probe for key: the key's bits mixed
// (MurmurHash3's finaliser), top bits taken.
func (t *packedTable[V]) slot(key uint64) int {
	key ^= key >> 33
	key *= 0xff51afd7ed558ccd
	key ^= key >> 33
	key *= 0xc4ceb9fe1a85ec53
	key ^= key >> 33
	return int(key >> t.shift)
}

func (t *packedTable[V]) len() int { return t.n }

func (t *packedTable[V]) get(key uint64) (V, bool) {
	if e, ok := t.getRef(key); ok {
		return *e, true
	}
	var zero V
	return zero, false
}

// getRef is get returning the entry in place (valid until the next put or
// clear).
func (t *packedTable[V]) getRef(key uint64) (*V, bool) {
	if t.n == 0 {
		return nil, false
	}
	want, mask := key|1<<63, len(t.slots)-1
	for i := t.slot(key); ; i = (i + 1) & mask {
		switch s := &t.slots[i]; s.key {
		case want:
			return &s.e, true
		case 0:
			return nil, false
		}
	}
}

// put sets key's entry, replacing any.
func (t *packedTable[V]) put(key uint64, e V) { t.putRef(key, e) }

// putRef is put returning the entry in place (valid until the next put or
// clear).
func (t *packedTable[V]) putRef(key uint64, e V) *V {
	if 2*(t.n+1) > len(t.slots) {
		t.grow()
	}
	want, mask := key|1<<63, len(t.slots)-1
	i := t.slot(key)
	for t.slots[i].key != 0 && t.slots[i].key != want {
		i = (i + 1) & mask
	}
	if t.slots[i].key == 0 {
		t.n++
	}
	t.slots[i] = packedSlot[V]{want, e}
	return &t.slots[i].e
}

func (t *packedTable[V]) grow() {
	old := t.slots
	size := max(2*len(old), packedTableMin)
	t.slots = make([]packedSlot[V], size)
	t.shift = uint(64 - bits.Len(uint(size-1)))
	t.n = 0
	for _, s := range old {
		if s.key != 0 {
			t.put(s.key&^(1<<63), s.e)
		}
	}
}

// clear empties the table, keeping its slots.
func (t *packedTable[V]) clear() {
	clear(t.slots)
	t.n = 0
}
