package tokenize

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"math/big"
	"strings"

	"golang.org/x/crypto/hkdf"

	"github.com/pprl/pprl/bloom"
)

// ClkhashSchema is a clkhash linkage schema (version 1, 2 or 3), loaded
// unchanged and converted to version 3 the way clkhash 0.18 converts it.
// Encoding rows with it gives clkhash's CLKs byte for byte (see
// ../shared/spec/clkhash-v3.md). A ClkhashSchema is immutable and safe for
// concurrent use.
//
// Usage:
//
//	cs, err := tokenize.ParseClkhashSchema(schemaJSON)
//	if err := cs.CheckHeader(csvHeader); err != nil { ... }
//	enc, err := cs.Encoder(secret) // one per goroutine (or Clone)
//	clk, err := enc.Encode(row)    // row: the CSV record, all columns in order
//
// Quirks of clkhash that decide the bytes are reproduced: v1's k·weight
// rounded half-to-even, "xor_folds" (not the documented "xorFolds"),
// blakeHash when a feature names no hash, HKDF keys counted over ignored
// features too, integer and date values rewritten to canonical form, the
// missing-value sentinel. What pprl cannot reproduce exactly is refused with
// an error that says so (never a silently different CLK): see Warnings for
// what is accepted but worth knowing.
type ClkhashSchema struct {
	version  int
	bits     int
	folds    int
	kdf      clkhashKDF
	features []clkhashFeature
	warnings []string
}

type clkhashKDF struct {
	hash    string // "SHA256" or "SHA512"
	salt    []byte // nil: HKDF default (zeros)
	info    []byte
	keySize int
}

type clkhashHash int

const (
	clkBlakeHash clkhashHash = iota
	clkDoubleHash
)

type clkhashFeature struct {
	identifier string
	ignored    bool

	format clkhashFormat

	comparison     bloom.Tokenizer
	bitsPerToken   int
	bitsPerFeature int
	hash           clkhashHash
	preventSing    bool
	missing        *clkhashMissing
}

type clkhashMissing struct {
	sentinel, replaceWith string
}

// maxClkhashSchemaBytes bounds the schema file (written by people).
const maxClkhashSchemaBytes = 4 << 20

// LoadClkhashSchema reads a clkhash linkage schema from r.
func LoadClkhashSchema(r io.Reader) (*ClkhashSchema, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxClkhashSchemaBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading clkhash schema: %w", err)
	}
	if len(data) > maxClkhashSchemaBytes {
		return nil, errors.New("clkhash schema is larger than 4 MiB")
	}
	return ParseClkhashSchema(data)
}

