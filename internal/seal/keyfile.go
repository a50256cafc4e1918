package seal

import (
	"bytes"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"filippo.io/age"

	"github.com/pprl/pprl/internal/atomicfile"
	"github.com/pprl/pprl/internal/exitcode"
	"github.com/pprl/pprl/internal/keys"
)

// maxKeyFile bounds key files: a hybrid private key file is about 2.2 KB.
const maxKeyFile = 1 << 20

// GenerateUnit makes an age key pair for receiving sealed files (the
// linkage unit's, or an agency's own for cohort maps): PREFIX.key (the private key,
// mode 0600, in age-keygen's format) and PREFIX.pub (the public key, one
// line). hybrid selects post-quantum ML-KEM-768+X25519 keys, else X25519.
// Unless force is set, existing files are not replaced (input error). It
// returns the recipient (public key) string.
func GenerateUnit(prefix string, hybrid, force bool) (string, error) {
	keyPath, pubPath := prefix+".key", prefix+".pub"
	if !force {
		for _, p := range []string{keyPath, pubPath} {
			if _, err := os.Lstat(p); err == nil {
				return "", exitcode.Inputf("%s already exists; use --force to replace it (files sealed to the old key can then no longer be opened)", p)
			}
		}
	}
	var secret, recipient string
	if hybrid {
		id, err := age.GenerateHybridIdentity()
		if err != nil {
			return "", err
		}
		secret, recipient = id.String(), id.Recipient().String()
	} else {
		id, err := age.GenerateX25519Identity()
		if err != nil {
			return "", err
		}
		secret, recipient = id.String(), id.Recipient().String()
	}
	keyText := fmt.Sprintf("# created: %s\n# public key: %s\n%s\n", time.Now().UTC().Format(time.RFC3339), recipient, secret)
	if err := writeKey(keyPath, []byte(keyText), 0o600, force); err != nil {
		return "", err
	}
	if err := writeKey(pubPath, []byte(recipient+"\n"), 0o644, force); err != nil {
		os.Remove(keyPath)
		return "", err
	}
	return recipient, nil
}

func writeKey(path string, data []byte, perm os.FileMode, force bool) error {
	err := atomicfile.WriteFile(path, data, atomicfile.Options{Perm: perm, NoOverwrite: !force})
	switch {
	case errors.Is(err, fs.ErrExist):
		return exitcode.Inputf("%s already exists; use --force to replace it", path)
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrPermission):
		return exitcode.AsInput(err)
	}
	return err
}

// readKeyFile reads a small key file, as an input error if missing.
func readKeyFile(path, what string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, exitcode.Inputf("%s %s does not exist", what, path)
		}
		return nil, exitcode.AsInput(fmt.Errorf("%s: %w", what, err))
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, exitcode.AsInput(fmt.Errorf("%s %s: %w", what, path, err))
	}
	if len(b) > maxKeyFile {
		return nil, exitcode.Inputf("%s %s is too large to be a key file; check the path", what, path)
	}
	return b, nil
}

// Kind classifies key material without revealing it.
type Kind int

// The kinds of key file pprl knows.
const (
	KindUnknown    Kind = iota
	KindPublic          // an age recipient (age1... or age1pq1...)
	KindPrivate         // an age identity (AGE-SECRET-KEY-...)
	KindSealedFile      // an age-encrypted file, not a key
)

// Sniff reports what kind of key material b holds, looking at the first line
// that is neither empty nor a comment.
func Sniff(b []byte) Kind {
	if IsSealed(b) {
		return KindSealedFile
	}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		switch {
		case strings.HasPrefix(line, "AGE-SECRET-KEY-"):
			return KindPrivate
		case strings.HasPrefix(line, "age1"):
			return KindPublic
		}
		return KindUnknown
	}
	return KindUnknown
}

