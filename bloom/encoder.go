package bloom

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// TextEncoding says how token text becomes the bytes that are hashed.
type TextEncoding int

const (
	// UTF8 hashes tokens as their UTF-8 bytes (the default).
	UTF8 TextEncoding = iota
	// ASCII hashes UTF-8 bytes but rejects tokens with non-ASCII characters.
	ASCII
	// UTF16 hashes each token as Python's "utf-16" codec writes it: a
	// little-endian byte-order mark, then UTF-16LE (clkhash compatibility).
	UTF16
	// UTF32 hashes each token as Python's "utf-32" codec writes it: a
	// little-endian byte-order mark, then UTF-32LE (clkhash compatibility).
	UTF32
)

// Field says how one field's value is encoded into the filter.
type Field struct {
	// Name identifies the field in errors.
	Name string
	// Tokenizer splits the value into tokens.
	Tokenizer Tokenizer
	// Hash maps each token to positions under a key.
	Hash HashScheme
	// BitsPerToken (k) sets k positions per token. Exactly one of
	// BitsPerToken and BitsPerFeature must be positive.
	BitsPerToken int
	// BitsPerFeature spreads B positions over the T tokens of a value: the
	// first B mod T tokens get ⌊B/T⌋+1 positions, the rest ⌊B/T⌋ (which may
	// be 0), as clkhash's bitsPerFeature strategy.
	BitsPerFeature int
	// Encoding is how token text is turned into bytes (UTF8 by default).
	Encoding TextEncoding
	// Salted mixes the record salt passed to EncodeSalted into every token
	// of this field before hashing (record-level salting): the hashed bytes
	// are uvarint(len(salt)) ‖ salt ‖ token. Records with different salts
	// then share no positions for this field.
	Salted bool
}

// Config describes a whole CLK encoding.
type Config struct {
	// Bits is the filter length after folding, a positive multiple of 64.
	Bits int
	// Folds is the number of XOR folds. Tokens are hashed into a filter of
	// Bits·2^Folds bits, which is then folded Folds times (clkhash's
	// xor_folds).
	Folds int
	// Fields are encoded in order into one filter (their bits are OR-ed).
	Fields []Field
	// Hardening steps are applied in order to the folded filter; each may
	// change its length (see Balance). Empty for plain CLKs.
	Hardening []Hardening
}

// FieldError reports a value of one field that could not be encoded. It
// names the field and never contains the value.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return fmt.Sprintf("field %q: %v", e.Field, e.Err) }
func (e *FieldError) Unwrap() error { return e.Err }

// Encoder turns records into CLKs. It holds per-goroutine scratch state
// (hash contexts, token buffers) so that Encode does not allocate once warm;
// an Encoder must not be used by two goroutines at once: give each worker
// its own with Clone.
type Encoder struct {
	cfg      Config
	hashBits int
	outBits  int
	hashers  []Hasher
	caches   []posCache
	masks    []maskCache // for fields of at least maskMinBits bits a token
	steps    []func(dst, src []byte)
	stepBits []int // output length in bits of each hardening step

	toks    Tokens
	keys    []uint64 // packed messages (gramKeys)
	starts  []uint32 // cached masks to OR in (addPacked)
	prefix  []byte   // saltPrefix(saltFor)
	saltFor string
	msg     []byte
	filter  []byte   // the filter before folding and hardening
	words   []uint64 // filter while positions are set: bit p is bit 63-p%64 of word p/64
	scratch [2][]byte
}

// NewEncoder validates cfg and returns an Encoder for it.
func NewEncoder(cfg Config) (*Encoder, error) {
	if err := CheckBits(cfg.Bits); err != nil {
		return nil, err
	}
	if cfg.Folds < 0 || cfg.Folds > 16 {
		return nil, fmt.Errorf("bloom: %d XOR folds is out of range 0..16", cfg.Folds)
	}
	if len(cfg.Fields) == 0 {
		return nil, errors.New("bloom: a CLK needs at least one field")
	}
	for i, f := range cfg.Fields {
		if f.Tokenizer == nil || f.Hash == nil {
			return nil, fmt.Errorf("bloom: field %d (%q) has no tokenizer or hash scheme", i, f.Name)
		}
		if (f.BitsPerToken > 0) == (f.BitsPerFeature > 0) || f.BitsPerToken < 0 || f.BitsPerFeature < 0 {
			return nil, fmt.Errorf("bloom: field %q needs exactly one of BitsPerToken and BitsPerFeature", f.Name)
		}
		if f.Encoding < UTF8 || f.Encoding > UTF32 {
			return nil, fmt.Errorf("bloom: field %q has an unknown text encoding", f.Name)
		}
	}
	e := &Encoder{cfg: cfg, hashBits: cfg.Bits << uint(cfg.Folds)}
	bitsNow := cfg.Bits
	for i, h := range cfg.Hardening {
		if h == nil {
			return nil, fmt.Errorf("bloom: hardening step %d is nil", i)
		}
		next, err := h.OutputBits(bitsNow)
		if err != nil {
			return nil, fmt.Errorf("bloom: hardening step %d: %w", i, err)
		}
		if next%8 != 0 || next <= 0 {
			return nil, fmt.Errorf("bloom: hardening step %d gives %d bits, not whole bytes", i, next)
		}
		e.stepBits = append(e.stepBits, next)
		bitsNow = next
	}
	e.outBits = bitsNow
	if err := e.init(); err != nil {
		return nil, err
	}
	return e, nil
}