// ParseClkhashSchema parses a clkhash linkage schema (v1, v2 or v3). Errors
// name the JSON path at fault, e.g. `features[3] ("dob"): format.format:
// ...`; callers should treat them as input errors.
func ParseClkhashSchema(data []byte) (*ClkhashSchema, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var top any
	if err := dec.Decode(&top); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("not valid JSON: data after the schema object")
	}
	root, ok := top.(map[string]any)
	if !ok {
		return nil, errors.New("the top level is not a JSON object")
	}
	v, ok, err := jInt(root, "version")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errors.New(`"version" is missing`)
	}
	s := &ClkhashSchema{version: int(v)}
	switch v {
	case 1, 2, 3:
	default:
		return nil, fmt.Errorf("schema version %d is not supported (clkhash knows versions 1, 2 and 3)", v)
	}
	cfg, ok, err := jObject(root, "clkConfig")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errors.New(`"clkConfig" is missing`)
	}
	if err := s.parseClkConfig(cfg); err != nil {
		return nil, err
	}
	featsAny, ok := root["features"]
	if !ok {
		return nil, errors.New(`"features" is missing`)
	}
	feats, ok := featsAny.([]any)
	if !ok {
		return nil, errors.New(`"features" is not an array`)
	}
	// v1: a global k and hash, weighted per feature.
	var v1k int64
	var v1hash map[string]any
	if v == 1 {
		k, ok, err := jInt(cfg, "k")
		if err != nil {
			return nil, fmt.Errorf("clkConfig.%w", err)
		}
		if !ok {
			return nil, errors.New(`clkConfig.k is missing (a version 1 schema needs a global k)`)
		}
		v1k = k
		h, ok, err := jObject(cfg, "hash")
		if err != nil {
			return nil, fmt.Errorf("clkConfig.%w", err)
		}
		if !ok {
			return nil, errors.New(`clkConfig.hash is missing (a version 1 schema needs a global hash)`)
		}
		v1hash = h
	}
	seen := map[string]bool{}
	for i, fa := range feats {
		fm, ok := fa.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("features[%d] is not an object", i)
		}
		f, err := parseClkhashFeature(int(v), fm, v1k, v1hash)
		if err != nil {
			if f.identifier != "" {
				return nil, fmt.Errorf("features[%d] (%q): %w", i, f.identifier, err)
			}
			return nil, fmt.Errorf("features[%d]: %w", i, err)
		}
		if seen[f.identifier] {
			s.warnings = append(s.warnings, fmt.Sprintf("feature identifier %q appears more than once", f.identifier))
		}
		seen[f.identifier] = true
		if !f.ignored && f.hash == clkBlakeHash {
			L := s.bits << uint(s.folds)
			if L&(L-1) != 0 {
				return nil, fmt.Errorf("features[%d] (%q): blakeHash needs l·2^xor_folds to be a power of two, not %d (clkhash refuses it too)", i, f.identifier, L)
			}
			if s.kdf.keySize > 64 {
				return nil, fmt.Errorf("features[%d] (%q): blakeHash keys are at most 64 bytes, but clkConfig.kdf.keySize is %d (clkhash refuses it too)", i, f.identifier, s.kdf.keySize)
			}
		}
		s.features = append(s.features, f)
	}
	if len(s.features) == 0 {
		return nil, errors.New(`"features" is empty`)
	}
	hashLen := 32
	if s.kdf.hash == "SHA512" {
		hashLen = 64
	}
	if need := len(s.features) * 2 * s.kdf.keySize; need > 255*hashLen {
		return nil, fmt.Errorf("%d features × 2 keys × %d bytes = %d bytes of keys, more than HKDF-%s can derive (%d bytes; with SHA256 and 64-byte keys at most 63 features fit, ignored ones included); clkhash fails the same way",
			len(s.features), s.kdf.keySize, need, s.kdf.hash, 255*hashLen)
	}
	return s, nil
}

func (s *ClkhashSchema) parseClkConfig(cfg map[string]any) error {
	l, ok, err := jInt(cfg, "l")
	if err != nil {
		return fmt.Errorf("clkConfig.%w", err)
	}
	if !ok {
		return errors.New("clkConfig.l is missing")
	}
	if l <= 0 || l%64 != 0 || l > 1<<24 {
		return fmt.Errorf("clkConfig.l is %d; pprl needs a positive multiple of 64 (up to 2^24) so CLKs are whole 64-bit words", l)
	}
	s.bits = int(l)
	folds, ok, err := jInt(cfg, "xor_folds")
	if err != nil {
		return fmt.Errorf("clkConfig.%w", err)
	}
	if ok {
		if folds < 0 || folds > 16 {
			return fmt.Errorf("clkConfig.xor_folds is %d, outside 0..16", folds)
		}
		s.folds = int(folds)
	}
	if _, ok := cfg["xorFolds"]; ok {
		s.warnings = append(s.warnings, `clkConfig.xorFolds is ignored, as clkhash ignores it (clkhash reads "xor_folds"); the CLKs are not folded by it`)
	}
	kdf, ok, err := jObject(cfg, "kdf")
	if err != nil {
		return fmt.Errorf("clkConfig.%w", err)
	}
	if !ok {
		return errors.New("clkConfig.kdf is missing")
	}
	typ, _, err := jString(kdf, "type")
	if err != nil {
		return fmt.Errorf("clkConfig.kdf.%w", err)
	}
	if typ != "HKDF" {
		return fmt.Errorf(`clkConfig.kdf.type must be "HKDF"`)
	}
	s.kdf.hash = "SHA256"
	if h, ok, err := jString(kdf, "hash"); err != nil {
		return fmt.Errorf("clkConfig.kdf.%w", err)
	} else if ok {
		if h != "SHA256" && h != "SHA512" {
			return fmt.Errorf(`clkConfig.kdf.hash must be "SHA256" or "SHA512"`)
		}
		s.kdf.hash = h
	}
	for _, name := range []string{"salt", "info"} {
		v, ok, err := jString(kdf, name)
		if err != nil {
			return fmt.Errorf("clkConfig.kdf.%w", err)
		}
		if !ok {
			continue
		}
		b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(v), ""))
		if err != nil {
			return fmt.Errorf("clkConfig.kdf.%s is not valid standard base64", name)
		}
		if name == "salt" {
			s.kdf.salt = b
		} else {
			s.kdf.info = b
		}
	}
	s.kdf.keySize = 64
	if ks, ok, err := jInt(kdf, "keySize"); err != nil {
		return fmt.Errorf("clkConfig.kdf.%w", err)
	} else if ok {
		if ks < 1 || ks > 1<<16 {
			return fmt.Errorf("clkConfig.kdf.keySize is %d, outside 1..65536", ks)
		}
		s.kdf.keySize = int(ks)
	}
	return nil
}

