package atomicfile

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestWriteback: writes of odd sizes through Write and WriteString start
// the writeback of all but the last, incomplete chunk, and the
// committed file holds exactly the bytes written.
func TestWriteback(t *testing.T) {
	target := filepath.Join(t.TempDir(), "out.bin")
	f, err := Create(target, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	var want bytes.Buffer
	piece := make([]byte, 999_983) // a prime: chunks end inside writes
	for i := range piece {
		piece[i] = byte(i * 7)
	}
	for i := 0; want.Len() < 3*writebackChunk+12345; i++ {
		if i%5 == 4 {
			f.WriteString("tail")
			want.WriteString("tail")
			continue
		}
		if _, err := f.Write(piece); err != nil {
			t.Fatal(err)
		}
		want.Write(piece)
	}
	if f.written != int64(want.Len()) {
		t.Errorf("written %d, want %d", f.written, want.Len())
	}
	if f.flushed <= 0 || f.flushed > f.written || f.written-f.flushed >= writebackChunk {
		t.Errorf("writeback started for %d of %d bytes, want all but less than a chunk", f.flushed, f.written)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(target)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("committed %d bytes, not the %d written", len(got), want.Len())
	}
}
