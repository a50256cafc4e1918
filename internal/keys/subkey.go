package keys

import (
	"crypto/sha256"
	"encoding/base32"
	"io"
	"strings"

	"golang.org/x/crypto/hkdf"
)

// InfoPrefix is the HKDF info prefix of every pprl subkey.
const InfoPrefix = "pprl/v1/"

// Subkey derives n bytes for purpose from secret with HKDF-SHA256 (no salt,
// info "pprl/v1/"+purpose). Purposes name what the key is for, e.g.
// "clk/field/surname" or "token/T1". n must be at most 255*32.
func Subkey(secret []byte, purpose string, n int) []byte {
	r := hkdf.New(sha256.New, secret, nil, []byte(InfoPrefix+purpose))
	out := make([]byte, n)
	if _, err := io.ReadFull(r, out); err != nil {
		// Only possible when n exceeds HKDF's limit: a programming error.
		panic("keys: Subkey: " + err.Error())
	}
	return out
}

// Fingerprint returns a short, non-reversible fingerprint of secret that
// parties can read to each other to confirm they hold the same secret:
// 10 bytes of HKDF-SHA256(secret, info "pprl/v1/fingerprint") in unpadded
// base32, grouped as XXXX-XXXX-XXXX-XXXX.
func Fingerprint(secret []byte) string {
	return Group(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(Subkey(secret, "fingerprint", 10)))
}

// Group splits s into groups of four characters joined by "-".
func Group(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}
