// Package progress shows a progress bar on stderr when stderr is a terminal,
// and nothing otherwise (a scheduler's log stays clean). Quiet runs show
// nothing either. A nil *Bar is valid and does nothing, so callers never
// need to check.
package progress

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Bar counts progress towards a total. Its methods are safe for concurrent
// use.
type Bar struct {
	pb *progressbar.ProgressBar
	w  io.Writer
}

// Unit says what a bar counts.
type Unit int

// Units a bar can count.
const (
	Items Unit = iota // records, comparisons: shown with a rate per second
	Bytes             // bytes of input: shown in KB/MB
)

// New returns a bar for total units (-1 if unknown) labelled description,
// drawn on stderr only if stderr is a terminal and quiet is false; otherwise
// it returns nil, which does nothing.
func New(total int64, description string, unit Unit, quiet bool) *Bar {
	if quiet || !term.IsTerminal(int(os.Stderr.Fd())) {
		return nil
	}
	return NewTo(os.Stderr, total, description, unit)
}

// NewTo returns a bar drawn on w regardless of whether it is a terminal.
func NewTo(w io.Writer, total int64, description string, unit Unit) *Bar {
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(description),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionShowCount(),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionUseANSICodes(true),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
	}
	switch unit {
	case Bytes:
		opts = append(opts, progressbar.OptionShowBytes(true))
	default:
		opts = append(opts, progressbar.OptionShowIts(), progressbar.OptionSetItsString("rec"))
	}
	return &Bar{pb: progressbar.NewOptions64(total, opts...), w: w}
}

// Add records n more units done.
func (b *Bar) Add(n int64) {
	if b != nil {
		b.pb.Add64(n)
	}
}

// Set records that n units are done in all.
func (b *Bar) Set(n int64) {
	if b != nil {
		b.pb.Set64(n)
	}
}

// Finish completes the bar and ends its line.
func (b *Bar) Finish() {
	if b != nil {
		b.pb.Finish()
	}
}

// Reader wraps r so that reading from it advances b (by bytes). With a nil
// bar it returns r itself.
func (b *Bar) Reader(r io.Reader) io.Reader {
	if b == nil {
		return r
	}
	return &reader{r: r, b: b}
}

type reader struct {
	r io.Reader
	b *Bar
}

func (r *reader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.b.Add(int64(n))
	return n, err
}
