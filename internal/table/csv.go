package table

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/pprl/pprl/internal/exitcode"
)

// csvReader streams a CSV file with a header row: csvRecords reads it, or
// encoding/csv where the delimiter is wider than a byte.
type csvReader struct {
	name   string
	closer io.Closer
	// records reads the data records where the delimiter is one byte (as
	// good as always); cr, through lim, where it is a wider character.
	records *csvRecords
	cr      *csv.Reader
	lim     *recordLimiter
	limit   int // the longest record, in bytes
	text    *textReader
	header  []string
	opts    Options
	row     int64 // data rows read so far
	counter *countingReader
	total   int64 // file size, or -1
	// lineOffset is the number of lines before the data (the header's),
	// added to encoding/csv's line numbers.
	lineOffset int
	err        error // sticky final error
}

// NewCSV reads CSV from r (named name in errors) with a header row. It
// strips a UTF-8 byte-order mark, sniffs the delimiter unless opts sets one,
// and checks the header.
func NewCSV(r io.Reader, name string, opts Options) (Reader, error) {
	return newCSV(r, name, opts.withDefaults())
}

func newCSV(r io.Reader, name string, opts Options) (Reader, error) {
	counter := &countingReader{r: r}
	text := &textReader{r: counter}
	br := bufio.NewReaderSize(text, 64<<10)
	if b, err := br.Peek(3); err == nil && string(b) == "\xef\xbb\xbf" {
		br.Discard(3)
	}
	if _, err := br.Peek(1); err == io.EOF {
		return nil, exitcode.Inputf("%s is empty: expected a header row naming the columns", name)
	} else if err != nil {
		return nil, inputErr(name, err)
	}
	head, _ := br.Peek(br.Size())
	if crOnly(head) {
		return nil, exitcode.Inputf("%s has CR-only line endings (classic Mac OS): no line ends in a line feed; convert them first, e.g. tr '\\r' '\\n' < IN.csv > OUT.csv", name)
	}
	delim := opts.Delimiter
	if delim == 0 {
		delim = SniffDelimiter(head)
	} else if !validDelim(delim) {
		return nil, exitcode.Inputf("invalid CSV delimiter %q: use a single character other than a quote or line break", delim)
	}
	// The header is read on its own, so that the data records can be
	// limited from their first byte once the number of columns is known.
	headerBytes, headerLines, err := readHeaderRecord(br, 1<<20)
	if err != nil {
		return nil, inputErr(name, err)
	}
	hr := csv.NewReader(bytes.NewReader(headerBytes))
	hr.Comma = delim
	header, err := hr.Read()
	if err == io.EOF {
		return nil, exitcode.Inputf("%s is empty: expected a header row naming the columns", name)
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, exitcode.Inputf("%s: header: malformed CSV at line %d: %v", name, pe.Line, pe.Err)
		}
		return nil, inputErr(name, err)
	}
	if sniffed := SniffDelimiter(headerBytes); len(header) == 1 && sniffed != delim && strings.ContainsRune(header[0], sniffed) {
		return nil, exitcode.Inputf("%s: the header is one column when read with the delimiter %q, and looks delimited by %q: set \"delimiter\": %q in the input mapping", name, delim, sniffed, string(sniffed))
	}
	seen := make(map[string]int, len(header))
	for j, h := range header {
		if !utf8.ValidString(h) {
			return nil, exitcode.Inputf("%s: header, column %d: not valid UTF-8; convert the file to UTF-8 (e.g. iconv -f WINDOWS-1252 -t UTF-8)", name, j+1)
		}
		h = trimSpace(h)
		header[j] = h
		if h == "" {
			continue
		}
		if k, dup := seen[h]; dup {
			// The name is not quoted: in an extract without a header row
			// the "names" are the first record's values.
			return nil, exitcode.Inputf("%s: header: columns %d and %d have the same name; column names must be unique (if the first row is data, add a header row)", name, k+1, j+1)
		}
		seen[h] = j
	}
	// A record is at most every field at the limit, quoted with every
	// character escaped, plus separators.
	limit := len(header)*(2*opts.MaxFieldBytes+3) + 2
	c := &csvReader{name: name, opts: opts, header: header, lineOffset: headerLines, counter: counter, total: -1, limit: limit, text: text}
	if delim < utf8.RuneSelf {
		c.records = &csvRecords{br: br, comma: byte(delim), fields: len(header), limit: limit}
	} else {
		c.lim = &recordLimiter{r: br, limit: limit}
		c.cr = csv.NewReader(c.lim)
		c.cr.Comma = delim
		c.cr.FieldsPerRecord = len(header)
		c.cr.ReuseRecord = true
	}
	if cl, ok := r.(io.Closer); ok {
		c.closer = cl
	}
	return c, nil
}

