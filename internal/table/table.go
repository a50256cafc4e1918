// Package table reads tabular extracts (CSV or Parquet) as a stream of
// batches of string rows, with memory bounded by the batch size and the
// field-size limit, not by the file size.
//
// Errors name the data row (1-based, the header not counted) and the column,
// never a cell's value, and are input errors (exit status 2).
package table

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/pprl/pprl/internal/exitcode"
)

// Defaults for Options.
const (
	DefaultBatchSize     = 4096
	DefaultMaxFieldBytes = 64 << 10
)

// Options controls how Open reads a file. The zero value is ready to use.
type Options struct {
	// Format is "csv", "parquet", or "" to decide from the file name
	// (.parquet, .pq) and content (Parquet's PAR1 magic).
	Format string
	// Delimiter is the CSV field separator; 0 sniffs it from the header
	// row among ',', ';', '|' and TAB.
	Delimiter rune
	// BatchSize is the number of rows per batch (default 4096).
	BatchSize int
	// MaxFieldBytes is the longest CSV field accepted (default 64 KiB); a
	// longer one is an error, which also bounds memory on malformed files
	// such as an unterminated quote.
	MaxFieldBytes int
}

func (o Options) withDefaults() Options {
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.MaxFieldBytes <= 0 {
		o.MaxFieldBytes = DefaultMaxFieldBytes
	}
	return o
}

// Batch is a run of consecutive data rows.
type Batch struct {
	// FirstRow is the 1-based data row number of Rows[0] (the header is
	// not counted).
	FirstRow int64
	// Rows holds the rows; each has one string per header column. A null
	// Parquet value is "". The batch is the caller's to keep.
	Rows [][]string
}

// Reader streams the rows of a table.
type Reader interface {
	// Header returns the column names in file order.
	Header() []string
	// Next returns the next batch of at least one row, or io.EOF after the
	// last. Any other error is final.
	Next() (*Batch, error)
	// Progress reports how far reading has got: done out of total, in
	// bytes for CSV and rows for Parquet; total is -1 when unknown (a CSV
	// stream). Safe to call from another goroutine while Next runs, e.g.
	// to drive a progress bar.
	Progress() (done, total int64)
	// Close releases the file.
	Close() error
}

// badCell returns why a field cannot be read as text, or "": longer than
// maxBytes, or, when checkText (the CSV reader's textCheck has seen such a
// byte; always for Parquet), holding a NUL byte (binary data in a text
// column; it would reach record IDs and outputs) or not valid UTF-8. The
// same rules hold for CSV and Parquet extracts.
func badCell(v string, maxBytes int, checkText bool) string {
	switch {
	case len(v) > maxBytes:
		return fmt.Sprintf("field is longer than the %d-byte limit", maxBytes)
	case !checkText:
		return ""
	case strings.IndexByte(v, 0) >= 0:
		return "field holds a NUL byte (binary data in a text column?); remove it from the extract"
	case !utf8.ValidString(v):
		return "not valid UTF-8; convert the file to UTF-8 (e.g. iconv -f WINDOWS-1252 -t UTF-8)"
	}
	return ""
}

// RowError describes a problem with one row (and, where known, one column).
// It never holds a cell value.
type RowError struct {
	Row    int64  // 1-based data row; 0 for the header
	Column string // column name, "" when the problem is the whole row
	Reason string
}

func (e *RowError) Error() string {
	var b strings.Builder
	if e.Row == 0 {
		b.WriteString("header")
	} else {
		fmt.Fprintf(&b, "row %d", e.Row)
	}
	if e.Column != "" {
		fmt.Fprintf(&b, ", column %q", e.Column)
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	return b.String()
}

// Open opens the table at path. A missing or unreadable file, an empty file,
// and a malformed header are input errors.
func Open(path string, opts Options) (Reader, error) {
	opts = opts.withDefaults()
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, exitcode.Inputf("input file %s does not exist", path)
		}
		return nil, exitcode.AsInput(fmt.Errorf("input file: %w", err))
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, exitcode.AsInput(fmt.Errorf("input file: %w", err))
	}
	if fi.IsDir() {
		f.Close()
		return nil, exitcode.Inputf("input file %s is a directory", path)
	}
	format := strings.ToLower(opts.Format)
	if format == "" {
		format = "csv"
		switch strings.ToLower(filepath.Ext(path)) {
		case ".parquet", ".pq":
			format = "parquet"
		default:
			var magic [4]byte
			if n, _ := f.ReadAt(magic[:], 0); n == 4 && bytes.Equal(magic[:], []byte("PAR1")) {
				format = "parquet"
			}
		}
	}
	var r Reader
	switch format {
	case "csv":
		r, err = newCSV(f, path, opts)
		if err == nil {
			r.(*csvReader).total = fi.Size()
		}
	case "parquet":
		r, err = newParquet(f, fi.Size(), path, opts)
	default:
		f.Close()
		return nil, exitcode.Inputf("unknown table format %q: use csv or parquet", opts.Format)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

// inputErr marks err as an input error prefixed with the file name.
func inputErr(name string, err error) error {
	return exitcode.AsInput(fmt.Errorf("%s: %w", name, err))
}
