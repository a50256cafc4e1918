package table

import (
	"bytes"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

// textOK is what textCheck must conclude of a whole stream.
func textOK(b []byte) bool { return utf8.Valid(b) && bytes.IndexByte(b, 0) < 0 }

// checkChunked runs textCheck over b cut every chunk bytes.
func checkChunked(b []byte, chunk int) bool {
	var c textCheck
	for i := 0; i < len(b); i += chunk {
		c.write(b[i:min(i+chunk, len(b))])
	}
	c.end()
	return !c.suspect
}

func TestTextCheck(t *testing.T) {
	for _, s := range []string{
		"", "abc", "Seán,Siobhán\n", "€", "𝄞 clef", "\xe9", "Se\xe1n", "a\x00b", "\xed\xa0\x80", // a surrogate
		"\xf4\x90\x80\x80", "\xc0\xaf", "€\xe2\x82", "\xe2\x82\xac\xe2", "ok\n\xf0\x9f\x98", "\xf0\x9f\x98\x80",
		strings.Repeat("é", 40) + "\xff", "\x80", "ab\xc3",
	} {
		for chunk := 1; chunk <= len(s)+1; chunk++ {
			if got, want := checkChunked([]byte(s), chunk), textOK([]byte(s)); got != want {
				t.Errorf("%q in chunks of %d: text %v, want %v", s, chunk, got, want)
			}
		}
	}
}

func FuzzTextCheck(f *testing.F) {
	for _, s := range []string{"Seán", "€\xe2\x82", "a\x00", "\xf0\x9f\x98\x80x"} {
		f.Add([]byte(s), uint8(1))
	}
	f.Fuzz(func(t *testing.T, b []byte, chunk uint8) {
		c := int(chunk%8) + 1
		if got, want := checkChunked(b, c), textOK(b); got != want {
			t.Fatalf("chunks of %d: text %v, want %v", c, got, want)
		}
	})
}

// TestCSVTextOneByteReads: a bad byte is found and its row and column
// named however the reads cut the stream, here one byte a read (a
// multi-byte character always straddles reads), and good text passes.
func TestCSVTextOneByteReads(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"id,name\n1,Seán\n2,Siobhán\n3,Se\xe1n\n", `row 3, column "name": not valid UTF-8`},
		{"id,name\n1,Seán\n2,€\xe2\x82\n", `row 2, column "name": not valid UTF-8`},
		{"id,name\n1,ok\n2,abc\xf0\x9f\x98", `row 2, column "name": not valid UTF-8`},
		{"id,name\n1,ok\n2,a\x00b\n", `row 2, column "name": field holds a NUL byte`},
		{"id,name\n1,Seán\n2,𝄞\n", ""},
	} {
		r, err := NewCSV(iotest.OneByteReader(strings.NewReader(tt.in)), "f.csv", Options{BatchSize: 1})
		if err != nil {
			t.Fatal(err)
		}
		_, err = readAll(t, r)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%q: %v", tt.in, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%q: error %v, want %q", tt.in, err, tt.want)
		}
	}
}
