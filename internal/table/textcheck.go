package table

import (
	"bytes"
	"io"
	"unicode/utf8"
)

// textCheck watches the bytes of a CSV stream as they are read, for what no
// cell may hold: a NUL byte, or bytes that are not UTF-8. Until it has seen
// one, every cell parsed so far is text, and Next skips checking cells one
// by one (a tenth of tokenize's CPU on a clkhash schema). Reading runs
// ahead of parsing, so the flag is raised before the row holding the byte
// is parsed, never after; Next then checks each cell and names the row and
// column.
//
// Splitting a valid UTF-8 stream at ASCII bytes (delimiters, quotes, line
// breaks) leaves every piece valid, so cells of a valid stream are valid. A
// sequence that straddles two reads is carried over (pending) and checked
// whole.
type textCheck struct {
	suspect bool
	pending [utf8.UTFMax]byte
	np      int
}

// write checks the next bytes of the stream.
func (c *textCheck) write(b []byte) {
	if c.suspect || len(b) == 0 {
		return
	}
	if bytes.IndexByte(b, 0) >= 0 {
		c.suspect = true
		return
	}
	for c.np > 0 && len(b) > 0 { // complete the sequence the last read cut
		c.pending[c.np] = b[0]
		c.np++
		b = b[1:]
		if utf8.FullRune(c.pending[:c.np]) {
			if !utf8.Valid(c.pending[:c.np]) {
				c.suspect = true
				return
			}
			c.np = 0
		}
	}
	if c.np > 0 { // b ended inside the cut sequence
		return
	}
	// Carry a sequence this read cuts: the last rune start within the
	// last UTFMax-1 bytes, if its rune is not whole.
	tail := len(b)
	for i := len(b) - 1; i >= 0 && i >= len(b)-(utf8.UTFMax-1); i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				tail = i
			}
			break
		}
	}
	if !utf8.Valid(b[:tail]) {
		c.suspect = true
		return
	}
	c.np = copy(c.pending[:], b[tail:])
}

// end is called at the end of the stream: a cut sequence left over is not
// UTF-8.
func (c *textCheck) end() {
	if c.np > 0 {
		c.suspect = true
	}
}

// textReader passes reads through, checking them (textCheck). It sits
// under the CSV reader's buffer, so it sees bytes before they are parsed.
type textReader struct {
	r     io.Reader
	check textCheck
}

func (t *textReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.check.write(p[:n])
	if err == io.EOF {
		t.check.end()
	}
	return n, err
}
