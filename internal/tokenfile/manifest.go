// Package tokenfile reads and writes pprl token files: one Parquet file per
// agency extract holding each record's ID, CLK and deterministic tokens,
// with a JSON manifest in the footer key-value metadata under
// "pprl.manifest" (docs/architecture.md fixes the format). A token file may
// be sealed with age to the linkage unit's public key; readers detect that
// by the age header.
package tokenfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/pprl/pprl/internal/exitcode"
)

// Format identifiers written in every manifest.
const (
	FormatName    = "pprl-tokens"
	FormatVersion = 1
	// ManifestKey is the Parquet footer key holding the manifest JSON.
	ManifestKey = "pprl.manifest"
	// TokenBytes is the width of the deterministic tokens this pprl
	// writes: the first 16 bytes of an HMAC-SHA256 (tokenize.TokenBytes).
	TokenBytes = 16
	// legacyTokenBytes is the width of the tokens of files that record
	// none (Manifest.TokenBytes): whole HMACs. Their first 16 bytes are
	// the tokens a newer pprl writes for the same value, so the two kinds
	// of file link together.
	legacyTokenBytes = 32
)

// MaxRules is the most deterministic token rules a token file may hold:
// the matcher keeps a pair's rule agreements as a 16-bit mask.
const MaxRules = 16

// Manifest describes a token file. It is stored as JSON in the Parquet
// footer.
type Manifest struct {
	Format            string   `json:"format"`
	FormatVersion     int      `json:"format_version"`
	PPRLVersion       string   `json:"pprl_version"`
	Dataset           string   `json:"dataset"`
	SchemaFingerprint string   `json:"schema_fingerprint"`
	SecretFingerprint string   `json:"secret_fingerprint"`
	Encoding          string   `json:"encoding"` // "native" or "clkhash"
	CLKBits           int      `json:"clk_bits"`
	Rules             []string `json:"rules"`      // token rule names, lower case, column order
	Attributes        []string `json:"attributes"` // report attribute names, column order
	Rows              Rows     `json:"rows"`
	Created           string   `json:"created"` // RFC 3339, UTC, whole seconds
	// Release names the data release the file belongs to (pprl tokenize
	// --release), when the project rotates its secret per release; files
	// of different releases are never matched together.
	Release string `json:"release,omitempty"`
	// RuleFields lists, per rule in Rules order, the spec fields its
	// components read, and CLKFields the fields the CLK reads (its fields
	// and its salt's source). match uses them to find the rules over
	// fields the CLK does not see, such as an ID number, whose chance
	// agreements are independent of the CLK. Both are absent from files
	// made before they were recorded, and from clkhash files.
	RuleFields [][]string `json:"rule_fields,omitempty"`
	CLKFields  []string   `json:"clk_fields,omitempty"`
	// FamilyRules names the rules the spec marks as ones that members of
	// one family (twins) can agree on; match judges their agreements
	// against the pairs within each dataset (see tokenize.RuleSpec.Family).
	FamilyRules []string `json:"family_rules,omitempty"`
	// UnorderedRules names the rules whose components are read in either
	// order (tokenize.RuleSpec.Unordered: names that survive a swap);
	// match leaves them out when it checks each field's agreement between
	// datasets.
	UnorderedRules []string `json:"unordered_rules,omitempty"`
	// NormaliserVersion numbers the normalisers (and the tables they use,
	// such as the nickname table of canonical forenames) that made the
	// file's tokens and CLKs: the same spec under two versions can encode
	// one name differently, so match refuses to mix them. Files made
	// before it was recorded hold 0, which means version 1.
	NormaliserVersion int `json:"normaliser_version,omitempty"`
	// TokenBytes is the width of the file's deterministic tokens: 16 (the
	// first 128 bits of an HMAC-SHA256). Files made before it was
	// recorded hold 0, which means 32 (the whole HMAC).
	TokenBytes int `json:"token_bytes,omitempty"`
}

// TokenWidth returns the width in bytes of the file's deterministic
// tokens (TokenBytes, 32 for files made before it was recorded).
func (m *Manifest) TokenWidth() int {
	if m.TokenBytes == 0 {
		return legacyTokenBytes
	}
	return m.TokenBytes
}

// Normalisers returns the file's normaliser version (NormaliserVersion, 1
// for files made before it was recorded).
func (m *Manifest) Normalisers() int { return max(m.NormaliserVersion, 1) }

// Rows accounts for every input row: Read = Encoded + Rejected.
type Rows struct {
	Read     int64 `json:"read"`
	Encoded  int64 `json:"encoded"`
	Rejected int64 `json:"rejected"`
	// Rejects counts rejected rows by field and reason code.
	Rejects map[string]map[string]int64 `json:"rejects"`
}