func (e *Encoder) init() error {
	e.hashers = make([]Hasher, len(e.cfg.Fields))
	e.caches = make([]posCache, len(e.cfg.Fields))
	e.masks = make([]maskCache, len(e.cfg.Fields))
	for i, f := range e.cfg.Fields {
		h, err := f.Hash.NewHasher(e.hashBits)
		if err != nil {
			return fmt.Errorf("bloom: field %q: %w", f.Name, err)
		}
		e.hashers[i] = h
	}
	e.steps = make([]func(dst, src []byte), len(e.cfg.Hardening))
	for i, h := range e.cfg.Hardening {
		e.steps[i] = h.NewStep()
	}
	e.filter = make([]byte, e.hashBits/8)
	e.words = make([]uint64, (e.hashBits+63)/64)
	return nil
}

// Clone returns a new Encoder with the same configuration and its own
// scratch state, for use by another goroutine.
func (e *Encoder) Clone() *Encoder {
	c := &Encoder{cfg: e.cfg, hashBits: e.hashBits, outBits: e.outBits, stepBits: e.stepBits}
	if err := c.init(); err != nil {
		panic(err) // the same configuration succeeded in NewEncoder
	}
	return c
}

// Bits returns the length in bits of the CLKs e produces (after folding
// and hardening).
func (e *Encoder) Bits() int { return e.outBits }

// Encode appends the CLK of one record to dst and returns the extended
// slice. values holds one value per field, in Config.Fields order. Salted
// fields, if any, are salted with the empty string; use EncodeSalted to
// pass a record salt.
func (e *Encoder) Encode(dst []byte, values []string) ([]byte, error) {
	return e.EncodeSalted(dst, values, "")
}

// EncodeSalted is Encode with a record-level salt (for example the year of
// birth) that is mixed into every token of the fields marked Salted.
func (e *Encoder) EncodeSalted(dst []byte, values []string, salt string) ([]byte, error) {
	if len(values) != len(e.cfg.Fields) {
		return dst, fmt.Errorf("bloom: record has %d values for %d fields", len(values), len(e.cfg.Fields))
	}
	clear(e.words)
	for i := range e.cfg.Fields {
		if err := e.addField(i, values[i], salt); err != nil {
			return dst, err
		}
	}
	for w, x := range e.words {
		binary.BigEndian.PutUint64(e.filter[8*w:], x)
	}
	f, err := FoldN(e.filter, e.cfg.Folds)
	if err != nil {
		return dst, err
	}
	for i, step := range e.steps {
		out := e.scratchBuf(i, e.stepBits[i]/8)
		step(out, f)
		f = out
	}
	return append(dst, f...), nil
}

// scratchBuf returns one of two alternating buffers of n bytes, so that a
// hardening step never writes over its own input.
func (e *Encoder) scratchBuf(i, n int) []byte {
	b := e.scratch[i%2]
	if cap(b) < n {
		b = make([]byte, n)
	}
	b = b[:n]
	e.scratch[i%2] = b
	return b
}