func parseClkhashFeature(version int, fm map[string]any, v1k int64, v1hash map[string]any) (clkhashFeature, error) {
	var f clkhashFeature
	id, ok, err := jString(fm, "identifier")
	if err != nil {
		return f, err
	}
	if !ok {
		return f, errors.New(`"identifier" is missing`)
	}
	f.identifier = id
	if ig, ok := fm["ignored"]; ok {
		if b, isBool := ig.(bool); !isBool || !b {
			return f, errors.New(`"ignored" must be true when present`)
		}
		f.ignored = true
		return f, nil
	}
	fmtObj, ok, err := jObject(fm, "format")
	if err != nil {
		return f, err
	}
	if !ok {
		return f, errors.New(`"format" is missing (a feature needs "format" and "hashing", or "ignored": true)`)
	}
	hashing, ok, err := jObject(fm, "hashing")
	if err != nil {
		return f, err
	}
	if !ok {
		return f, errors.New(`"hashing" is missing`)
	}
	if err := f.format.parse(fmtObj); err != nil {
		return f, fmt.Errorf("format.%w", err)
	}
	if err := f.parseHashing(version, hashing, v1k, v1hash); err != nil {
		return f, fmt.Errorf("hashing.%w", err)
	}
	return f, nil
}

func (f *clkhashFeature) parseHashing(version int, h map[string]any, v1k int64, v1hash map[string]any) error {
	switch version {
	case 1:
		// v1 → v2: weight (default 1) times the global k, rounded
		// half-to-even (Python's round); weight 0 ignores the feature.
		weight := 1.0
		if w, ok, err := jFloat(h, "weight"); err != nil {
			return err
		} else if ok {
			weight = w
		}
		if weight == 0 {
			f.ignored = true
			return nil
		}
		k := math.RoundToEven(weight * float64(v1k))
		if !(k >= 1) || k > 1<<20 {
			return fmt.Errorf("weight %v × k %d rounds to %v bits per token; clkhash needs at least 1", weight, v1k, k)
		}
		f.bitsPerToken = int(k)
		if err := f.parseNgramV2(h); err != nil {
			return err
		}
		if err := f.parseHash(v1hash); err != nil {
			return fmt.Errorf("(clkConfig.hash) %w", err)
		}
	case 2:
		if err := f.parseNgramV2(h); err != nil {
			return err
		}
		st, ok, err := jObject(h, "strategy")
		if err != nil {
			return err
		}
		if !ok {
			return errors.New(`strategy is missing: clkhash needs {"k": n} or {"numBits": n}`)
		}
		if err := f.parseStrategy(st, "k", "numBits"); err != nil {
			return fmt.Errorf("strategy.%w", err)
		}
		if err := f.parseHashField(h); err != nil {
			return err
		}
	case 3:
		cmp, ok, err := jObject(h, "comparison")
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("comparison is missing")
		}
		if err := f.parseComparison(cmp); err != nil {
			return fmt.Errorf("comparison.%w", err)
		}
		st, ok, err := jObject(h, "strategy")
		if err != nil {
			return err
		}
		if !ok {
			return errors.New(`strategy is missing: clkhash needs {"bitsPerToken": n} or {"bitsPerFeature": n}`)
		}
		if err := f.parseStrategy(st, "bitsPerToken", "bitsPerFeature"); err != nil {
			return fmt.Errorf("strategy.%w", err)
		}
		if err := f.parseHashField(h); err != nil {
			return err
		}
	}
	if mv, ok, err := jObject(h, "missingValue"); err != nil {
		return err
	} else if ok {
		sentinel, ok, err := jString(mv, "sentinel")
		if err != nil {
			return fmt.Errorf("missingValue.%w", err)
		}
		if !ok {
			return errors.New("missingValue.sentinel is missing")
		}
		m := &clkhashMissing{sentinel: sentinel, replaceWith: sentinel}
		if r, ok, err := jString(mv, "replaceWith"); err != nil {
			return fmt.Errorf("missingValue.%w", err)
		} else if ok {
			m.replaceWith = r
		}
		f.missing = m
	}
	return nil
}

