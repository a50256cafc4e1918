package bloom

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A Tokenizer splits one field value into the tokens that are hashed into
// a filter. Tokenizers are immutable and safe for concurrent use.
type Tokenizer interface {
	// AppendTokens appends the tokens of value to t. An error means the
	// value cannot be tokenised (for example, not a number); it never
	// quotes the value.
	AppendTokens(t *Tokens, value string) error
}

// NGram is the clkhash n-gram tokenizer over Unicode code points. An empty
// value has no tokens. For N > 1 the value is padded with N−1 spaces on
// both sides, and every run of N consecutive code points is a token;
// duplicates are kept. With Positional each gram is prefixed by its 1-based
// index and a space ("1  c"). N = 0 reproduces clkhash too: len+1 empty
// grams. Invalid UTF-8 bytes count as one code point each and are copied
// unchanged.
type NGram struct {
	N          int
	Positional bool
}

// AppendTokens implements Tokenizer.
func (g NGram) AppendTokens(t *Tokens, value string) error {
	if g.N < 0 {
		return errors.New("bloom: n-gram size must not be negative")
	}
	if len(value) == 0 {
		return nil
	}
	if len(value)+2*max(g.N-1, 0) <= maxASCIIPadded && isASCII(value) {
		g.appendASCII(t, value)
		return nil
	}
	g.appendGeneral(t, value)
	return nil
}

// maxASCIIPadded is the longest padded value appendASCII takes.
const maxASCIIPadded = 128

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// appendASCII is appendGeneral for an ASCII value (one byte per code point,
// as names and dates almost always are): each gram is a slice of the padded
// value, built once on the stack.
func (g NGram) appendASCII(t *Tokens, value string) {
	pad := max(g.N-1, 0)
	var buf [maxASCIIPadded]byte
	p := buf[:0]
	for range pad {
		p = append(p, ' ')
	}
	p = append(p, value...)
	for range pad {
		p = append(p, ' ')
	}
	for i := 0; i+g.N <= len(p); i++ {
		if g.Positional {
			t.buf = strconv.AppendInt(t.buf, int64(i+1), 10)
			t.buf = append(t.buf, ' ')
		}
		t.buf = append(t.buf, p[i:i+g.N]...)
		t.end = append(t.end, len(t.buf))
	}
}

// appendGeneral appends the grams of any value, by code point.
func (g NGram) appendGeneral(t *Tokens, value string) {
	n := g.N
	pad := 0
	if n > 1 {
		pad = n - 1
	}
	// Code point boundaries of the padded value: pads are one byte each.
	// bounds lives on the stack for values of up to 64 code points.
	var stack [72]int32
	bounds := stack[:0]
	for i := 0; i < pad; i++ {
		bounds = append(bounds, int32(i))
	}
	for i := 0; i < len(value); {
		bounds = append(bounds, int32(pad+i))
		_, size := utf8.DecodeRuneInString(value[i:])
		i += size
	}
	total := pad + len(value) + pad
	for i := 0; i < pad; i++ {
		bounds = append(bounds, int32(pad+len(value)+i))
	}
	bounds = append(bounds, int32(total))
	runes := len(bounds) - 1
	byteAt := func(off int32) byte {
		switch {
		case int(off) < pad:
			return ' '
		case int(off) < pad+len(value):
			return value[int(off)-pad]
		default:
			return ' '
		}
	}
	for i := 0; i+n <= runes; i++ {
		if g.Positional {
			t.buf = strconv.AppendInt(t.buf, int64(i+1), 10)
			t.buf = append(t.buf, ' ')
		}
		from, to := bounds[i], bounds[i+n]
		if int(from) >= pad && int(to) <= pad+len(value) {
			t.buf = append(t.buf, value[int(from)-pad:int(to)-pad]...)
		} else {
			for off := from; off < to; off++ {
				t.buf = append(t.buf, byteAt(off))
			}
		}
		t.end = append(t.end, len(t.buf))
	}
}

// Exact is the whole-value tokenizer: a non-empty value is one token, an
// empty value has none (as in clkhash 0.18).
type Exact struct{}

// AppendTokens implements Tokenizer.
func (Exact) AppendTokens(t *Tokens, value string) error {
	if len(value) > 0 {
		t.AppendString(value)
	}
	return nil
}

// Numeric is the Vatsalan–Christen numeric neighbourhood tokenizer, with
// clkhash's exact arithmetic. Make one with NewNumeric.
//
// A value v (an integer, or a decimal number when FractionalPrecision > 0)
// is scaled to an integer by 10^p, multiplied by 2·Resolution, and moved to
// the nearest multiple of the interval round(ThresholdDistance·10^p), a half
// rounding up; the tokens are that multiple plus j·interval for
// j = −Resolution..Resolution, as decimal strings. Example: distance 8,
// resolution 2, "25" → 88 96 104 112 120.
type Numeric struct {
	interval   *big.Int
	resolution int
	precision  int
	scale      *big.Int // 10^precision
	scaleF     float64  // float64(10^precision), correctly rounded
}

