package tokenize

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/pprl/pprl/internal/atomicfile"
)

// RejectsHeader is the header of the rejects file. Each line names a data
// row (1-based, header not counted), a field (a spec field, "record_id", or
// "record" for the whole row), a reason code, and the outcome: "rejected"
// (the row was not encoded) or "encoded" (the row was encoded without the
// field). It never holds a value from the extract.
const RejectsHeader = "row,field,reason,outcome"

// rejectsWriter writes the rejects file under a temporary name.
type rejectsWriter struct {
	path string
	f    *atomicfile.File
	w    *bufio.Writer
	buf  []byte
	done bool
}

func createRejects(path string) (*rejectsWriter, error) {
	f, err := atomicfile.Create(path, atomicfile.Options{Perm: 0o644})
	if err != nil {
		return nil, fmt.Errorf("rejects file: %w", err)
	}
	r := &rejectsWriter{path: path, f: f, w: bufio.NewWriterSize(f, 64<<10)}
	r.w.WriteString(RejectsHeader + "\n")
	return r, nil
}

func (r *rejectsWriter) write(entries []rejectEntry) error {
	for _, e := range entries {
		b := strconv.AppendInt(r.buf[:0], e.row, 10)
		b = append(b, ',')
		b = appendCSVField(b, e.field) // clkhash identifiers may need quoting
		b = append(b, ',')
		b = append(b, e.reason...)
		if e.rejected {
			b = append(b, ",rejected\n"...)
		} else {
			b = append(b, ",encoded\n"...)
		}
		r.buf = b
		if _, err := r.w.Write(b); err != nil {
			return fmt.Errorf("rejects file: %w", err)
		}
	}
	return nil
}

// commit puts the file in place when keep is true, else discards it. It
// returns the path written, or "".
func (r *rejectsWriter) commit(keep bool) (string, error) {
	if !keep {
		r.f.Abort()
		// A rejects file from an earlier run of the same output would
		// describe another extract.
		if err := os.Remove(r.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("rejects file: %w", err)
		}
		return "", nil
	}
	if err := r.w.Flush(); err != nil {
		return "", fmt.Errorf("rejects file: %w", err)
	}
	if err := r.f.Commit(); err != nil {
		return "", fmt.Errorf("rejects file: %w", err)
	}
	r.done = true
	return r.path, nil
}

func (r *rejectsWriter) abort() { r.f.Abort() }

// remove deletes a committed rejects file (the token file failed after it).
func (r *rejectsWriter) remove() {
	if r.done {
		os.Remove(r.path)
	}
}

// appendCSVField appends s as one CSV field, quoted when it holds a comma,
// quote or line break.
func appendCSVField(b []byte, s string) []byte {
	if !strings.ContainsAny(s, ",\"\r\n") {
		return append(b, s...)
	}
	b = append(b, '"')
	b = append(b, strings.ReplaceAll(s, `"`, `""`)...)
	return append(b, '"')
}
