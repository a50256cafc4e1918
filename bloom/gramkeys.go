package bloom

// The packed-gram path: for the common field, an ASCII value split into
// unigrams or bigrams (names, dates, postcodes), every message Encoder
// hashes is at most maxPacked bytes, and the caches key it by the word
// packMessage makes of it. gramKeys builds those words straight from the
// value, without writing the tokens out (Tokens) and copying each into a
// message first: on a clkhash schema of six fields that was a third of the
// CLK's time. The words are exactly packMessage(message(token)) for each
// token NGram.AppendTokens gives, in order (TestGramKeys checks this against
// the general path for every configuration that takes it).

// gramKeys appends to keys the packed message of each of value's n-grams,
// as addField would hash them, and reports whether it could: g.N must be 1
// or 2, value non-empty ASCII, the encoding UTF8 or ASCII (the same bytes
// for ASCII tokens), and every message at most maxPacked bytes. prefix is
// the salt prefix (uvarint length ‖ salt), empty for an unsalted field.
func gramKeys(keys []uint64, g NGram, value string, prefix []byte) ([]uint64, bool) {
	if g.N < 1 || g.N > 2 || len(value) == 0 || len(value) > maxASCIIPadded || !isASCII(value) {
		return keys, false
	}
	pad := g.N - 1
	grams := len(value) + pad // (len + 2·pad) − N + 1
	posLen := 0
	if g.Positional {
		posLen = decimalLen(grams) + 1 // the longest index, and a space
	}
	if len(prefix)+posLen+g.N > maxPacked {
		return keys, false
	}
	var base uint64
	for i, b := range prefix {
		base |= uint64(b) << (8 * i)
	}
	shift := 8 * uint(len(prefix))
	// The padded value, on the stack: a space, the value, a space.
	var buf [maxASCIIPadded + 2]byte
	p := buf[:len(value)+2*pad]
	if pad > 0 {
		p[0], p[len(p)-1] = ' ', ' '
	}
	copy(p[pad:], value)
	for i := range grams {
		gram := uint64(p[i])
		if g.N == 2 {
			gram |= uint64(p[i+1]) << 8
		}
		key, n := base, len(prefix)
		if g.Positional {
			idx := positionalIndex[i+1]
			key |= idx.bytes << shift
			n += idx.len
		}
		key |= gram << (8 * uint(n))
		n += g.N
		keys = append(keys, key|uint64(n)<<56)
	}
	return keys, true
}

// positionalIndex[i] is a positional gram's prefix "i " packed (its digits,
// then a space, the first digit in the low byte), for i up to the grams
// of the longest value gramKeys takes.
var positionalIndex = func() (t [maxASCIIPadded + 2]struct {
	bytes uint64
	len   int
}) {
	for i := 1; i < len(t); i++ {
		d, l := decimalBytes(i)
		t[i].bytes, t[i].len = d|uint64(' ')<<(8*l), l+1
	}
	return t
}()

// decimalLen returns the number of decimal digits of n > 0.
func decimalLen(n int) int {
	l := 1
	for ; n >= 10; n /= 10 {
		l++
	}
	return l
}

// decimalBytes returns n > 0's decimal digits packed little-endian (the
// first digit in the low byte) and their count.
func decimalBytes(n int) (uint64, int) {
	l := decimalLen(n)
	var w uint64
	for i := l - 1; i >= 0; i-- {
		w |= uint64('0'+n%10) << (8 * i)
		n /= 10
	}
	return w, l
}

// unpackMessage writes the message packMessage packed into key to buf and
// returns it.
func unpackMessage(buf *[maxPacked]byte, key uint64) []byte {
	n := int(key >> 56)
	for i := range n {
		buf[i] = byte(key >> (8 * i))
	}
	return buf[:n]
}
