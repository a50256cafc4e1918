package bloom

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func tokens(t *testing.T, tk Tokenizer, v string) []string {
	t.Helper()
	var ts Tokens
	if err := tk.AppendTokens(&ts, v); err != nil {
		t.Fatalf("%q: %v", v, err)
	}
	return ts.Strings()
}

func TestNGram(t *testing.T) {
	tests := []struct {
		g    NGram
		in   string
		want []string
	}{
		{NGram{N: 2}, "clkhash", []string{" c", "cl", "lk", "kh", "ha", "as", "sh", "h "}},
		{NGram{N: 2, Positional: true}, "clkhash", []string{"1  c", "2 cl", "3 lk", "4 kh", "5 ha", "6 as", "7 sh", "8 h "}},
		{NGram{N: 1, Positional: true}, "2000", []string{"1 2", "2 0", "3 0", "4 0"}},
		{NGram{N: 1}, "aa", []string{"a", "a"}},
		{NGram{N: 2}, "", nil},
		{NGram{N: 2}, "é", []string{" é", "é "}},
		{NGram{N: 3}, "ab", []string{"  a", " ab", "ab ", "b  "}},
		{NGram{N: 2}, "ZOË", []string{" Z", "ZO", "OË", "Ë "}},
		{NGram{N: 0}, "ab", []string{"", "", ""}},
		{NGram{N: 0, Positional: true}, "a", []string{"1 ", "2 "}},
		{NGram{N: 5}, "a", []string{"    a", "   a ", "  a  ", " a   ", "a    "}},
	}
	for _, tc := range tests {
		got := tokens(t, tc.g, tc.in)
		if len(got) == 0 && len(tc.want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%+v %q: got %q want %q", tc.g, tc.in, got, tc.want)
		}
	}
}

func TestExact(t *testing.T) {
	if got := tokens(t, Exact{}, "F"); !reflect.DeepEqual(got, []string{"F"}) {
		t.Errorf("got %q", got)
	}
	if got := tokens(t, Exact{}, ""); len(got) != 0 {
		t.Errorf("empty value gave %q", got)
	}
}

func TestNumeric(t *testing.T) {
	tests := []struct {
		d       float64
		r, p    int
		in      string
		want    []string
		wantErr bool
	}{
		{8, 2, 0, "25", []string{"88", "96", "104", "112", "120"}, false},
		{8, 2, 0, " +25 ", []string{"88", "96", "104", "112", "120"}, false},
		{8, 2, 0, "2_5", []string{"88", "96", "104", "112", "120"}, false},
		{8, 2, 0, "24.99", []string{"80", "88", "96", "104", "112"}, false},    // float truncated: 24
		{8, 2, 0, "-25", []string{"-112", "-104", "-96", "-88", "-80"}, false}, // Python floor mod: -100 % 8 = 4, rounds up
		{8, 2, 0, "26", []string{"88", "96", "104", "112", "120"}, false},
		{1, 1, 0, "0", []string{"-1", "0", "1"}, false},
		{0.5, 1, 1, "1.25", []string{"20", "25", "30"}, false},
		{100, 1, 0, "abc", nil, true},
		{100, 1, 0, "inf", nil, true},
		{100, 1, 0, "nan", nil, true},
		{100, 1, 0, "1__0", nil, true},
		{100, 1, 0, "0x10", nil, true},
		{100, 1, 0, "", nil, false},
	}
	for _, tc := range tests {
		nc, err := NewNumeric(tc.d, tc.r, tc.p)
		if err != nil {
			t.Fatal(err)
		}
		var ts Tokens
		err = nc.AppendTokens(&ts, tc.in)
		if tc.wantErr {
			if !errors.Is(err, ErrNotANumber) {
				t.Errorf("%q: err = %v, want ErrNotANumber", tc.in, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		if got := ts.Strings(); len(tc.want) > 0 && !reflect.DeepEqual(got, tc.want) || len(tc.want) == 0 && len(got) != 0 {
			t.Errorf("d=%v r=%d p=%d %q: got %q want %q", tc.d, tc.r, tc.p, tc.in, got, tc.want)
		}
	}
	for _, bad := range []struct {
		d    float64
		r, p int
	}{{0, 1, 0}, {-1, 1, 0}, {1, 0, 0}, {1, 1, -1}, {0.4, 1, 0}} {
		if _, err := NewNumeric(bad.d, bad.r, bad.p); err == nil {
			t.Errorf("NewNumeric(%v, %d, %d) accepted", bad.d, bad.r, bad.p)
		}
	}
}

// FuzzNGram checks the n-gram tokenizer's invariants on arbitrary input:
// the token count, each token's code point length and the positional prefix.
func FuzzNGram(f *testing.F) {
	for _, s := range []string{"", "a", "clkhash", "ZOË", "\xff\xfe", "a b", strings.Repeat("x", 130)} {
		f.Add(s, uint8(2), false)
	}
	f.Fuzz(func(t *testing.T, s string, n uint8, positional bool) {
		g := NGram{N: int(n % 6), Positional: positional}
		var ts Tokens
		if err := g.AppendTokens(&ts, s); err != nil {
			t.Fatal(err)
		}
		// The ASCII fast path gives what the general one does.
		var general Tokens
		if s != "" {
			g.appendGeneral(&general, s)
		}
		if !slices.Equal(ts.buf, general.buf) || !slices.Equal(ts.end, general.end) {
			t.Fatalf("%d tokens, the general path %d", ts.Len(), general.Len())
		}
		if s == "" {
			if ts.Len() != 0 {
				t.Fatalf("empty value gave %d tokens", ts.Len())
			}
			return
		}
		runes := 0
		for i := 0; i < len(s); {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
			runes++
		}
		pad := max(g.N-1, 0)
		want := runes + 2*pad - g.N + 1
		if ts.Len() != want {
			t.Fatalf("%d tokens, want %d", ts.Len(), want)
		}
		var joined []byte
		for i := 0; i < ts.Len(); i++ {
			tok := ts.At(i)
			if positional {
				prefix := []byte(itoa(i+1) + " ")
				if len(tok) < len(prefix) || string(tok[:len(prefix)]) != string(prefix) {
					t.Fatalf("token %d lacks its position prefix", i)
				}
				tok = tok[len(prefix):]
			}
			if g.N > 0 && i == 0 {
				joined = append(joined, tok...)
			} else if g.N > 0 {
				// consecutive grams overlap in all but their last code point
				_, size := lastRune(tok)
				joined = append(joined, tok[len(tok)-size:]...)
			}
		}
		if g.N > 0 {
			padded := spaces(pad) + s + spaces(pad)
			if string(joined) != padded {
				t.Fatalf("grams do not reassemble the padded value")
			}
		}
	})
}

func lastRune(b []byte) (rune, int) { return utf8.DecodeLastRune(b) }

func spaces(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = ' '
	}
	return string(b)
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// FuzzNumeric checks that the numeric tokenizer never panics, that tokens
// are 2r+1 integers spaced by the interval, and errors never quote input.
func FuzzNumeric(f *testing.F) {
	for _, s := range []string{"25", "-3.5", "1e3", " 7 ", "x", "1_000", ".5", "5."} {
		f.Add(s)
	}
	nc, err := NewNumeric(8, 2, 1)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var ts Tokens
		err := nc.AppendTokens(&ts, s)
		if err != nil {
			if len(s) > 3 && contains(err.Error(), s) {
				t.Fatalf("error quotes the value: %v", err)
			}
			return
		}
		if s != "" && ts.Len() != 5 {
			t.Fatalf("%d tokens", ts.Len())
		}
	})
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
