package tokenize

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// FingerprintShown is how many hex digits of a schema fingerprint people see;
// manifests carry all 64.
const FingerprintShown = 16

// Canonical returns the canonical JSON serialisation of the linkage spec: the
// spec's own fields in declaration order, descriptions and comments removed,
// no insignificant white space. Two specs that encode identically have the
// same canonical form whatever their layout, key order or documentation.
func (s *Spec) Canonical() []byte {
	c := *s
	c.Description, c.Comment = "", ""
	c.CLK.Comment, c.CLK.Hardening.Comment = "", ""
	c.Fields = append([]FieldSpec(nil), s.Fields...)
	for i := range c.Fields {
		c.Fields[i].Description = ""
	}
	c.Rules = append([]RuleSpec(nil), s.Rules...)
	for i := range c.Rules {
		c.Rules[i].Description = ""
	}
	c.Attributes = append([]AttributeSpec(nil), s.Attributes...)
	for i := range c.Attributes {
		c.Attributes[i].Description = ""
	}
	b, err := json.Marshal(&c)
	if err != nil {
		panic("tokenize: marshal spec: " + err.Error()) // plain data: cannot fail
	}
	return b
}

// Fingerprint returns the SHA-256 of the spec's canonical form in lower-case
// hex. It covers the linkage spec only, never an input mapping, so every
// agency sharing the spec gets the same fingerprint whatever its extract
// layout. The matcher refuses token files with different fingerprints.
func (s *Spec) Fingerprint() string {
	sum := sha256.Sum256(s.Canonical())
	return hex.EncodeToString(sum[:])
}

// ShortFingerprint returns the first FingerprintShown hex digits of a
// fingerprint, for people to compare.
func ShortFingerprint(fp string) string {
	if len(fp) > FingerprintShown {
		return fp[:FingerprintShown]
	}
	return fp
}

// canonicalJSON re-serialises arbitrary JSON with sorted object keys and no
// insignificant white space. Used to fingerprint clkhash schemas, whose
// content we do not restructure.
func canonicalJSON(data []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("canonical JSON: %w", err)
	}
	return json.Marshal(v) // maps marshal with sorted keys
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
