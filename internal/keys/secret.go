// Package keys reads and writes pprl's project secret files and derives
// every key pprl uses from the secret.
//
// A secret file holds 32 random bytes as unpadded base64url text plus a
// newline, readable only by its owner. The secret is the file's bytes with
// one trailing newline removed, used as UTF-8 text (as clkhash uses its
// secret). Every purpose derives its own subkey with HKDF-SHA256 and the info
// label "pprl/v1/"+purpose, so the raw secret is never used twice.
package keys

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"unicode/utf8"

	"github.com/pprl/pprl/internal/atomicfile"
	"github.com/pprl/pprl/internal/exitcode"
)

// SecretBytes is the number of random bytes in a generated secret.
const SecretBytes = 32

// maxSecretFile bounds how much of a file ReadSecret will read: a secret is a
// line of text, so anything larger is the wrong file.
const maxSecretFile = 64 << 10

// NewSecret returns a fresh secret: 32 random bytes as unpadded base64url.
func NewSecret() []byte {
	b := make([]byte, SecretBytes)
	rand.Read(b) // never fails (crypto/rand panics on a broken system)
	return []byte(base64.RawURLEncoding.EncodeToString(b))
}

// CheckOwnerOnly returns an input error if the file at path is missing or can
// be read or written by group or others. It is shared by every reader of
// private key material.
func CheckOwnerOnly(path, what string) (fs.FileInfo, error) {
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, exitcode.Inputf("%s %s does not exist", what, path)
		}
		return nil, exitcode.AsInput(fmt.Errorf("%s: %w", what, err))
	}
	if !fi.Mode().IsRegular() {
		return nil, exitcode.Inputf("%s %s is not a regular file", what, path)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, exitcode.Inputf("%s %s is readable or writable by others (mode %04o); restrict it with: chmod 600 %s",
			what, path, fi.Mode().Perm(), path)
	}
	return fi, nil
}

// ReadSecret reads a project secret file: exactly what NewSecret makes
// (SecretBytes random bytes as 43 unpadded base64url characters) and
// WriteSecret writes. It refuses (with an input error) a file that is
// missing, empty, too large, binary, readable or writable by group or
// others, or that holds anything else: a password, a passphrase, two
// secrets, 64 zeros. A short or guessable HMAC key would make every token
// brute-forceable. It returns the 43 characters, the key material as every
// subkey derivation uses it.
func ReadSecret(path string) ([]byte, error) {
	b, err := ReadTextSecret(path)
	if err != nil {
		return nil, err
	}
	raw, derr := base64.RawURLEncoding.Strict().DecodeString(string(b))
	if len(b) != base64.RawURLEncoding.EncodedLen(SecretBytes) || derr != nil || len(raw) != SecretBytes || degenerate(raw) {
		return nil, exitcode.Inputf("%s is not a pprl secret (a secret is the 256-bit random key that 'pprl keygen secret' writes, one line of 43 characters); make one with: pprl keygen secret -o %s --force, and give it to every agency", path, path)
	}
	return b, nil
}

// degenerate reports key bytes that no random generator gives: every byte
// equal, or a run of one repeated short pattern.
func degenerate(raw []byte) bool {
	for period := 1; period <= 4; period++ {
		same := true
		for i := period; i < len(raw); i++ {
			if raw[i] != raw[i-period] {
				same = false
				break
			}
		}
		if same {
			return true
		}
	}
	return false
}

// ReadTextSecret reads a secret file as text, the way clkhash takes its
// secret: the file's bytes with one trailing "\n" or "\r\n" removed, any
// UTF-8 text. It refuses (with an input error) a file that is missing,
// empty, too large, binary (not UTF-8 text), or readable or writable by
// group or others. Only clkhash schemas use it, to reproduce clkhash's
// encodings under an existing clkhash secret; pprl's own keys go through
// ReadSecret.
func ReadTextSecret(path string) ([]byte, error) {
	_, err := CheckOwnerOnly(path, "secret file")
	if err != nil {
		if fi2, err2 := os.Stat(path); err2 == nil && fi2.Mode().IsRegular() {
			// Name a linkage unit key given by mistake rather than
			// asking to restrict a public key's permissions.
			if kindErr := notASecret(path); kindErr != nil {
				return nil, kindErr
			}
		}
		return nil, err
	}
	if kindErr := notASecret(path); kindErr != nil {
		return nil, kindErr
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, exitcode.AsInput(fmt.Errorf("secret file: %w", err))
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err != nil {
		return nil, exitcode.AsInput(fmt.Errorf("secret file %s: %w", path, err))
	}
	if len(b) > maxSecretFile {
		return nil, exitcode.Inputf("secret file %s is too large to be a secret (over %d bytes); check the path", path, maxSecretFile)
	}
	switch {
	case len(b) >= 2 && b[len(b)-2] == '\r' && b[len(b)-1] == '\n':
		b = b[:len(b)-2]
	case len(b) >= 1 && b[len(b)-1] == '\n':
		b = b[:len(b)-1]
	}
	if len(b) == 0 {
		return nil, exitcode.Inputf("secret file %s is empty; make one with: pprl keygen secret -o %s --force", path, path)
	}
	if !utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0 {
		return nil, exitcode.Inputf("%s is not a secret file (a secret is a line of text, this is binary); check the path", path)
	}
	return b, nil
}

// WriteSecret writes secret plus a newline to path with mode 0600,
// atomically. Unless force is set it refuses (input error) to replace an
// existing file.
func WriteSecret(path string, secret []byte, force bool) error {
	data := make([]byte, 0, len(secret)+1)
	data = append(append(data, secret...), '\n')
	err := atomicfile.WriteFile(path, data, atomicfile.Options{Perm: 0o600, NoOverwrite: !force})
	if errors.Is(err, fs.ErrExist) {
		return exitcode.Inputf("%s already exists; use --force to replace it (the old key is then lost)", path)
	}
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return exitcode.AsInput(err)
	}
	return err
}

// notASecret returns an input error if the file at path starts like an age
// key or an age-sealed file rather than a project secret.
func notASecret(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	head := make([]byte, 32)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte("age1")):
		return exitcode.Inputf("%s is an age public key, not the project secret; give the file made by 'pprl keygen secret'", path)
	case bytes.HasPrefix(head, []byte("AGE-SECRET-KEY-")), bytes.HasPrefix(head, []byte("# created:")):
		return exitcode.Inputf("%s is an age private key, not the project secret; give the file made by 'pprl keygen secret'", path)
	case bytes.HasPrefix(head, []byte("age-encryption.org/")):
		return exitcode.Inputf("%s is a sealed file, not the project secret", path)
	}
	return nil
}