// parseHashField reads the optional "hash" of a v2/v3 feature: absent
// means blakeHash, as clkhash's code does.
func (f *clkhashFeature) parseHashField(h map[string]any) error {
	hobj, ok, err := jObject(h, "hash")
	if err != nil {
		return err
	}
	if !ok {
		f.hash = clkBlakeHash
		return nil
	}
	if err := f.parseHash(hobj); err != nil {
		return fmt.Errorf("hash.%w", err)
	}
	return nil
}

func (f *clkhashFeature) parseHash(h map[string]any) error {
	typ, _, err := jString(h, "type")
	if err != nil {
		return err
	}
	ps, psSet, err := jBool(h, "prevent_singularity")
	if err != nil {
		return err
	}
	switch typ {
	case "doubleHash":
		f.hash = clkDoubleHash
		f.preventSing = ps
	case "blakeHash":
		if psSet {
			return errors.New("prevent_singularity is only allowed with doubleHash (clkhash refuses it too)")
		}
		f.hash = clkBlakeHash
	default:
		return fmt.Errorf(`type must be "doubleHash" or "blakeHash"`)
	}
	return nil
}

func (f *clkhashFeature) parseNgramV2(h map[string]any) error { return f.parseNgram(h, "ngram") }

// parseNgram reads an n-gram comparison whose size is under key ("ngram" in
// v1/v2 hashing objects, "n" in v3 comparisons) and its "positional" flag.
func (f *clkhashFeature) parseNgram(h map[string]any, key string) error {
	n, ok, err := jInt(h, key)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s is missing", key)
	}
	if n < 0 || n > 64 {
		return fmt.Errorf("%s is %d, outside 0..64", key, n)
	}
	pos, _, err := jBool(h, "positional")
	if err != nil {
		return err
	}
	f.comparison = bloom.NGram{N: int(n), Positional: pos}
	return nil
}

func (f *clkhashFeature) parseComparison(c map[string]any) error {
	typ, _, err := jString(c, "type")
	if err != nil {
		return err
	}
	switch typ {
	case "ngram":
		if err := f.parseNgram(c, "n"); err != nil {
			return err
		}
	case "exact":
		f.comparison = bloom.Exact{}
	case "numeric":
		d, ok, err := jFloat(c, "thresholdDistance")
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("thresholdDistance is missing")
		}
		r, ok, err := jInt(c, "resolution")
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("resolution is missing")
		}
		p, _, err := jInt(c, "fractional_precision")
		if err != nil {
			return err
		}
		if r > 1<<16 {
			return fmt.Errorf("resolution %d is too large", r)
		}
		nc, err := bloom.NewNumeric(d, int(r), int(p))
		if err != nil {
			return errors.New(strings.TrimPrefix(err.Error(), "bloom: "))
		}
		f.comparison = nc
	default:
		return fmt.Errorf(`type must be "ngram", "exact" or "numeric"`)
	}
	return nil
}

