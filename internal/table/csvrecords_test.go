package table

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
)

// readBoth reads data with csvRecords and with encoding/csv set up as
// csvRecords claims to behave, and reports the first difference.
func readBoth(data []byte, comma byte, fields, bufSize int) error {
	ref := csv.NewReader(bytes.NewReader(data))
	ref.Comma = rune(comma)
	ref.FieldsPerRecord = fields
	got := &csvRecords{br: bufio.NewReaderSize(bytes.NewReader(data), bufSize), comma: comma, fields: fields, limit: 1 << 30}
	for n := 1; ; n++ {
		want, wantErr := ref.Read()
		rec, err := got.read(nil)
		if wantErr == io.EOF {
			if err != io.EOF || len(rec) != 0 {
				return fmt.Errorf("record %d: encoding/csv ends, csvRecords gives %q, %v", n, rec, err)
			}
			return nil
		}
		if !reflect.DeepEqual(err, wantErr) {
			return fmt.Errorf("record %d: error %#v, encoding/csv %#v", n, err, wantErr)
		}
		if wantErr == nil && !reflect.DeepEqual(rec, want) {
			return fmt.Errorf("record %d: %q, encoding/csv %q", n, rec, want)
		}
		if wantErr != nil {
			var pe *csv.ParseError
			if errors.As(wantErr, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) && !reflect.DeepEqual(rec, want) {
				return fmt.Errorf("record %d (wrong field count): %q, encoding/csv %q", n, rec, want)
			}
			return nil
		}
	}
}

func TestCSVRecordsLikeEncodingCSV(t *testing.T) {
	for _, in := range []string{
		"", "a,b\n", "a,b", "a,b\r\n1,2\r\n", "a,b\r", "\n\n\na,b\n\r\n", "a,\"b\"\n", "\"a\nb\",c\n",
		"\"a\r\nb\",c\r\n", "\"a\"\"b\",c\n", "a,b\"c\n", "\"a\"b,c\n", "\"a,b\n", "\"abc", "a,\"\"\n", ",\n",
		"a,b,c\nd,e\n", "a\nb,c\n", "\"x\"\n", "x,\"y\n\nz\"\n", "\"\"\"\",\"\"\n", "a,b\n\"c\n", "é,ü\n",
		"a\rb,c\n", "\"a\",\"b\"\r\n", "\"a\" ,b\n", "a, \"b\"\n", "\"a\"\n\"b,c\n", "\"a\nb\"x,c\n",
		"a,\"b\nc\"\n\"d\",e\n", "\"\n\n\n\",a\n", "a,b\n\n\"\"\n",
	} {
		for _, fields := range []int{1, 2, 3} {
			for _, size := range []int{16, 4096} {
				if err := readBoth([]byte(in), ',', fields, size); err != nil {
					t.Errorf("%q, %d fields, buffer %d: %v", in, fields, size, err)
				}
			}
		}
	}
}

func FuzzCSVRecords(f *testing.F) {
	for _, s := range []string{"a,b\n\"c\nd\",e\r\n", "\"a\"\"\",b\n", "x\ty\n\"z\"\"\ty\n", "a,\"b\n"} {
		f.Add([]byte(s), byte(','), uint8(2))
	}
	f.Fuzz(func(t *testing.T, data []byte, comma byte, fields uint8) {
		if !validDelim(rune(comma)) || comma >= 0x80 {
			return
		}
		for _, size := range []int{16, 64 << 10} {
			if err := readBoth(data, comma, int(fields%5)+1, size); err != nil {
				t.Fatalf("buffer %d: %v", size, err)
			}
		}
	})
}

// TestCSVWideDelimiter: a delimiter wider than a byte is read by
// encoding/csv (csvRecords takes one byte), with the same checks.
func TestCSVWideDelimiter(t *testing.T) {
	r, err := NewCSV(bytes.NewReader([]byte("id¦name\n1¦\"Seán ¦ Óg\"\n2¦Ann\n")), "w.csv", Options{Delimiter: '¦'})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := readAll(t, r)
	if err != nil || len(rows) != 2 || rows[0][1] != "Seán ¦ Óg" || rows[1][1] != "Ann" {
		t.Fatalf("rows %q, %v", rows, err)
	}
	r, _ = NewCSV(bytes.NewReader([]byte("id¦name\n1¦ok\n2¦b\xe9d\n")), "w.csv", Options{Delimiter: '¦'})
	if _, err := readAll(t, r); err == nil || !strings.Contains(err.Error(), `row 2, column "name": not valid UTF-8`) {
		t.Fatalf("err = %v", err)
	}
	r, _ = NewCSV(bytes.NewReader([]byte("id¦name\n1¦ok¦x\n")), "w.csv", Options{Delimiter: '¦'})
	if _, err := readAll(t, r); err == nil || !strings.Contains(err.Error(), "row 1: has 3 fields but the header has 2") {
		t.Fatalf("err = %v", err)
	}
}
