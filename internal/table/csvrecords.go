package table

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"unicode/utf8"
)

// csvRecords reads CSV records exactly as encoding/csv's Reader does with
// a one-byte delimiter, FieldsPerRecord set, quotes not lazy, no comment
// character and leading space kept: lines ending "\r\n" read as "\n",
// blank lines skipped, a quote only opening a field at its start, "" inside
// quotes for a quote, and the same errors (*csv.ParseError with the same
// lines and columns; FuzzCSVRecords holds it to encoding/csv). It is
// faster where it matters to tokenize, whose reading goroutine it is: a
// line without quotes is split where it lies, a line whose quotes enclose
// whole cells is cut out of one string of it, each row's cells are written
// into the batch's one slice instead of a slice a record, and a record is
// bounded as it is read (no second pass over the bytes to limit it).
//
// Every record is one string, its cells substrings of it, as with
// encoding/csv: a cell kept by the caller keeps its row's bytes alive, not
// its batch's.
type csvRecords struct {
	br      *bufio.Reader
	comma   byte
	fields  int // FieldsPerRecord
	limit   int // the longest record, in bytes
	numLine int

	raw  []byte // a line longer than br's buffer
	rec  []byte // a quoted record's unescaped bytes
	ends []int  // each field's end in rec (parseQuoted); each cell's start and end in the line (splitQuoted)
}

// readLine is encoding/csv's readLine, bounded: a line longer than the
// record limit is an error (errRecordTooLong).
func (r *csvRecords) readLine() ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		r.raw = append(r.raw[:0], line...)
		for err == bufio.ErrBufferFull {
			if len(r.raw) > r.limit+2 {
				return nil, errRecordTooLong
			}
			line, err = r.br.ReadSlice('\n')
			r.raw = append(r.raw, line...)
		}
		line = r.raw
	}
	if len(line) > r.limit+2 {
		return nil, errRecordTooLong
	}
	if len(line) > 0 && err == io.EOF {
		err = nil
		if line[len(line)-1] == '\r' { // a trailing \r before EOF is dropped
			line = line[:len(line)-1]
		}
	}
	r.numLine++
	if n := len(line); n >= 2 && line[n-2] == '\r' && line[n-1] == '\n' {
		line[n-2] = '\n'
		line = line[:n-1]
	}
	return line, err
}

func lengthNL(b []byte) int {
	if len(b) > 0 && b[len(b)-1] == '\n' {
		return 1
	}
	return 0
}

// read appends the next record's cells to dst. It returns dst unchanged
// and io.EOF at the end; on a parse error, the cells read so far and a
// *csv.ParseError (or errRecordTooLong).
func (r *csvRecords) read(dst []string) ([]string, error) {
	var line []byte
	var errRead error
	for errRead == nil {
		line, errRead = r.readLine()
		if errRead == nil && len(line) == lengthNL(line) {
			continue // a blank line
		}
		break
	}
	if errRead == io.EOF {
		return dst, io.EOF
	}
	if errRead != nil {
		return dst, errRead
	}
	start, recLine := len(dst), r.numLine
	var simple bool
	if bytes.IndexByte(line, '"') < 0 {
		dst = r.splitPlain(dst, line)
	} else if dst, simple = r.splitQuoted(dst, line); !simple {
		var err error
		if dst, err = r.parseQuoted(dst, line); err != nil {
			return dst, err
		}
	}
	if len(dst)-start != r.fields {
		return dst, &csv.ParseError{StartLine: recLine, Line: recLine, Column: 1, Err: csv.ErrFieldCount}
	}
	return dst, nil
}

// splitPlain appends the cells of a line without quotes: one string, cut
// at each delimiter.
func (r *csvRecords) splitPlain(dst []string, line []byte) []string {
	s := string(line[:len(line)-lengthNL(line)])
	for {
		i := indexByteString(s, r.comma)
		if i < 0 {
			return append(dst, s)
		}
		dst = append(dst, s[:i])
		s = s[i+1:]
	}
}