// NewNumeric validates the parameters as clkhash does.
func NewNumeric(thresholdDistance float64, resolution, fractionalPrecision int) (*Numeric, error) {
	if !(thresholdDistance > 0) || math.IsInf(thresholdDistance, 0) {
		return nil, errors.New("bloom: numeric thresholdDistance must be positive and finite")
	}
	if resolution < 1 {
		return nil, errors.New("bloom: numeric resolution must be at least 1")
	}
	if fractionalPrecision < 0 || fractionalPrecision > 300 {
		return nil, errors.New("bloom: numeric fractional_precision must be between 0 and 300")
	}
	scaleF, _ := strconv.ParseFloat("1e"+strconv.Itoa(fractionalPrecision), 64)
	iv := math.RoundToEven(thresholdDistance * scaleF)
	if math.IsInf(iv, 0) {
		return nil, errors.New("bloom: numeric thresholdDistance·10^fractional_precision is too large")
	}
	interval, _ := new(big.Float).SetFloat64(iv).Int(nil)
	if interval.Sign() == 0 {
		return nil, errors.New("bloom: not enough fractional precision to encode thresholdDistance")
	}
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(fractionalPrecision)), nil)
	return &Numeric{interval: interval, resolution: resolution, precision: fractionalPrecision, scale: scale, scaleF: scaleF}, nil
}

// ErrNotANumber is returned (wrapped) by Numeric for values that are not
// numbers as Python's int() or float() reads them.
var ErrNotANumber = errors.New("not a number")

// AppendTokens implements Tokenizer.
func (nc *Numeric) AppendTokens(t *Tokens, value string) error {
	if len(value) == 0 {
		return nil
	}
	v, err := nc.scaled(value)
	if err != nil {
		return err
	}
	v.Mul(v, big.NewInt(int64(2*nc.resolution)))
	res := new(big.Int).Mod(v, nc.interval) // interval > 0: 0 ≤ res < interval
	if res.Sign() != 0 {
		twice := new(big.Int).Lsh(res, 1)
		if twice.Cmp(nc.interval) < 0 {
			v.Sub(v, res)
		} else {
			v.Add(v, new(big.Int).Sub(nc.interval, res))
		}
	}
	tok := new(big.Int)
	step := new(big.Int)
	for j := -nc.resolution; j <= nc.resolution; j++ {
		step.Mul(big.NewInt(int64(j)), nc.interval)
		tok.Add(v, step)
		t.buf = tok.Append(t.buf, 10)
		t.end = append(t.end, len(t.buf))
	}
	return nil
}

// scaled returns value·10^p as an integer, the way clkhash computes it:
// an integer literal is scaled exactly; otherwise the value is read as a
// float, and rounded half-to-even after scaling (p > 0) or truncated (p = 0).
func (nc *Numeric) scaled(value string) (*big.Int, error) {
	if v, ok := ParsePythonInt(value); ok {
		return v.Mul(v, nc.scale), nil
	}
	f, ok := parsePythonFloat(value)
	if !ok {
		return nil, fmt.Errorf("bloom: numeric value: %w", ErrNotANumber)
	}
	if nc.precision > 0 {
		f = math.RoundToEven(f * nc.scaleF)
	} else {
		f = math.Trunc(f)
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, fmt.Errorf("bloom: numeric value: %w (infinite or too large)", ErrNotANumber)
	}
	v, _ := new(big.Float).SetFloat64(f).Int(nil)
	return v, nil
}

// isPySpace reports whether r is whitespace to Python's str.strip() and
// int(): Unicode White_Space plus the ASCII separators U+001C–U+001F.
func isPySpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r', 0x1c, 0x1d, 0x1e, 0x1f, 0x85, 0xa0, 0x1680,
		0x2028, 0x2029, 0x202f, 0x205f, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

// pyDigits strips Python underscores from s and reports whether s is one or
// more ASCII digits with single underscores only between digits.
func pyDigits(s string) (string, bool) {
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' {
		return "", false
	}
	if !strings.Contains(s, "_") {
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return "", false
			}
		}
		return s, true
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			b.WriteByte(c)
		case c == '_' && s[i+1] != '_':
		default:
			return "", false
		}
	}
	return b.String(), true
}

// ParsePythonInt parses s as Python's int(s, 10) does, for ASCII digits:
// surrounding whitespace, an optional sign, and single underscores between
// digits are accepted, and leading zeros are allowed. Non-ASCII digits,
// which Python also accepts, are rejected (ok = false).
func ParsePythonInt(s string) (v *big.Int, ok bool) {
	s = strings.TrimFunc(s, isPySpace)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	d, ok := pyDigits(s)
	if !ok {
		return nil, false
	}
	v, ok = new(big.Int).SetString(d, 10)
	if !ok {
		return nil, false
	}
	if neg {
		v.Neg(v)
	}
	return v, true
}

// parsePythonFloat parses s as Python's float(s) does for finite decimal
// numbers with ASCII digits; infinities and NaN are rejected because
// clkhash cannot tokenise them either.
func parsePythonFloat(s string) (float64, bool) {
	s = strings.TrimFunc(s, isPySpace)
	body := s
	if body != "" && (body[0] == '+' || body[0] == '-') {
		body = body[1:]
	}
	mant, exp := body, ""
	if i := strings.IndexAny(body, "eE"); i >= 0 {
		mant, exp = body[:i], body[i+1:]
		if exp != "" && (exp[0] == '+' || exp[0] == '-') {
			exp = exp[1:]
		}
		if _, ok := pyDigits(exp); !ok {
			return 0, false
		}
	}
	intPart, frac, hasDot := strings.Cut(mant, ".")
	if intPart == "" && frac == "" {
		return 0, false
	}
	if intPart != "" {
		if _, ok := pyDigits(intPart); !ok {
			return 0, false
		}
	}
	if hasDot && frac != "" {
		if _, ok := pyDigits(frac); !ok {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
	if err != nil {
		// ParseFloat reports overflow as ±Inf with an error; Python
		// returns inf, which clkhash then cannot convert either.
		return 0, false
	}
	return f, true
}