func (f *clkhashFeature) parseStrategy(st map[string]any, perToken, perFeature string) error {
	k, kOK, err := jInt(st, perToken)
	if err != nil {
		return err
	}
	b, bOK, err := jInt(st, perFeature)
	if err != nil {
		return err
	}
	switch {
	case kOK && bOK:
		return fmt.Errorf("give %s or %s, not both", perToken, perFeature)
	case kOK:
		if k < 1 || k > 1<<20 {
			return fmt.Errorf("%s is %d, outside 1..2^20", perToken, k)
		}
		f.bitsPerToken = int(k)
	case bOK:
		if b < 1 || b > 1<<24 {
			return fmt.Errorf("%s is %d, outside 1..2^24", perFeature, b)
		}
		f.bitsPerFeature = int(b)
	default:
		return fmt.Errorf("needs %s or %s", perToken, perFeature)
	}
	return nil
}

// Version returns the schema version as written in the file (1, 2 or 3).
func (s *ClkhashSchema) Version() int { return s.version }

// Bits returns the CLK length in bits (clkConfig.l, after folding).
func (s *ClkhashSchema) Bits() int { return s.bits }

// XORFolds returns clkConfig.xor_folds.
func (s *ClkhashSchema) XORFolds() int { return s.folds }

// Identifiers returns the feature identifiers in column order, ignored
// features included. This is the header clkhash expects.
func (s *ClkhashSchema) Identifiers() []string {
	out := make([]string, len(s.features))
	for i, f := range s.features {
		out[i] = f.identifier
	}
	return out
}

// Ignored reports whether feature i is ignored (its column is read but
// not encoded).
func (s *ClkhashSchema) Ignored(i int) bool { return s.features[i].ignored }

// Warnings lists things in the schema that are accepted but may surprise,
// such as a "xorFolds" key that clkhash (and hence pprl) ignores.
func (s *ClkhashSchema) Warnings() []string { return append([]string(nil), s.warnings...) }

// anyIdentifier reports whether a cell of header is one of the schema's
// column names, i.e. whether header is plausibly a header row.
func (s *ClkhashSchema) anyIdentifier(header []string) bool {
	for _, f := range s.features {
		if _, ok := columnIndex(header, f.identifier); ok {
			return true
		}
	}
	return false
}

// CheckHeader checks a CSV header the way clkhash does: the same number of
// columns as features, and column i named exactly as feature i. A header
// cell is quoted in the error only when the header holds one of the
// schema's column names: a first row that matches none may be data.
func (s *ClkhashSchema) CheckHeader(header []string) error {
	if len(header) != len(s.features) {
		return fmt.Errorf("header has %d columns, the clkhash schema expects %d (%s)", len(header), len(s.features), strings.Join(s.Identifiers(), ","))
	}
	for i, f := range s.features {
		if header[i] != f.identifier {
			if i == 0 && strings.TrimPrefix(header[i], "\ufeff") == f.identifier {
				return fmt.Errorf("column 1 is named %q with a byte-order mark; clkhash would refuse it: save the file without a BOM", f.identifier)
			}
			if !s.anyIdentifier(header) {
				return fmt.Errorf("column %d is not named %q, the clkhash schema's name for it", i+1, f.identifier)
			}
			return fmt.Errorf("column %d is named %q, the clkhash schema expects %q", i+1, header[i], f.identifier)
		}
	}
	return nil
}

// ClkhashValueError reports a value that fails its feature's format. It
// names the row (when known), the column and the rule broken, never the
// value.
type ClkhashValueError struct {
	Row     int    // 1-based data row (header not counted); 0 if the caller has not set it
	Column  int    // 0-based column index; -1 for a whole-row problem
	Feature string // the feature identifier (= column name); "" for a whole-row problem
	Code    string // short reason code for rejects reports, e.g. "invalid_date"
	Reason  string // what is wrong, without the value
}

