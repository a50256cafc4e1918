package table

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pprl/pprl/internal/exitcode"
)

// readAll drains r, checking batch numbering, and returns header and rows.
func readAll(t testing.TB, r Reader) ([][]string, error) {
	t.Helper()
	var rows [][]string
	next := int64(1)
	for {
		b, err := r.Next()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		if b.FirstRow != next {
			t.Fatalf("batch FirstRow %d, want %d", b.FirstRow, next)
		}
		if len(b.Rows) == 0 {
			t.Fatal("empty batch")
		}
		for _, row := range b.Rows {
			if len(row) != len(r.Header()) {
				t.Fatalf("row has %d fields, header %d", len(row), len(r.Header()))
			}
		}
		next += int64(len(b.Rows))
		rows = append(rows, b.Rows...)
	}
}

func writeFile(t testing.TB, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCSVGood(t *testing.T) {
	tests := []struct {
		name, in string
		opts     Options
		header   []string
		rows     [][]string
	}{
		{"comma", "id,surname\n1,Smith\n2,Jones\n", Options{}, []string{"id", "surname"}, [][]string{{"1", "Smith"}, {"2", "Jones"}}},
		{"crlf and bom", "\xef\xbb\xbfid,surname\r\n1,Smith\r\n2,Jones\r\n", Options{}, []string{"id", "surname"}, [][]string{{"1", "Smith"}, {"2", "Jones"}}},
		{"no final newline", "id,surname\n1,Smith", Options{}, []string{"id", "surname"}, [][]string{{"1", "Smith"}}},
		{"semicolon", "id;name;dob\n1;O'Neil, Ann;01/02/2003\n", Options{}, []string{"id", "name", "dob"}, [][]string{{"1", "O'Neil, Ann", "01/02/2003"}}},
		{"tab", "id\tname\n1\tMcDonald\n", Options{}, []string{"id", "name"}, [][]string{{"1", "McDonald"}}},
		{"pipe", "id|name\n1|Ní Bhriain\n", Options{}, []string{"id", "name"}, [][]string{{"1", "Ní Bhriain"}}},
		{"quoted", "id,address\n1,\"12 High St, Leith\"\n2,\"said \"\"hi\"\"\"\n3,\"two\nlines\"\n", Options{}, []string{"id", "address"},
			[][]string{{"1", "12 High St, Leith"}, {"2", `said "hi"`}, {"3", "two\nlines"}}},
		{"quoted header with comma", "\"a;b\",c\n1,2\n", Options{}, []string{"a;b", "c"}, [][]string{{"1", "2"}}},
		{"forced delimiter", "a;b,c\n1;2,3\n", Options{Delimiter: ','}, []string{"a;b", "c"}, [][]string{{"1;2", "3"}}},
		{"one column", "id\n1\n2\n", Options{}, []string{"id"}, [][]string{{"1"}, {"2"}}},
		{"header only", "id,name\n", Options{}, []string{"id", "name"}, nil},
		{"blank lines skipped", "id,name\n\n1,a\n\n", Options{}, []string{"id", "name"}, [][]string{{"1", "a"}}},
		{"header spaces trimmed", " id , name \n1,a\n", Options{}, []string{"id", "name"}, [][]string{{"1", "a"}}},
		{"empty fields", "a,b,c\n,,\n", Options{}, []string{"a", "b", "c"}, [][]string{{"", "", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Open(writeFile(t, "in.csv", tt.in), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if !reflect.DeepEqual(r.Header(), tt.header) {
				t.Fatalf("header %q, want %q", r.Header(), tt.header)
			}
			rows, err := readAll(t, r)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(rows, tt.rows) {
				t.Fatalf("rows %q, want %q", rows, tt.rows)
			}
		})
	}
}

func TestCSVBatches(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,v\n")
	for i := 0; i < 1001; i++ {
		b.WriteString("x,y\n")
	}
	r, err := Open(writeFile(t, "in.csv", b.String()), Options{BatchSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rows, err := readAll(t, r)
	if err != nil || len(rows) != 1001 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("Next after EOF: %v", err)
	}
}

// secret is a cell value that must never appear in an error.
const secret = "MACGREGOR"

func TestCSVBad(t *testing.T) {
	long := strings.Repeat("A", 100)
	tests := []struct {
		name, in string
		opts     Options
		want     string
	}{
		{"empty", "", Options{}, "is empty"},
		{"bom only", "\xef\xbb\xbf", Options{}, "is empty"},
		{"ragged short", "id,name,dob\n1," + secret + ",x\n2," + secret + "\n", Options{}, "row 2: has 2 fields but the header has 3"},
		{"ragged long", "id,name\n1," + secret + ",x\n", Options{}, "row 1: has 3 fields but the header has 2"},
		{"invalid utf8", "id,surname\n1,ok\n2," + secret + "\xe9\n", Options{}, `row 2, column "surname": not valid UTF-8`},
		{"invalid utf8 header", "id,sur\xe9name\n", Options{}, "header, column 2: not valid UTF-8"},
		{"bare quote", "id,name\n1,Mac\"" + secret + "\n", Options{}, "row 1: malformed CSV"},
		{"field too long", "id,name\n1,ok\n2," + long + "\n", Options{MaxFieldBytes: 50}, `row 2, column "name": field is longer than the 50-byte limit`},
		{"unterminated quote", "id,name\n1,\"" + secret + strings.Repeat("z\n", 2000), Options{MaxFieldBytes: 50}, "row 1: record is longer than"},
		{"duplicate header", "id,name,name\n", Options{}, `columns 2 and 3 have the same name`},
		{"bad delimiter", "id,name\n", Options{Delimiter: '"'}, "invalid CSV delimiter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Open(writeFile(t, "in.csv", tt.in), tt.opts)
			if err == nil {
				defer r.Close()
				_, err = readAll(t, r)
			}
			if err == nil {
				t.Fatal("no error")
			}
			if exitcode.Of(err) != exitcode.Input {
				t.Errorf("exit code %d, want 2", exitcode.Of(err))
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "AAAA") {
				t.Errorf("error leaks a value: %q", err)
			}
		})
	}
}

func TestOpenMissingAndDir(t *testing.T) {
	for path, want := range map[string]string{
		filepath.Join(t.TempDir(), "nope.csv"): "does not exist",
		t.TempDir():                            "is a directory",
	} {
		_, err := Open(path, Options{})
		if exitcode.Of(err) != exitcode.Input || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want input error saying %q", path, err, want)
		}
	}
	if _, err := Open(writeFile(t, "x", "a\n"), Options{Format: "xlsx"}); exitcode.Of(err) != exitcode.Input {
		t.Errorf("unknown format: %v", err)
	}
}

// TestCSVMemoryBounded streams a file far larger than one batch and checks
// that the reader never holds more than one batch: a file of one enormous
// unterminated record fails after reading at most the record limit.
func TestCSVUnterminatedQuoteBounded(t *testing.T) {
	// 8 MiB inside one quoted field, with the default 64 KiB field limit.
	in := "id,name\n1,\"" + strings.Repeat("abcdefg\n", 1<<20)
	lim := &countReader{r: strings.NewReader(in)}
	r, err := NewCSV(lim, "big.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = readAll(t, r)
	if err == nil || !strings.Contains(err.Error(), "record is longer") {
		t.Fatalf("err = %v", err)
	}
	// The limiter stops reading soon after the record limit (2 fields ×
	// 2 × 64 KiB), far before the end of the 8 MiB input.
	if lim.n > 1<<20 {
		t.Fatalf("read %d bytes before failing; want the failure near the record limit", lim.n)
	}
}

type countReader struct {
	r io.Reader
	n int
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestSniffDelimiter(t *testing.T) {
	for in, want := range map[string]rune{
		"a,b,c\n":              ',',
		"a;b;c\n1,2;3\n":       ';',
		"a\tb\n":               '\t',
		"a|b|c":                '|',
		"single\n":             ',',
		"":                     ',',
		`"x,y";"z,w";c` + "\n": ';',
		"a;b,c;d\n":            ';',
		"a,b;c\n":              ',', // tie: comma preferred
	} {
		if got := SniffDelimiter([]byte(in)); got != want {
			t.Errorf("SniffDelimiter(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRowErrorFormat(t *testing.T) {
	for e, want := range map[*RowError]string{
		{Row: 17, Column: "dob", Reason: "bad date"}: `row 17, column "dob": bad date`,
		{Row: 3, Reason: "ragged"}:                   `row 3: ragged`,
		{Column: "x", Reason: "bad"}:                 `header, column "x": bad`,
	} {
		if e.Error() != want {
			t.Errorf("got %q, want %q", e.Error(), want)
		}
	}
	var re *RowError
	_, err := Open(writeFile(t, "x.csv", "a,b\n1\n"), Options{})
	if err == nil {
		r, _ := Open(writeFile(t, "x.csv", "a,b\n1\n"), Options{})
		_, err = r.Next()
	}
	if !errors.As(err, &re) || re.Row != 1 {
		t.Fatalf("error %v is not a RowError for row 1", err)
	}
}

func FuzzCSV(f *testing.F) {
	for _, s := range []string{
		"id,name\n1,a\n", "\xef\xbb\xbfa;b\r\n1;2\r\n", "a\tb\n\"x\ty\"\tz\n", "a,b\n1\n", "a\n\"", "a,b\n\xff,1\n", "",
		"a|b\n\"q\"\"x\"|\n",
	} {
		f.Add([]byte(s), byte(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, delim byte) {
		opts := Options{BatchSize: 3, MaxFieldBytes: 64}
		if delim%5 == 1 {
			opts.Delimiter = rune(candidates[int(delim/5)%len(candidates)])
		}
		r, err := NewCSV(bytes.NewReader(data), "f.csv", opts)
		if err != nil {
			if exitcode.Of(err) != exitcode.Input {
				t.Fatalf("open error is not an input error: %v", err)
			}
			return
		}
		rows, err := readAll(t, r)
		if err != nil && exitcode.Of(err) != exitcode.Input {
			t.Fatalf("read error is not an input error: %v", err)
		}
		for _, row := range rows {
			for _, v := range row {
				if len(v) > 64 {
					t.Fatal("field over the limit returned")
				}
			}
		}
	})
}

func FuzzSniffDelimiter(f *testing.F) {
	f.Add([]byte("a,b;c\n"))
	f.Add([]byte(`"a,b";c` + "\n"))
	f.Fuzz(func(t *testing.T, head []byte) {
		d := SniffDelimiter(head)
		found := false
		for _, c := range candidates {
			found = found || rune(c) == d
		}
		if !found {
			t.Fatalf("SniffDelimiter returned %q", d)
		}
	})
}

func TestProgress(t *testing.T) {
	content := "id,v\n" + strings.Repeat("x,y\n", 5000)
	r, err := Open(writeFile(t, "p.csv", content), Options{BatchSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, total := r.Progress(); total != int64(len(content)) {
		t.Fatalf("total %d, want %d", total, len(content))
	}
	readAll(t, r)
	if done, total := r.Progress(); done != total {
		t.Fatalf("done %d of %d at EOF", done, total)
	}
	pr, err := Open(writeParquet(t, 2500, 1000), Options{BatchSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	if done, total := pr.Progress(); done != 0 || total != 2500 {
		t.Fatalf("parquet progress %d/%d before reading", done, total)
	}
	pr.Next()
	if done, _ := pr.Progress(); done != 1000 {
		t.Fatalf("parquet progress %d after one batch", done)
	}
}

// refLimiter is the byte-at-a-time definition of recordLimiter's state.
type refLimiter struct {
	n       int
	inQuote bool
}

// over reports whether the record state exceeded limit within b.
func (l *refLimiter) over(b []byte, limit int) bool {
	for _, c := range b {
		switch c {
		case '"':
			l.inQuote = !l.inQuote
		case '\n':
			if !l.inQuote {
				l.n = 0
				continue
			}
		}
		l.n++
		if l.n > limit {
			return true
		}
	}
	return false
}

// FuzzRecordLimiter checks the vectorised scan against the reference: the
// same verdict, and the same state after every chunk when within limits.
func FuzzRecordLimiter(f *testing.F) {
	f.Add([]byte("a,b\n\"x\ny\",z\n"), uint8(3), uint8(8))
	f.Add([]byte(`"""",""`+"\n\n"), uint8(1), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, chunk, limit uint8) {
		c := int(chunk%16) + 1
		lim := &recordLimiter{limit: int(limit)}
		ref := &refLimiter{}
		for i := 0; i < len(data); i += c {
			b := data[i:min(i+c, len(data))]
			got := lim.scan(b) >= 0
			want := ref.over(b, int(limit))
			if got != want {
				t.Fatalf("chunk at %d: over=%v, reference %v", i, got, want)
			}
			if got {
				return
			}
			if lim.n != ref.n || lim.inQuote != ref.inQuote {
				t.Fatalf("chunk at %d: state (%d,%v), reference (%d,%v)", i, lim.n, lim.inQuote, ref.n, ref.inQuote)
			}
		}
	})
}

// TestInvalidUTF8AfterLongASCII: the ASCII fast path must not skip a bad
// byte that arrives after many buffers of ASCII.
func TestInvalidUTF8AfterLongASCII(t *testing.T) {
	content := "id,name\n" + strings.Repeat("1,abc\n", 50000) + "2,Se\xe1n\n3,ok\n"
	r, err := Open(writeFile(t, "late.csv", content), Options{BatchSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	_, err = readAll(t, r)
	if err == nil || !strings.Contains(err.Error(), `row 50001, column "name": not valid UTF-8`) {
		t.Fatalf("err = %v", err)
	}
	// Valid multi-byte text late in the file is accepted.
	content = "id,name\n" + strings.Repeat("1,abc\n", 50000) + "2,Seán\n"
	r2, _ := Open(writeFile(t, "late2.csv", content), Options{})
	defer r2.Close()
	if rows, err := readAll(t, r2); err != nil || rows[50000][1] != "Seán" {
		t.Fatalf("%v", err)
	}
}
