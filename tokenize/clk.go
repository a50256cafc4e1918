package tokenize

import (
	"fmt"

	"github.com/pprl/pprl/bloom"
	"github.com/pprl/pprl/internal/keys"
)

// clkEncoder is a native spec's CLK encoding compiled against a secret into
// a bloom.Encoder. Each pipeline worker uses its own clone.
//
// Encoding a record (bloom.Encoder does the work):
//  1. each field in the CLK is tokenised (n-grams or exact) from its
//     normalised value;
//  2. tokens of salted fields are hashed as uvarint(len(salt)) ‖ salt ‖
//     token, with the record's salt (year of birth by default), so the same
//     bigram sets unrelated positions in records with different salts; a
//     record without a salt value is salted with "";
//  3. each token sets k positions chosen by keyed random hashing under the
//     field's own subkey pprl/v1/clk/field/<name>;
//  4. the filter is XOR-folded xor_folds times, then goes through the keyed
//     diffusion layer (subkey pprl/v1/clk/diffusion), balancing (keyed
//     permutation, pprl/v1/clk/balance) and BLIP (pprl/v1/clk/blip), as the
//     spec's hardening asks.
type clkEncoder struct {
	enc    *bloom.Encoder
	index  []int // per encoder field, its index in Spec.Fields
	salt   *Component
	values []string
}

func compileCLK(s *Spec, secret []byte) (*clkEncoder, error) {
	h := s.CLK.Hardening
	e := &clkEncoder{}
	salted := map[string]bool{}
	if h.Salt != nil {
		c, err := ParseComponent(s, h.Salt.Source)
		if err != nil {
			return nil, err
		}
		e.salt = c
		for _, f := range h.Salt.Fields {
			salted[f] = true
		}
	}
	cfg := bloom.Config{Bits: s.CLK.Bits >> h.XORFolds, Folds: h.XORFolds}
	for i, f := range s.Fields {
		if f.CLK == nil {
			continue
		}
		bf := bloom.Field{
			Name:           f.Name,
			Hash:           bloom.RandomHashing(keys.Subkey(secret, "clk/field/"+f.Name, 32)),
			BitsPerToken:   f.CLK.BitsPerToken,
			BitsPerFeature: f.CLK.BitsPerFeature,
			Salted:         salted[f.Name],
		}
		switch f.CLK.Tokeniser {
		case TokeniserNgram:
			bf.Tokenizer = bloom.NGram{N: f.CLK.N, Positional: f.CLK.Positional}
		case TokeniserExact:
			bf.Tokenizer = bloom.Exact{}
		default:
			return nil, fmt.Errorf("field %q: unknown tokeniser %q", f.Name, f.CLK.Tokeniser)
		}
		cfg.Fields = append(cfg.Fields, bf)
		e.index = append(e.index, i)
	}
	if h.Diffusion != nil {
		d, err := bloom.NewDiffusion(keys.Subkey(secret, "clk/diffusion", 32), cfg.Bits, cfg.Bits, h.Diffusion.Taps)
		if err != nil {
			return nil, fmt.Errorf("clk diffusion: %w", err)
		}
		cfg.Hardening = append(cfg.Hardening, bloom.HardeningFunc(d.Apply))
	}
	if h.Balance {
		cfg.Hardening = append(cfg.Hardening, bloom.Balance(keys.Subkey(secret, "clk/balance", 32)))
	}
	if h.BLIP != nil {
		cfg.Hardening = append(cfg.Hardening, bloom.BLIP(keys.Subkey(secret, "clk/blip", 32), h.BLIP.Probability))
	}
	enc, err := bloom.NewEncoder(cfg)
	if err != nil {
		return nil, fmt.Errorf("clk: %w", err)
	}
	if enc.Bits() != s.OutputBits() {
		return nil, fmt.Errorf("clk: encoder gives %d bits, spec says %d", enc.Bits(), s.OutputBits())
	}
	e.enc = enc
	e.values = make([]string, len(e.index))
	return e, nil
}

// clone returns an encoder with its own scratch state for another worker.
func (e *clkEncoder) clone() *clkEncoder {
	return &clkEncoder{enc: e.enc.Clone(), index: e.index, salt: e.salt, values: make([]string, len(e.index))}
}

// bits returns the CLK length in bits.
func (e *clkEncoder) bits() int { return e.enc.Bits() }

// encode appends the CLK of a row with normalised values vals to dst.
func (e *clkEncoder) encode(dst []byte, vals []string) ([]byte, error) {
	for i, fi := range e.index {
		e.values[i] = vals[fi]
	}
	var salt string
	if e.salt != nil {
		salt, _ = e.salt.value(vals)
	}
	return e.enc.EncodeSalted(dst, e.values, salt)
}
