package cohort

import (
	"bytes"
	"testing"
)

func TestMapRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 1<<16 + 3} {
		rows := make([]MapRow, n)
		for i := range rows {
			rows[i] = MapRow{RecordID: string(rune('a'+i%26)) + string(rune('0'+i%10)), StudyID: "SAAAAAAAAAAAAAAAA"}
		}
		var buf bytes.Buffer
		if err := WriteMap(&buf, rows); err != nil {
			t.Fatal(err)
		}
		got, err := ReadMap(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != n {
			t.Fatalf("%d rows back, want %d", len(got), n)
		}
		for i := range got {
			if got[i] != rows[i] {
				t.Fatalf("row %d differs", i)
			}
		}
	}
}

func FuzzReadMap(f *testing.F) {
	var buf bytes.Buffer
	WriteMap(&buf, []MapRow{{"r1", "SAAAA"}, {"r2", "SBBBB"}})
	f.Add(buf.Bytes())
	f.Add([]byte("PAR1"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := ReadMap(data)
		if err != nil && rows != nil {
			t.Fatal("rows with an error")
		}
	})
}