// CLKBytes returns the width of one CLK in bytes.
func (m *Manifest) CLKBytes() int { return m.CLKBits / 8 }

var namePattern = regexp.MustCompile(`^[a-z0-9_]+$`)

// releasePattern is what a release name may be, e.g. 2026-12 or r7.
var releasePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ValidRelease reports whether s can name a release.
func ValidRelease(s string) bool { return releasePattern.MatchString(s) }

// Validate checks everything a writer or reader relies on, except the row
// counts (which are final only when writing ends).
func (m *Manifest) Validate() error {
	if m.Format != FormatName {
		return fmt.Errorf("format is %q, not %q", m.Format, FormatName)
	}
	if m.FormatVersion != FormatVersion {
		return fmt.Errorf("format version %d is not supported (this pprl reads version %d)", m.FormatVersion, FormatVersion)
	}
	if m.Dataset == "" {
		return fmt.Errorf("dataset name is empty")
	}
	if m.Release != "" && !releasePattern.MatchString(m.Release) {
		return fmt.Errorf("release %q is not a release name (letters, digits, '.', '_' and '-', at most 64, starting with a letter or digit)", m.Release)
	}
	if m.TokenBytes != 0 && m.TokenBytes != TokenBytes && m.TokenBytes != legacyTokenBytes {
		return fmt.Errorf("token_bytes %d is not %d or %d", m.TokenBytes, TokenBytes, legacyTokenBytes)
	}
	if m.NormaliserVersion < 0 {
		return fmt.Errorf("normaliser_version %d is negative", m.NormaliserVersion)
	}
	if m.Encoding != "native" && m.Encoding != "clkhash" {
		return fmt.Errorf("encoding is %q, not native or clkhash", m.Encoding)
	}
	if m.CLKBits <= 0 || m.CLKBits%8 != 0 || m.CLKBits > 1<<16 {
		return fmt.Errorf("clk_bits %d is not a positive multiple of 8", m.CLKBits)
	}
	seen := map[string]bool{}
	for _, r := range m.Rules {
		if !namePattern.MatchString(r) || seen["tok_"+r] {
			return fmt.Errorf("rule name %q must be unique and lower case letters, digits or _", r)
		}
		seen["tok_"+r] = true
	}
	if m.RuleFields != nil && len(m.RuleFields) != len(m.Rules) {
		return fmt.Errorf("rule_fields has %d entries for %d rules", len(m.RuleFields), len(m.Rules))
	}
	for _, r := range slices.Concat(m.FamilyRules, m.UnorderedRules) {
		if !seen["tok_"+r] {
			return fmt.Errorf("family_rules or unordered_rules names %q, which is not a rule of the file", r)
		}
	}
	for _, a := range m.Attributes {
		if !namePattern.MatchString(a) || seen["attr_"+a] {
			return fmt.Errorf("attribute name %q must be unique and lower case letters, digits or _", a)
		}
		seen["attr_"+a] = true
	}
	if _, err := time.Parse(time.RFC3339, m.Created); err != nil {
		return fmt.Errorf("created %q is not an RFC 3339 time", m.Created)
	}
	return nil
}

// normalized returns a copy with nil slices and maps made empty, so that the
// JSON has [] and {} rather than null.
func (m Manifest) normalized() Manifest {
	if m.Rules == nil {
		m.Rules = []string{}
	}
	if m.Attributes == nil {
		m.Attributes = []string{}
	}
	if m.Rows.Rejects == nil {
		m.Rows.Rejects = map[string]map[string]int64{}
	}
	return m
}

// marshal encodes the manifest deterministically (encoding/json sorts map
// keys).
func (m Manifest) marshal() (string, error) {
	b, err := json.Marshal(m.normalized())
	return string(b), err
}

// Created returns the manifest time for a run reading input: the
// SOURCE_DATE_EPOCH environment variable (seconds since 1970) when set, else
// input's modification time, in UTC to the second and formatted as RFC 3339.
// Using the input's time rather than the clock makes reruns byte-identical.
func Created(input string) (string, error) {
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		sec, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return "", exitcode.Inputf("SOURCE_DATE_EPOCH=%q is not a number of seconds", s)
		}
		return time.Unix(sec, 0).UTC().Format(time.RFC3339), nil
	}
	fi, err := os.Stat(input)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", exitcode.Inputf("input file %s does not exist", input)
		}
		return "", exitcode.AsInput(fmt.Errorf("input file: %w", err))
	}
	return fi.ModTime().UTC().Truncate(time.Second).Format(time.RFC3339), nil
}