func (e *Encoder) addField(i int, value, salt string) error {
	f := &e.cfg.Fields[i]
	if g, ok := f.Tokenizer.(NGram); ok && (f.Encoding == UTF8 || f.Encoding == ASCII) {
		var prefix []byte
		if f.Salted {
			prefix = e.saltPrefix(salt)
		}
		var packed bool
		if e.keys, packed = gramKeys(e.keys[:0], g, value, prefix); packed {
			e.addPacked(i, e.keys)
			return nil
		}
	}
	e.toks.Reset()
	if err := f.Tokenizer.AppendTokens(&e.toks, value); err != nil {
		return &FieldError{Field: f.Name, Err: err}
	}
	t := e.toks.Len()
	if t == 0 {
		return nil
	}
	h := e.hashers[i]
	for j := 0; j < t; j++ {
		k := f.BitsPerToken
		if f.BitsPerFeature > 0 {
			k = f.BitsPerFeature / t
			if j < f.BitsPerFeature%t {
				k++
			}
		}
		if k == 0 {
			continue
		}
		msg, err := e.message(f, e.toks.At(j), salt)
		if err != nil {
			return &FieldError{Field: f.Name, Err: err}
		}
		words := e.words
		if f.BitsPerFeature == 0 && k >= maskMinBits {
			orWords(words, e.masks[i].mask(h, msg, k, len(words)))
			continue
		}
		for _, p := range e.caches[i].positions(h, msg, k) {
			words[p>>6] |= 1 << (p&63 ^ 63) // bit p: bit 7-p%8 of byte p/8
		}
	}
	return nil
}

// addPacked sets the positions of field i's tokens given as packed
// messages (gramKeys): addField's loop without building messages. A field
// of fixed k from maskMinBits up ORs in cached masks; any other sets
// positions, held inline in the cache table where they fit.
func (e *Encoder) addPacked(i int, keys []uint64) {
	f := &e.cfg.Fields[i]
	h, words, t := e.hashers[i], e.words, len(keys)
	if f.BitsPerFeature == 0 && f.BitsPerToken >= maskMinBits {
		// Every token a mask: the cached ones are OR-ed in together. A
		// mask made on a miss may empty the cache (and reuse its arena),
		// so the ones gathered before it are OR-ed in first.
		c, k, starts := &e.masks[i], f.BitsPerToken, e.starts[:0]
		for _, key := range keys {
			if en, ok := c.small.get(key); ok {
				starts = append(starts, en.start)
				continue
			}
			orMasks(words, c.arena, starts)
			starts = starts[:0]
			orWords(words, c.maskPacked(h, key, k, len(words)))
		}
		orMasks(words, c.arena, starts)
		e.starts = starts
		return
	}
	for j, key := range keys {
		k := f.BitsPerToken
		if f.BitsPerFeature > 0 {
			k = f.BitsPerFeature / t
			if j < f.BitsPerFeature%t {
				k++
			}
		}
		if k == 0 {
			continue
		}
		if k <= inlineK && e.hashBits <= 1<<16 {
			pos := e.caches[i].positionsInline(h, key, k)
			for _, p := range pos[:k] {
				words[p>>6] |= 1 << (p&63 ^ 63)
			}
			continue
		}
		for _, p := range e.caches[i].positionsPacked(h, key, k) {
			words[p>>6] |= 1 << (p&63 ^ 63) // bit p: bit 7-p%8 of byte p/8
		}
	}
}

// saltPrefix returns the bytes a salted field's messages start with,
// uvarint(len(salt)) ‖ salt, made once per salt.
func (e *Encoder) saltPrefix(salt string) []byte {
	if e.saltFor != salt || e.prefix == nil {
		e.prefix = binary.AppendUvarint(e.prefix[:0], uint64(len(salt)))
		e.prefix = append(e.prefix, salt...)
		e.saltFor = salt
	}
	return e.prefix
}

var errNotASCII = errors.New("value has characters outside ASCII")

// message returns the bytes hashed for tok: the encoded token, salted if
// the field is salted. It reuses e.msg.
func (e *Encoder) message(f *Field, tok []byte, salt string) ([]byte, error) {
	if f.Encoding == UTF8 && !f.Salted {
		return tok, nil
	}
	m := e.msg[:0]
	if f.Salted {
		m = binary.AppendUvarint(m, uint64(len(salt)))
		m = append(m, salt...)
	}
	switch f.Encoding {
	case UTF8:
		m = append(m, tok...)
	case ASCII:
		for _, c := range tok {
			if c >= utf8.RuneSelf {
				return nil, errNotASCII
			}
		}
		m = append(m, tok...)
	case UTF16:
		m = append(m, 0xff, 0xfe)
		for _, r := range string(tok) {
			if r >= 0x10000 {
				r1, r2 := utf16.EncodeRune(r)
				m = binary.LittleEndian.AppendUint16(m, uint16(r1))
				m = binary.LittleEndian.AppendUint16(m, uint16(r2))
			} else {
				m = binary.LittleEndian.AppendUint16(m, uint16(r))
			}
		}
	case UTF32:
		m = append(m, 0xff, 0xfe, 0, 0)
		for _, r := range string(tok) {
			m = binary.LittleEndian.AppendUint32(m, uint32(r))
		}
	}
	e.msg = m
	return m, nil
}
