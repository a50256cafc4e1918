package linkage

import (
	"encoding/binary"
	"fmt"

	"github.com/pprl/pprl/bloom"
	"github.com/pprl/pprl/internal/tokenfile"
)

// TokenBytes is the length of one deterministic token as the matcher holds
// it: the first 8 bytes of the token file's token (16 bytes of an
// HMAC-SHA256; 32 in files made before token_bytes was recorded). Tokens are
// only tested for equality, and a keyed HMAC's outputs are uniform and
// cannot be steered without the key, so two different values share 64 bits
// with probability 2⁻⁶⁴ per pair of values: at ten million distinct values
// of a rule, about 3·10⁻⁶ false agreements expected in a whole run. Holding
// 8 bytes rather than 32 saves 24 bytes per record per rule: 3.3 GB of a
// Scotland-sized match (9.9 million records, 14 rules).
const TokenBytes = 8

// MaxRules is the most deterministic token rules a match can use; rule
// agreements are kept as a bit mask in each Pair (Pair.Rules), and
// tokenize refuses a spec with more.
const MaxRules = tokenfile.MaxRules

// Dataset is one input of a match held in memory: record identifiers, CLKs
// stored contiguously (record i is CLKs[i*Width:(i+1)*Width]) and the
// deterministic tokens of every rule, also contiguous, with a validity flag
// per record (a null token never joins).
type Dataset struct {
	Name      string
	RecordIDs []string
	CLKs      []byte
	Width     int // bytes per CLK
	Rules     []string
	Tokens    [][]byte // Tokens[r][i*TokenBytes:(i+1)*TokenBytes]
	Valid     [][]bool // Valid[r][i]: record i has a token for rule r

	// Manifest facts carried into summary.json.
	SchemaFingerprint string
	SecretFingerprint string
	Release           string // the data release (tokenize --release), "" when none
	Source            string // file name the dataset came from
	// RuleFields and CLKFields are the token file's manifest entries (the
	// fields each rule reads, the fields the CLK reads); nil for files made
	// before they were recorded.
	RuleFields [][]string
	CLKFields  []string
	// FamilyRules names the rules that members of one family can agree on
	// (tokenfile.Manifest.FamilyRules): their agreements are judged by
	// the namesake census.
	FamilyRules []string
	// UnorderedRules names the rules whose components are read in either
	// order (tokenfile.Manifest.UnorderedRules): the field agreement check
	// leaves them out.
	UnorderedRules []string
	// Normalisers is the version of the normalisers that made the file
	// (tokenfile.Manifest.Normalisers); files of different versions are
	// not matched together. 0 is taken as 1.
	Normalisers int

	pop     []uint16  // popcount of each CLK, filled by Prepare
	present []uint16  // bit r: the record holds a token of rule r, filled by Prepare
	density []float64 // each bit's density on a sample (bitDensity), filled by Prepare
}

// Len returns the number of records.
func (d *Dataset) Len() int { return len(d.RecordIDs) }

// CLK returns record i's filter.
func (d *Dataset) CLK(i int) []byte { return d.CLKs[i*d.Width : (i+1)*d.Width] }

// Token returns record i's token for rule r and whether it is present.
func (d *Dataset) Token(r, i int) ([]byte, bool) {
	if !d.Valid[r][i] {
		return nil, false
	}
	return d.Tokens[r][i*TokenBytes : (i+1)*TokenBytes], true
}

// token64 returns record i's token for rule r as one word (TokenBytes is
// 8), whether or not the record holds one.
func (d *Dataset) token64(r, i int) uint64 {
	return binary.LittleEndian.Uint64(d.Tokens[r][i*TokenBytes:])
}

// token returns record i's token for rule r as a value (TokenBytes is 8),
// whether or not the record holds one: two compare as one word, and under
// the race detector as one checked read each, where token64's byte loads
// were checked one by one.
func (d *Dataset) token(r, i int) [TokenBytes]byte {
	return [TokenBytes]byte(d.Tokens[r][i*TokenBytes:])
}

// Popcount returns the number of set bits of record i's CLK. Prepare must
// have been called.
func (d *Dataset) Popcount(i int) int { return int(d.pop[i]) }

// Prepare checks the dataset's shape and computes the CLK popcounts and
// bit densities. It is idempotent.
func (d *Dataset) Prepare() error {
	n := d.Len()
	// Popcounts and And counts are 16-bit: at most 65,472 bits (8,184
	// bytes), so that even an all-ones filter's count fits.
	if d.Width <= 0 || d.Width%8 != 0 || d.Width > 8184 {
		return fmt.Errorf("dataset %q: CLK width %d bytes is not a positive multiple of 8 up to 8184", d.Name, d.Width)
	}
	if len(d.CLKs) != n*d.Width {
		return fmt.Errorf("dataset %q: %d CLK bytes for %d records of %d bytes", d.Name, len(d.CLKs), n, d.Width)
	}
	if len(d.Rules) > MaxRules {
		return fmt.Errorf("dataset %q: %d token rules, at most %d supported", d.Name, len(d.Rules), MaxRules)
	}
	if len(d.Tokens) != len(d.Rules) || len(d.Valid) != len(d.Rules) {
		return fmt.Errorf("dataset %q: token columns do not match its %d rules", d.Name, len(d.Rules))
	}
	for r := range d.Rules {
		if len(d.Tokens[r]) != n*TokenBytes || len(d.Valid[r]) != n {
			return fmt.Errorf("dataset %q: rule %s has the wrong number of tokens", d.Name, d.Rules[r])
		}
	}
	if n >= 1<<32-2 {
		return fmt.Errorf("dataset %q: %d records, too many", d.Name, n)
	}
	if len(d.pop) == n {
		return nil
	}
	d.density = bitDensity(d)
	d.pop = make([]uint16, n)
	d.present = make([]uint16, n)
	parallelFor(n, 1<<14, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			d.pop[i] = uint16(bloom.Popcount(d.CLK(i)))
			for r, valid := range d.Valid {
				if valid[i] {
					d.present[i] |= 1 << r
				}
			}
		}
	})
	return nil
}