func (c *csvReader) Header() []string { return c.header }

func (c *csvReader) Progress() (done, total int64) { return c.counter.n.Load(), c.total }

// countingReader counts the bytes read through it (read-ahead included).
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (c *csvReader) Close() error {
	if c.closer != nil {
		return c.closer.Close()
	}
	return nil
}

func (c *csvReader) Next() (*Batch, error) {
	if c.err != nil {
		return nil, c.err
	}
	b := &Batch{FirstRow: c.row + 1, Rows: make([][]string, 0, c.opts.BatchSize)}
	// The rows' cells in one allocation a batch: csvRecords appends each
	// record's cells to it; encoding/csv reuses its record slice
	// (ReuseRecord), and each row's cells are copied in.
	ncol := len(c.header)
	cells := make([]string, 0, c.opts.BatchSize*ncol)
	for len(b.Rows) < c.opts.BatchSize {
		n := len(cells)
		var err error
		if c.records != nil {
			cells, err = c.records.read(cells)
		} else {
			var rec []string
			rec, err = c.cr.Read()
			cells = append(cells, rec...)
		}
		rec := cells[n:]
		if err == io.EOF {
			c.err = io.EOF
			break
		}
		row := c.row + 1
		if err != nil {
			c.err = c.rowErr(row, rec, err)
			return nil, c.err
		}
		checkText := c.text.check.suspect
		for j, v := range rec {
			if reason := badCell(v, c.opts.MaxFieldBytes, checkText); reason != "" {
				c.err = inputErr(c.name, &RowError{Row: row, Column: c.header[j], Reason: reason})
				return nil, c.err
			}
		}
		c.row = row
		b.Rows = append(b.Rows, cells[n:n+ncol:n+ncol])
	}
	if len(b.Rows) == 0 {
		return nil, io.EOF
	}
	return b, nil
}

// rowErr converts an encoding/csv error into one naming the data row.
func (c *csvReader) rowErr(row int64, rec []string, err error) error {
	if errors.Is(err, errRecordTooLong) {
		return inputErr(c.name, &RowError{Row: row, Reason: fmt.Sprintf(
			"record is longer than %d bytes (an unterminated quote, or a field over the %d-byte limit)", c.limit, c.opts.MaxFieldBytes)})
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			return inputErr(c.name, &RowError{Row: row, Reason: fmt.Sprintf(
				"has %d fields but the header has %d (line %d); check the delimiter and quoting", len(rec), len(c.header), pe.StartLine+c.lineOffset)})
		}
		return inputErr(c.name, &RowError{Row: row, Reason: fmt.Sprintf("malformed CSV at line %d: %v", pe.Line+c.lineOffset, pe.Err)})
	}
	return fmt.Errorf("%s: row %d: %w", c.name, row, err)
}

// errRecordTooLong is returned by recordLimiter and csvRecords.
var errRecordTooLong = errors.New("record too long")

// recordLimiter passes bytes through and fails once one CSV record (bytes
// between line breaks that are outside quotes) exceeds limit. It keeps
// encoding/csv (read where the delimiter is wider than a byte), which
// buffers a whole record, from using unbounded memory on a file with an
// unterminated quote or an enormous line; csvRecords bounds its records
// itself.
//
// Invariant: a record ends at '\n' when the number of '"' bytes since its
// start is even; that holds for RFC 4180 CSV, where a quote inside a quoted
// field is doubled and a bare quote in an unquoted field is a parse error.
type recordLimiter struct {
	r       io.Reader
	limit   int
	n       int  // bytes in the current record so far
	inQuote bool // odd number of quotes in the current record
	err     error
}

