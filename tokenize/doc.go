// Package tokenize turns an agency's extract into a token file on site: it
// reads the linkage spec (native or clkhash) and the agency's input mapping,
// normalises each row's identifiers, encodes them as a keyed Bloom filter
// (CLK) and as keyed deterministic tokens, and streams the result into a
// token file (internal/tokenfile), sealed to the linkage unit.
//
// The two halves of a schema are kept apart on purpose. The linkage spec
// (Spec) is shared by every agency in a project and fingerprinted
// (Spec.Fingerprint); token files whose fingerprints differ are refused
// together by the matcher. The input mapping (Mapping) describes one agency's
// extract (column names, date formats, sex codes, record ID column) and does
// not enter the fingerprint, so four agencies with four layouts produce token
// files that link.
//
// Nothing in this package writes an identifier value anywhere: errors and the
// rejects report name the row number and the field, never the value.
package tokenize
