package bloom

// Tokens is a reusable list of tokens stored in one byte buffer, so that
// tokenising a record allocates nothing once the buffers have grown. The
// zero value is an empty list ready to use. Tokens returned by At alias the
// buffer and are valid until the next Reset.
type Tokens struct {
	buf []byte
	end []int
}

// Reset empties t, keeping its buffers.
func (t *Tokens) Reset() { t.buf, t.end = t.buf[:0], t.end[:0] }

// Len returns the number of tokens in t.
func (t *Tokens) Len() int { return len(t.end) }

// At returns token i.
func (t *Tokens) At(i int) []byte {
	start := 0
	if i > 0 {
		start = t.end[i-1]
	}
	return t.buf[start:t.end[i]:t.end[i]]
}

// AppendString adds a token.
func (t *Tokens) AppendString(s string) {
	t.buf = append(t.buf, s...)
	t.end = append(t.end, len(t.buf))
}

// Append adds a token.
func (t *Tokens) Append(b []byte) {
	t.buf = append(t.buf, b...)
	t.end = append(t.end, len(t.buf))
}

// Strings returns a copy of the tokens as strings (for tests and tools).
func (t *Tokens) Strings() []string {
	out := make([]string, t.Len())
	for i := range out {
		out[i] = string(t.At(i))
	}
	return out
}
