// Package seal encrypts token files to the linkage unit's public key and
// opens them again, with age (filippo.io/age). Keys are age's post-quantum
// hybrid kind (ML-KEM-768 + X25519) by default; plain X25519 keys are
// accepted. Sealed files are ordinary binary age files: they open with the
// standard `age -d -i lu.key`.
package seal

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"

	"github.com/pprl/pprl/internal/exitcode"
)

// Magic is the first line of every binary age file; a file that starts with
// it is sealed.
const Magic = "age-encryption.org/v1\n"

// Errors that Open and the readers it returns wrap. All are input errors
// (exit status 2).
var (
	// ErrWrongRecipient: the file was sealed to a different key.
	ErrWrongRecipient = errors.New("sealed to a different recipient: none of the given private keys can open it")
	// ErrCorrupt: the file is truncated, corrupt, or not an age file.
	ErrCorrupt = errors.New("sealed file is truncated or corrupt")
)

// IsSealed reports whether header, the first bytes of a file (at least
// len(Magic) of them), begin an age file.
func IsSealed(header []byte) bool {
	return bytes.HasPrefix(header, []byte(Magic))
}

// Seal returns a writer that encrypts everything written to it to
// recipients and writes the sealed bytes to w. The caller must Close it to
// write the final chunk; Close does not close w. Hybrid and classic
// recipients cannot be mixed.
func Seal(w io.Writer, recipients []age.Recipient) (io.WriteCloser, error) {
	if len(recipients) == 0 {
		return nil, exitcode.Inputf("no recipients to seal to")
	}
	wc, err := age.Encrypt(w, recipients...)
	if err != nil {
		return nil, exitcode.AsInput(fmt.Errorf("seal: %w", err))
	}
	return wc, nil
}

// Open returns the plaintext of the sealed data read from r, decrypting with
// whichever of identities matches. Errors, from Open or from reads of the
// returned reader, wrap ErrWrongRecipient or ErrCorrupt and are input errors.
func Open(r io.Reader, identities []age.Identity) (io.Reader, error) {
	pr, err := age.Decrypt(r, identities...)
	if err != nil {
		return nil, classify(err)
	}
	return &checkedReader{r: pr}, nil
}

// OpenReaderAt gives random access to the plaintext of a sealed file of
// size bytes, without decrypting it to disk: age authenticates each 64 KiB
// chunk as it is read. It returns the plaintext reader and size. Errors from
// ReadAt wrap ErrCorrupt.
func OpenReaderAt(r io.ReaderAt, size int64, identities []age.Identity) (io.ReaderAt, int64, error) {
	ra, n, err := age.DecryptReaderAt(r, size, identities...)
	if err != nil {
		return nil, 0, classify(err)
	}
	return &checkedReaderAt{r: ra}, n, nil
}

// classify maps age's errors to pprl's input errors without echoing content.
func classify(err error) error {
	var nm *age.NoIdentityMatchError
	if errors.As(err, &nm) {
		return exitcode.AsInput(ErrWrongRecipient)
	}
	return exitcode.AsInput(fmt.Errorf("%w (%v)", ErrCorrupt, err))
}

type checkedReader struct{ r io.Reader }

func (c *checkedReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err != nil && err != io.EOF {
		err = classify(err)
	}
	return n, err
}

type checkedReaderAt struct{ r io.ReaderAt }

func (c *checkedReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	if err != nil && err != io.EOF {
		err = classify(err)
	}
	return n, err
}
