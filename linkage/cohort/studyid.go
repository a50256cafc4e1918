package cohort

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"

	"github.com/pprl/pprl/internal/exitcode"
	"github.com/pprl/pprl/internal/keys"
)

// StudyIDBits is the number of bits of HMAC output a study ID keeps. With
// 80 bits, a cohort of ten million people has a chance of about 4e-11 of
// any two sharing an ID; Build checks for it anyway.
const StudyIDBits = 80

// studyIDPrefix starts every study ID. Entity IDs start with "E", so the two
// can never be equal or confused.
const studyIDPrefix = "S"

var studyIDEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

var projectPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// CheckProject returns an input error unless name is a usable project name:
// 1 to 64 letters, digits, '_', '-' or '.', starting with a letter or digit
// (it becomes part of a file name and of a key derivation label).
func CheckProject(name string) error {
	if !projectPattern.MatchString(name) {
		return exitcode.Inputf("project name %q: use 1 to 64 letters, digits, '_', '-' or '.', starting with a letter or digit", name)
	}
	return nil
}

// StudyIDs assigns a project's study IDs. It is not safe for concurrent use.
type StudyIDs struct {
	mac hash.Hash
	sum []byte
	buf []byte
}

// NewStudyIDs returns the study ID assigner of project under projectKey (the
// contents of the project key file, as keys.ReadSecret returns them).
func NewStudyIDs(projectKey []byte, project string) *StudyIDs {
	sub := keys.Subkey(projectKey, "cohort/study-id/"+project, 32)
	return &StudyIDs{mac: hmac.New(sha256.New, sub)}
}

// ID returns the study ID of an entity: "S" and 16 base32 characters.
func (s *StudyIDs) ID(entityID string) string {
	s.mac.Reset()
	s.mac.Write([]byte(entityID))
	s.sum = s.mac.Sum(s.sum[:0])
	n := studyIDEncoding.EncodedLen(StudyIDBits / 8)
	if cap(s.buf) < 1+n {
		s.buf = make([]byte, 1+n)
	}
	b := s.buf[:1+n]
	b[0] = studyIDPrefix[0]
	studyIDEncoding.Encode(b[1:], s.sum[:StudyIDBits/8])
	return string(b)
}

// DefaultProjectKeyPath is where a project's key lives unless the caller
// says otherwise: projects/NAME.key under the linkage unit's working
// directory.
func DefaultProjectKeyPath(project string) string {
	return filepath.Join("projects", project+".key")
}

// LoadOrCreateProjectKey reads the project key at path, or, when no file is
// there, creates one (32 random bytes, written as keys.WriteSecret writes a
// secret: mode 0600, its directory made 0700 if missing). created reports
// which. A key file readable by group or others is refused (input error).
func LoadOrCreateProjectKey(path string) (key []byte, created bool, err error) {
	if _, err := os.Lstat(path); err == nil {
		key, err := keys.ReadSecret(path)
		if err != nil {
			return nil, false, fmt.Errorf("project key: %w", err)
		}
		return key, false, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, exitcode.AsInput(fmt.Errorf("project key: %w", err))
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, false, exitcode.AsInput(fmt.Errorf("project key directory: %w", err))
		}
	}
	secret := keys.NewSecret()
	if err := keys.WriteSecret(path, secret, false); err != nil {
		return nil, false, fmt.Errorf("project key: %w", err)
	}
	// Read it back exactly as a later release will, so that the first
	// release and every later one derive the same study IDs.
	key, err = keys.ReadSecret(path)
	if err != nil {
		return nil, false, fmt.Errorf("project key: %w", err)
	}
	return key, true, nil
}
