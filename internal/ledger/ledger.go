// Package ledger keeps the linkage unit's record of every use of the
// data: an append-only file of JSON lines, one per match run, cohort
// release or lookup, each holding the SHA-256 of the line before it.
//
// Editing, deleting or reordering a line breaks the chain at the next line,
// and Verify reports where. Removing the newest lines, or rewriting the
// whole chain, leaves a consistent file; that is caught by comparing with a
// head hash held elsewhere: every Append returns the new entry's hash,
// which the commands print and put in the outputs they hand out (a cohort
// manifest, a match summary), so copies outside the linkage unit anchor the
// chain (Verify's want).
//
// Entries never hold an identifier: commands log file names, file
// fingerprints and counts.
package ledger

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/pprl/pprl/internal/exitcode"
)

// Genesis is the Prev of the first entry.
const Genesis = "sha256:0000000000000000000000000000000000000000000000000000000000000000"

// maxLine bounds one entry; entries are a few hundred bytes.
const maxLine = 1 << 20

// Entry is one line of the ledger.
type Entry struct {
	Seq     int    `json:"seq"`  // 1 for the first entry, then +1
	Time    string `json:"time"` // RFC 3339, UTC
	Command string `json:"command"`
	// Inputs and Outputs name the files used and written, with their
	// SHA-256 (File.SHA256), so that a file can later be shown to be the
	// one used.
	Inputs  []File `json:"inputs,omitempty"`
	Outputs []File `json:"outputs,omitempty"`
	// Facts are counts and settings of the use (records, links, people,
	// project name); never an identifier.
	Facts map[string]any `json:"facts,omitempty"`
	// Prev is "sha256:" and the hex SHA-256 of the previous line (without
	// its newline), or Genesis.
	Prev string `json:"prev"`
}

// File is one file an entry refers to.
type File struct {
	Role   string `json:"role"` // e.g. "input", "opt-out", "entities"
	Name   string `json:"name"` // as given on the command line
	SHA256 string `json:"sha256"`
}

// HashFile returns f for path with its SHA-256 filled in.
func HashFile(role, path string) (File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return File{}, err
	}
	defer fh.Close()
	h := sha256.New()
	if _, err := io.Copy(h, fh); err != nil {
		return File{}, fmt.Errorf("%s: %w", path, err)
	}
	return File{Role: role, Name: path, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// LineHash returns "sha256:" and the hex SHA-256 of one ledger line
// (without its newline).
func LineHash(line []byte) string {
	s := sha256.Sum256(line)
	return "sha256:" + hex.EncodeToString(s[:])
}

// Append adds e to the ledger at path (created with mode 0600 if absent),
// filling in Seq, Time (when empty) and Prev, and returns the new line's
// hash. The ledger is locked for the append and verified first: a broken
// chain is refused, since appending to it would bury the damage.
func Append(path string, e Entry, now time.Time) (string, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return "", fmt.Errorf("ledger: %w", err)
	}
	defer f.Close()
	if err := lock(f); err != nil {
		return "", fmt.Errorf("ledger %s: lock: %w", path, err)
	}
	defer unlock(f)
	st, err := scan(f)
	if err != nil {
		return "", exitcode.AsInput(fmt.Errorf("ledger %s: %w: nothing appended; run pprl log verify and restore the ledger from a copy", path, err))
	}
	e.Seq = st.entries + 1
	e.Prev = st.head
	if e.Time == "" {
		e.Time = now.UTC().Format(time.RFC3339)
	}
	line, err := json.Marshal(e)
	if err != nil {
		return "", err
	}
	end, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return "", err
	}
	// A last line without its newline (an editor's save drops it) is
	// ended first: written straight after it, the entry would join that
	// line, whose hash the chain holds.
	var out []byte
	if end > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, end-1); err != nil {
			return "", fmt.Errorf("ledger %s: %w", path, err)
		}
		if last[0] != '\n' {
			out = append(out, '\n')
		}
	}
	out = append(append(out, line...), '\n')
	if _, err := f.Write(out); err != nil {
		return "", fmt.Errorf("ledger %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return "", fmt.Errorf("ledger %s: %w", path, err)
	}
	return LineHash(line), nil
}

// Status is what Verify found.
type Status struct {
	Entries int
	Head    string // hash of the last line, or Genesis for an empty ledger
}

// Verify checks the ledger at path: every line a JSON entry, numbered from
// 1 without gaps, each holding the hash of the line before it. With want
// set (a head hash recorded elsewhere, "sha256:…"), the ledger must also
// contain an entry with that hash: one that was removed or rewritten since
// is reported.
func Verify(path, want string) (Status, error) {
	f, err := os.Open(path)
	if err != nil {
		return Status{}, exitcode.AsInput(fmt.Errorf("ledger: %w", err))
	}
	defer f.Close()
	st, err := scanFor(f, want)
	if err != nil {
		return Status{Entries: st.entries, Head: st.head}, exitcode.AsInput(fmt.Errorf("ledger %s: %w", path, err))
	}
	if want != "" && !st.found {
		return Status{Entries: st.entries, Head: st.head}, exitcode.AsInput(fmt.Errorf("ledger %s: no entry has the recorded hash %s: entries were removed or rewritten after it was recorded", path, want))
	}
	return Status{Entries: st.entries, Head: st.head}, nil
}

type scanState struct {
	entries int
	head    string
	found   bool // an entry's hash equals the wanted one
}

func scan(r io.Reader) (scanState, error) { return scanFor(r, "") }

// scanFor reads and checks every line of r.
func scanFor(r io.Reader, want string) (scanState, error) {
	st := scanState{head: Genesis}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Bytes()
		var e Entry
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		// One entry a line, nothing after it: the decoder would stop at
		// the end of the first value and leave the rest unread.
		if err := dec.Decode(&e); err != nil || dec.InputOffset() != int64(len(line)) {
			return st, fmt.Errorf("line %d is not a ledger entry (edited or corrupt)", n)
		}
		if e.Seq != n {
			return st, fmt.Errorf("line %d holds entry %d: entries were removed, inserted or reordered", n, e.Seq)
		}
		if e.Prev != st.head {
			return st, fmt.Errorf("line %d does not follow line %d (the hash chain breaks): line %d was edited, or lines were removed or reordered", n, n-1, n-1)
		}
		st.entries, st.head = n, LineHash(line)
		if want != "" && st.head == want {
			st.found = true
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return st, fmt.Errorf("line %d is longer than any ledger entry (corrupt)", n+1)
		}
		return st, err
	}
	return st, nil
}

// CheckHash refuses a head hash that is not "sha256:" and 64 hex digits.
func CheckHash(h string) error {
	hexPart, ok := strings.CutPrefix(h, "sha256:")
	if _, err := hex.DecodeString(hexPart); !ok || len(hexPart) != 64 || err != nil {
		return exitcode.Inputf("%q is not a ledger hash (sha256: and 64 hex digits, as pprl prints it)", h)
	}
	return nil
}