func (l *recordLimiter) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	if k := l.scan(p[:n]); k >= 0 {
		l.err = errRecordTooLong
		// Pass the bytes before the overflow, then the error.
		return k, l.err
	}
	return n, err
}

// scan advances the record state over b and returns the offset at which
// the current record exceeded the limit, or -1. It jumps between quotes and
// line breaks with bytes.IndexByte (vectorised) instead of testing every
// byte; nl caches the next line break so that a line with many quoted
// crOnly reports whether head (the start of a file) ends its lines with
// a bare carriage return: a CR before any line feed, followed by more data.
func crOnly(head []byte) bool {
	i := bytes.IndexByte(head, '\r')
	if i < 0 || i+1 >= len(head) {
		return false
	}
	return bytes.IndexByte(head[:i], '\n') < 0 && head[i+1] != '\n'
}

// fields is not rescanned for it after each quote.
func (l *recordLimiter) scan(b []byte) int {
	nl := -2 // offset of the next '\n' at or after i; -2 unknown, -1 none
	for i := 0; i < len(b); {
		q := bytes.IndexByte(b[i:], '"')
		if q >= 0 {
			q += i
		}
		if l.inQuote {
			if q < 0 { // the quoted field runs past this buffer
				l.n += len(b) - i
				if l.n > l.limit {
					return i
				}
				return -1
			}
			l.n += q + 1 - i
			if l.n > l.limit {
				return i
			}
			l.inQuote = false
			i = q + 1
			continue
		}
		if nl == -2 || (nl >= 0 && nl < i) {
			nl = bytes.IndexByte(b[i:], '\n')
			if nl >= 0 {
				nl += i
			}
		}
		switch {
		case nl >= 0 && (q < 0 || nl < q): // the record ends
			l.n += nl - i
			if l.n > l.limit {
				return i
			}
			l.n = 0
			i = nl + 1
		case q >= 0: // a quoted field starts
			l.n += q + 1 - i
			if l.n > l.limit {
				return i
			}
			l.inQuote = true
			i = q + 1
		default:
			l.n += len(b) - i
			if l.n > l.limit {
				return i
			}
			return -1
		}
	}
	return -1
}

func validDelim(r rune) bool {
	return r != 0 && r != '"' && r != '\r' && r != '\n' && utf8.ValidRune(r) && r != utf8.RuneError
}

func trimSpace(s string) string {
	i, j := 0, len(s)
	for i < j && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	for j > i && (s[j-1] == ' ' || s[j-1] == '\t' || s[j-1] == '\r') {
		j--
	}
	return s[i:j]
}

// readHeaderRecord reads the first non-blank CSV record's bytes (through
// its line break, which may follow quoted line breaks) from br, and the
// number of lines consumed. It fails if the record exceeds limit bytes.
func readHeaderRecord(br *bufio.Reader, limit int) ([]byte, int, error) {
	var rec []byte
	lines := 0
	inQuote := false
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			err = nil
		} else if len(line) > 0 && line[len(line)-1] == '\n' {
			lines++
		}
		if len(rec) == 0 && !inQuote && len(bytes.TrimRight(line, "\r\n")) == 0 && err == nil {
			continue // leading blank line
		}
		rec = append(rec, line...)
		if len(rec) > limit {
			return nil, 0, fmt.Errorf("header row is longer than %d bytes; is this a CSV file?", limit)
		}
		for _, c := range line {
			if c == '"' {
				inQuote = !inQuote
			}
		}
		if err == io.EOF {
			return rec, lines, nil
		}
		if err != nil {
			return nil, 0, err
		}
		if !inQuote && len(line) > 0 && line[len(line)-1] == '\n' {
			return rec, lines, nil
		}
	}
}