// ReadRecipients reads a public key file (PREFIX.pub, one
// age recipient per line; hybrid age1pq1... and X25519 age1... accepted).
// A private key, a missing file or a malformed key is an input error that
// never quotes the file's content.
func ReadRecipients(path string) ([]age.Recipient, error) {
	b, err := readKeyFile(path, "public key file")
	if err != nil {
		return nil, err
	}
	switch Sniff(b) {
	case KindPrivate:
		return nil, exitcode.Inputf("%s is a private key; seal to the recipient's public key (the .pub file) instead, and keep the private key with its owner", path)
	case KindSealedFile:
		return nil, exitcode.Inputf("%s is a sealed file, not a public key; give the recipient's .pub file made by 'pprl keygen unit'", path)
	}
	if line := badLine(b, func(l string) error { _, err := age.ParseRecipients(strings.NewReader(l)); return err }); line > 0 {
		return nil, exitcode.Inputf("%s is not an age public key file (line %d is not a valid public key); give the .pub file made by 'pprl keygen unit'", path, line)
	}
	rs, err := age.ParseRecipients(bytes.NewReader(b))
	if err != nil {
		return nil, exitcode.Inputf("%s is not an age public key file (no public key found); give the .pub file made by 'pprl keygen unit'", path)
	}
	return rs, nil
}

// ReadIdentities reads the linkage unit's private key file (PREFIX.key, in
// age-keygen's format). It refuses a file readable or writable by group or
// others, a public key, and malformed content, with input errors.
func ReadIdentities(path string) ([]age.Identity, error) {
	b, err := readKeyFile(path, "private key file")
	if err != nil {
		return nil, err
	}
	// The kind is checked first so that a .pub given by mistake is named
	// as such rather than refused for its (correct) permissions.
	switch Sniff(b) {
	case KindPublic:
		return nil, exitcode.Inputf("%s is a public key; opening sealed files needs the linkage unit's private key (the .key file)", path)
	case KindSealedFile:
		return nil, exitcode.Inputf("%s is a sealed file, not a private key; give the linkage unit's .key file", path)
	}
	if _, err := keys.CheckOwnerOnly(path, "private key file"); err != nil {
		return nil, err
	}
	if line := badLine(b, func(l string) error { _, err := age.ParseIdentities(strings.NewReader(l)); return err }); line > 0 {
		return nil, exitcode.Inputf("%s is not an age private key file (line %d is not a valid private key); give the .key file made by 'pprl keygen unit'", path, line)
	}
	ids, err := age.ParseIdentities(bytes.NewReader(b))
	if err != nil {
		return nil, exitcode.Inputf("%s is not an age private key file (no private key found); give the .key file made by 'pprl keygen unit'", path)
	}
	return ids, nil
}

// ReadRecipient reads a public key file that must hold exactly one
// recipient, and returns it with its Fingerprint. A file holding several
// (two .pub files concatenated) is an input error: sealing to all of them
// would let each open the file while the command named only the file.
func ReadRecipient(path string) (age.Recipient, string, error) {
	rs, err := ReadRecipients(path)
	if err != nil {
		return nil, "", err
	}
	if len(rs) != 1 {
		return nil, "", exitcode.Inputf("%s holds %d public keys; a token file is sealed to exactly one recipient, the linkage unit: give its .pub file alone", path, len(rs))
	}
	fp := ""
	if s, ok := rs[0].(fmt.Stringer); ok {
		fp = Fingerprint(s.String())
	}
	return rs[0], fp, nil
}

// RecipientString returns the public key of an identity returned by
// ReadIdentities, or "" for a kind it does not know.
func RecipientString(id age.Identity) string {
	switch id := id.(type) {
	case *age.HybridIdentity:
		return id.Recipient().String()
	case *age.X25519Identity:
		return id.Recipient().String()
	}
	return ""
}

// Fingerprint returns a short fingerprint of a public key string, so that an
// agency can confirm by phone that it seals to the right linkage unit (a
// hybrid public key is about 2,000 characters): the first 10 bytes of
// SHA-256 of the string, unpadded base32, grouped as XXXX-XXXX-XXXX-XXXX.
func Fingerprint(recipient string) string {
	sum := sha256.Sum256([]byte(recipient))
	return keys.Group(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:10]))
}

// IsHybrid reports whether a recipient string is a post-quantum hybrid key.
func IsHybrid(recipient string) bool { return strings.HasPrefix(recipient, "age1pq1") }

// badLine returns the 1-based number of the first line that is neither
// blank, a comment, nor accepted by parse; 0 if there is none. Errors from
// age may quote the line, so only its number is reported.
func badLine(b []byte, parse func(string) error) int {
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if parse(line) != nil {
			return i + 1
		}
	}
	return 0
}