func (e *ClkhashValueError) Error() string {
	if e.Feature == "" { // a whole-row problem (wrong column count)
		if e.Row > 0 {
			return fmt.Sprintf("row %d: %s", e.Row, e.Reason)
		}
		return e.Reason
	}
	if e.Row > 0 {
		return fmt.Sprintf("row %d, column %q: %s", e.Row, e.Feature, e.Reason)
	}
	return fmt.Sprintf("column %q: %s", e.Feature, e.Reason)
}

// ClkhashEncoder encodes CSV rows into clkhash CLKs. It keeps scratch state
// and must not be used by two goroutines at once; use Clone for each
// worker.
type ClkhashEncoder struct {
	schema *ClkhashSchema
	enc    *bloom.Encoder // nil when every feature is ignored
	cols   []int          // bloom field j reads column cols[j]
	values []string
}

// Encoder derives the keys from secret (the secret file's bytes, used as
// clkhash uses its UTF-8 secret) and returns an encoder.
func (s *ClkhashSchema) Encoder(secret []byte) (*ClkhashEncoder, error) {
	if len(secret) == 0 {
		return nil, errors.New("clkhash encoder: the secret is empty")
	}
	var hf func() hash.Hash = sha256.New
	if s.kdf.hash == "SHA512" {
		hf = sha512.New
	}
	keys := make([]byte, len(s.features)*2*s.kdf.keySize)
	if _, err := io.ReadFull(hkdf.New(hf, secret, s.kdf.salt, s.kdf.info), keys); err != nil {
		return nil, fmt.Errorf("clkhash encoder: deriving keys: %w", err)
	}
	key := func(i int) []byte { return keys[i*s.kdf.keySize : (i+1)*s.kdf.keySize] }
	cfg := bloom.Config{Bits: s.bits, Folds: s.folds}
	e := &ClkhashEncoder{schema: s}
	for i, f := range s.features {
		if f.ignored {
			continue
		}
		bf := bloom.Field{
			Name:           f.identifier,
			Tokenizer:      f.comparison,
			BitsPerToken:   f.bitsPerToken,
			BitsPerFeature: f.bitsPerFeature,
			Encoding:       f.format.textEncoding(),
		}
		switch f.hash {
		case clkDoubleHash:
			bf.Hash = bloom.DoubleHashing(key(2*i), key(2*i+1), f.preventSing)
		default:
			bf.Hash = bloom.BlakeHashing(key(2 * i))
		}
		cfg.Fields = append(cfg.Fields, bf)
		e.cols = append(e.cols, i)
	}
	if len(cfg.Fields) > 0 {
		enc, err := bloom.NewEncoder(cfg)
		if err != nil {
			return nil, fmt.Errorf("clkhash encoder: %w", err)
		}
		e.enc = enc
	}
	e.values = make([]string, len(e.cols))
	return e, nil
}

// Clone returns an encoder with the same keys and its own scratch state.
func (e *ClkhashEncoder) Clone() *ClkhashEncoder {
	c := &ClkhashEncoder{schema: e.schema, cols: e.cols, values: make([]string, len(e.cols))}
	if e.enc != nil {
		c.enc = e.enc.Clone()
	}
	return c
}

// Bits returns the CLK length in bits.
func (e *ClkhashEncoder) Bits() int { return e.schema.bits }

// Encode validates one CSV row (every column, in schema order, values
// exactly as read: clkhash trims nothing) and returns its CLK. A value that
// fails its feature's format gives a *ClkhashValueError (Row unset: the
// caller knows the row number and should set it).
func (e *ClkhashEncoder) Encode(row []string) ([]byte, error) {
	return e.AppendEncode(nil, row)
}