// splitQuoted appends the cells of a line whose quotes only enclose whole
// cells on it (an address with a comma: no "" inside, no line break inside,
// nothing between a closing quote and the delimiter), cut out of one string
// of the line, and reports whether the line was such; if not, it appends
// nothing and parseQuoted reads it.
func (r *csvRecords) splitQuoted(dst []string, line []byte) ([]string, bool) {
	body := line[:len(line)-lengthNL(line)]
	r.ends = r.ends[:0] // each cell's start and end in body
	for i := 0; ; {
		if i < len(body) && body[i] == '"' {
			j := bytes.IndexByte(body[i+1:], '"')
			if j < 0 {
				return dst, false // the quotes go on past the line
			}
			j += i + 1 // the closing quote
			if j+1 < len(body) && body[j+1] != r.comma {
				return dst, false // "" or a character after the quote
			}
			r.ends = append(r.ends, i+1, j)
			if j+1 == len(body) {
				break
			}
			i = j + 2
			continue
		}
		end := len(body)
		if k := bytes.IndexByte(body[i:], r.comma); k >= 0 {
			end = i + k
		}
		if bytes.IndexByte(body[i:end], '"') >= 0 {
			return dst, false // a bare quote: parseQuoted reports it
		}
		r.ends = append(r.ends, i, end)
		if end == len(body) {
			break
		}
		i = end + 1
	}
	s := string(body)
	for k := 0; k < len(r.ends); k += 2 {
		dst = append(dst, s[r.ends[k]:r.ends[k+1]])
	}
	return dst, true
}

func indexByteString(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// parseQuoted is encoding/csv's readRecord for a record with a quote in
// its first line, from that line on.
func (r *csvRecords) parseQuoted(dst []string, line []byte) ([]string, error) {
	recLine := r.numLine
	r.rec, r.ends = r.rec[:0], r.ends[:0]
	col, lineNo := 1, r.numLine
	size := len(line)
	var errRead error
	var err error
parseField:
	for {
		if len(line) == 0 || line[0] != '"' {
			// A field without quotes: up to the delimiter or the line's end.
			i := bytes.IndexByte(line, r.comma)
			field := line
			if i >= 0 {
				field = field[:i]
			} else {
				field = field[:len(field)-lengthNL(field)]
			}
			if j := bytes.IndexByte(field, '"'); j >= 0 {
				err = &csv.ParseError{StartLine: recLine, Line: r.numLine, Column: col + j, Err: csv.ErrBareQuote}
				break parseField
			}
			r.rec = append(r.rec, field...)
			r.ends = append(r.ends, len(r.rec))
			if i >= 0 {
				line = line[i+1:]
				col += i + 1
				continue parseField
			}
			break parseField
		}
		// A quoted field.
		line = line[1:]
		col++
		for {
			i := bytes.IndexByte(line, '"')
			switch {
			case i >= 0:
				r.rec = append(r.rec, line[:i]...)
				line = line[i+1:]
				col += i + 1
				switch rn, _ := utf8.DecodeRune(line); {
				case rn == '"': // "" is a quote
					r.rec = append(r.rec, '"')
					line = line[1:]
					col++
				case len(line) > 0 && line[0] == r.comma: // the field ends
					line = line[1:]
					col++
					r.ends = append(r.ends, len(r.rec))
					continue parseField
				case lengthNL(line) == len(line): // the record ends
					r.ends = append(r.ends, len(r.rec))
					break parseField
				default:
					err = &csv.ParseError{StartLine: recLine, Line: r.numLine, Column: col - 1, Err: csv.ErrQuote}
					break parseField
				}
			case len(line) > 0:
				// The quoted field goes on past the line's end.
				r.rec = append(r.rec, line...)
				col += len(line)
				line, errRead = r.readLine()
				if errors.Is(errRead, errRecordTooLong) {
					return dst, errRecordTooLong
				}
				size += len(line)
				if size > r.limit+2 {
					return dst, errRecordTooLong
				}
				if len(line) > 0 {
					lineNo++
					col = 1
				}
				if errRead == io.EOF {
					errRead = nil
				}
				if errRead != nil {
					return dst, errRead
				}
			default:
				// The end of the input inside quotes.
				err = &csv.ParseError{StartLine: recLine, Line: lineNo, Column: col, Err: csv.ErrQuote}
				break parseField
			}
		}
	}
	s := string(r.rec)
	prev := 0
	for _, end := range r.ends {
		dst = append(dst, s[prev:end])
		prev = end
	}
	return dst, err
}
