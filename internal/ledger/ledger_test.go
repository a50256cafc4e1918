package ledger

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)

// threeEntries writes a ledger of three entries and returns its path and
// the hash of each entry.
func threeEntries(t *testing.T) (string, []string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ledger.jsonl")
	var hashes []string
	for i, cmd := range []string{"match", "cohort", "lookup"} {
		h, err := Append(p, Entry{Command: cmd, Facts: map[string]any{"records": 100 + i}}, t0.Add(time.Duration(i)*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, h)
	}
	return p, hashes
}

func TestAppendVerify(t *testing.T) {
	p, hashes := threeEntries(t)
	st, err := Verify(p, hashes[1])
	if err != nil {
		t.Fatal(err)
	}
	if st.Entries != 3 || st.Head != hashes[2] {
		t.Fatalf("status %+v, want 3 entries, head %s", st, hashes[2])
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("ledger mode %v, want 0600", fi.Mode().Perm())
	}
}

// TestVerifyDetectsTampering edits, deletes, reorders, inserts, truncates
// and rewrites entries; each is found, the last two through a head hash
// recorded elsewhere.
func TestVerifyDetectsTampering(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper func(lines [][]byte) [][]byte
		head   int // index of the recorded hash to check against, -1 for none
		want   string
	}{
		{"edit a count", func(l [][]byte) [][]byte {
			l[0] = bytes.Replace(l[0], []byte(`"records":100`), []byte(`"records":101`), 1)
			return l
		}, -1, "line 2 does not follow line 1"},
		{"edit the command", func(l [][]byte) [][]byte {
			l[1] = bytes.Replace(l[1], []byte("cohort"), []byte("cohorT"), 1)
			return l
		}, -1, "line 3 does not follow line 2"},
		{"delete a middle entry", func(l [][]byte) [][]byte { return [][]byte{l[0], l[2]} }, -1, "line 2 holds entry 3"},
		{"reorder", func(l [][]byte) [][]byte { return [][]byte{l[1], l[0], l[2]} }, -1, "line 1 holds entry 2"},
		{"duplicate an entry", func(l [][]byte) [][]byte { return [][]byte{l[0], l[0], l[1], l[2]} }, -1, "line 2 holds entry 1"},
		{"not JSON", func(l [][]byte) [][]byte { l[1] = []byte("garbage"); return l }, -1, "line 2 is not a ledger entry"},
		{"unknown field", func(l [][]byte) [][]byte {
			l[2] = bytes.Replace(l[2], []byte(`{"seq"`), []byte(`{"x":1,"seq"`), 1)
			return l
		}, -1, "line 3 is not a ledger entry"},
		{"text after the newest entry", func(l [][]byte) [][]byte {
			l[2] = append(l[2], ` {"seq":4}`...)
			return l
		}, -1, "line 3 is not a ledger entry"},
		{"remove the newest entry", func(l [][]byte) [][]byte { return l[:2] }, 2, "no entry has the recorded hash"},
		{"edit the newest entry", func(l [][]byte) [][]byte {
			l[2] = bytes.Replace(l[2], []byte(`"records":102`), []byte(`"records":1`), 1)
			return l
		}, 2, "no entry has the recorded hash"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, hashes := threeEntries(t)
			raw, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			lines := bytes.Split(bytes.TrimSuffix(raw, []byte("\n")), []byte("\n"))
			out := bytes.Join(tc.tamper(lines), []byte("\n"))
			if err := os.WriteFile(p, append(out, '\n'), 0o600); err != nil {
				t.Fatal(err)
			}
			want := ""
			if tc.head >= 0 {
				want = hashes[tc.head]
			}
			_, err = Verify(p, want)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Verify: %v, want an error containing %q", err, tc.want)
			}
			// A damaged ledger is not appended to.
			if tc.head < 0 {
				if _, err := Append(p, Entry{Command: "match"}, t0); err == nil {
					t.Fatal("Append to a damaged ledger succeeded")
				}
			}
		})
	}
}

// TestAppendAfterLineWithoutNewline: a ledger whose last line lost its
// newline (an editor's save) still verifies, and the next entry goes on a
// line of its own.
func TestAppendAfterLineWithoutNewline(t *testing.T) {
	p, _ := threeEntries(t)
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, bytes.TrimSuffix(raw, []byte("\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	h, err := Append(p, Entry{Command: "match"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	st, err := Verify(p, h)
	if err != nil || st.Entries != 4 || st.Head != h {
		t.Fatalf("Verify after the append: %+v, %v; want 4 entries, head %s", st, err, h)
	}
}

// TestConcurrentAppends appends from many goroutines at once: the chain
// stays whole.
func TestConcurrentAppends(t *testing.T) {
	p := filepath.Join(t.TempDir(), "ledger.jsonl")
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := Append(p, Entry{Command: "lookup"}, t0); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	st, err := Verify(p, "")
	if err != nil || st.Entries != 20 {
		t.Fatalf("after 20 concurrent appends: %+v, %v", st, err)
	}
}

func TestCheckHash(t *testing.T) {
	for _, h := range []string{"", "sha256:", "abc", "sha256:" + strings.Repeat("z", 64), "sha256:" + strings.Repeat("a", 63)} {
		if CheckHash(h) == nil {
			t.Errorf("CheckHash(%q) accepted", h)
		}
	}
	if err := CheckHash(Genesis); err != nil {
		t.Error(err)
	}
}

// FuzzVerify: whatever a ledger file holds, Verify returns without
// panicking, and an error names a line, never its content; a file it
// accepts takes one more entry, after which it still verifies, one entry
// longer, with the new entry's hash at its head.
func FuzzVerify(f *testing.F) {
	dir := f.TempDir()
	p := filepath.Join(dir, "seed.jsonl")
	for i, cmd := range []string{"match", "cohort"} {
		if _, err := Append(p, Entry{Command: cmd, Facts: map[string]any{"records": i}}, t0); err != nil {
			f.Fatal(err)
		}
	}
	good, err := os.ReadFile(p)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(bytes.TrimSuffix(good, []byte("\n")))
	f.Add([]byte{})
	f.Add([]byte("\n"))
	f.Add([]byte(`{"seq":1,"time":"","command":"x","prev":"` + Genesis + `"}`))
	f.Add([]byte(`{"seq":1,"command":"x","prev":"` + Genesis + `","extra":1}` + "\n"))
	f.Add(append(good, good...))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "ledger.jsonl")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		st, err := Verify(p, "")
		if err != nil {
			if line := bytes.TrimSpace(data); len(line) >= 16 && strings.Contains(err.Error(), string(line)) {
				t.Fatalf("error quotes the file: %v", err)
			}
			return
		}
		h, err := Append(p, Entry{Command: "lookup"}, t0)
		if err != nil {
			t.Fatalf("a ledger Verify accepts (%d entries) refused an entry: %v", st.Entries, err)
		}
		st2, err := Verify(p, h)
		if err != nil {
			t.Fatalf("after an append to a ledger Verify accepted: %v", err)
		}
		if st2.Entries != st.Entries+1 || st2.Head != h {
			t.Fatalf("after an append: %+v, want %d entries, head %s", st2, st.Entries+1, h)
		}
	})
}
