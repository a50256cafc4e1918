package progress

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// In tests stderr is not a terminal, so New returns a silent nil bar.
func TestSilentWhenNotTerminal(t *testing.T) {
	b := New(100, "tokenize", Items, false)
	if b != nil {
		t.Skip("stderr is a terminal in this test run")
	}
	b.Add(10)
	b.Set(50)
	b.Finish()
	r := strings.NewReader("abc")
	if b.Reader(r) != io.Reader(r) {
		t.Fatal("nil bar wrapped the reader")
	}
}

func TestQuiet(t *testing.T) {
	if New(100, "x", Items, true) != nil {
		t.Fatal("quiet run got a bar")
	}
}

func TestDrawsOnWriter(t *testing.T) {
	var buf bytes.Buffer
	b := NewTo(&buf, 1000, "reading", Bytes)
	data, _ := io.ReadAll(b.Reader(strings.NewReader(strings.Repeat("x", 1000))))
	if len(data) != 1000 {
		t.Fatal("reader lost data")
	}
	b.Finish()
	out := buf.String()
	if !strings.Contains(out, "reading") || !strings.Contains(out, "100%") {
		t.Fatalf("bar output %q", out)
	}
}