// AppendEncode is Encode appending the CLK to dst.
func (e *ClkhashEncoder) AppendEncode(dst []byte, row []string) ([]byte, error) {
	s := e.schema
	if len(row) != len(s.features) {
		return dst, &ClkhashValueError{Column: -1, Code: "column_count",
			Reason: fmt.Sprintf("row has %d columns, the clkhash schema expects %d", len(row), len(s.features))}
	}
	for j, c := range e.cols {
		f := &s.features[c]
		v, code, reason := f.prepare(row[c])
		if code != "" {
			return dst, &ClkhashValueError{Column: c, Feature: f.identifier, Code: code, Reason: reason}
		}
		e.values[j] = v
	}
	if e.enc == nil {
		return append(dst, make([]byte, s.bits/8)...), nil
	}
	out, err := e.enc.Encode(dst, e.values)
	if err != nil {
		var fe *bloom.FieldError
		if errors.As(err, &fe) {
			for _, c := range e.cols {
				if s.features[c].identifier == fe.Field {
					code := "encoding"
					if errors.Is(err, bloom.ErrNotANumber) {
						code = "not_a_number"
					}
					return dst, &ClkhashValueError{Column: c, Feature: fe.Field, Code: code, Reason: strings.TrimPrefix(fe.Err.Error(), "bloom: ")}
				}
			}
		}
		return dst, err
	}
	return out, nil
}

// prepare validates v and returns the string clkhash tokenises: the
// missing-value replacement, or v rewritten by its format. code is "" when
// v is valid.
func (f *clkhashFeature) prepare(v string) (out, code, reason string) {
	if f.missing != nil && v == f.missing.sentinel {
		return f.missing.replaceWith, "", ""
	}
	return f.format.validate(v)
}

// JSON helpers. Each reports a type error naming the key; "ok" is false
// when the key is absent (JSON null counts as a wrong type, as in
// clkhash's JSON-schema validation).

func jObject(m map[string]any, key string) (map[string]any, bool, error) {
	v, ok := m[key]
	if !ok {
		return nil, false, nil
	}
	o, isObj := v.(map[string]any)
	if !isObj {
		return nil, false, fmt.Errorf("%s is not an object", key)
	}
	return o, true, nil
}

func jString(m map[string]any, key string) (string, bool, error) {
	v, ok := m[key]
	if !ok {
		return "", false, nil
	}
	s, isStr := v.(string)
	if !isStr {
		return "", false, fmt.Errorf("%s is not a string", key)
	}
	return s, true, nil
}

func jBool(m map[string]any, key string) (bool, bool, error) {
	v, ok := m[key]
	if !ok {
		return false, false, nil
	}
	b, isBool := v.(bool)
	if !isBool {
		return false, false, fmt.Errorf("%s is not true or false", key)
	}
	return b, true, nil
}

// jInt reads an integer; a number with a fractional part is an error
// (Python would fail later with a TypeError).
func jInt(m map[string]any, key string) (int64, bool, error) {
	v, ok := m[key]
	if !ok {
		return 0, false, nil
	}
	n, isNum := v.(json.Number)
	if !isNum {
		return 0, false, fmt.Errorf("%s is not a number", key)
	}
	i, err := n.Int64()
	if err != nil {
		return 0, false, fmt.Errorf("%s is not an integer in range", key)
	}
	return i, true, nil
}

func jFloat(m map[string]any, key string) (float64, bool, error) {
	v, ok := m[key]
	if !ok {
		return 0, false, nil
	}
	n, isNum := v.(json.Number)
	if !isNum {
		return 0, false, fmt.Errorf("%s is not a number", key)
	}
	f, err := n.Float64()
	if err != nil || math.IsInf(f, 0) {
		return 0, false, fmt.Errorf("%s is not a finite number", key)
	}
	return f, true, nil
}

// jBigInt reads an integer of any size (integer format bounds).
func jBigInt(m map[string]any, key string) (*big.Int, bool, error) {
	v, ok := m[key]
	if !ok {
		return nil, false, nil
	}
	n, isNum := v.(json.Number)
	if !isNum {
		return nil, false, fmt.Errorf("%s is not a number", key)
	}
	b, okInt := new(big.Int).SetString(string(n), 10)
	if !okInt {
		return nil, false, fmt.Errorf("%s is not an integer", key)
	}
	return b, true, nil
}

func newNumberDecoder(s string) *json.Decoder {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	return d
}
