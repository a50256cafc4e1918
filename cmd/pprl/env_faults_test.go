//go:build linux

package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// mountTmpfs mounts a tmpfs with the given options at a new directory, or
// skips the test where mounting is not allowed (it needs root in a
// namespace that permits mounts).
func mountTmpfs(t *testing.T, opts string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", opts, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs to make a full or read-only disk (%v: %s): environment faults are checked only where mounting is allowed", err, bytes.TrimSpace(out))
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	return dir
}

// runCaptured runs pprl in-process and returns its exit status and stderr.
func runCaptured(t *testing.T, args ...string) (int, string) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = w
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	code := run(args)
	w.Close()
	os.Stderr = saved
	return code, <-done
}

// TestEnvironmentFaults: a full disk and a read-only file system are exit
// status 1 in every command that writes, with one human sentence naming the
// output, and no temporary file is left on the full disk.
func TestEnvironmentFaults(t *testing.T) {
	full := mountTmpfs(t, "size=64k")
	ro := mountTmpfs(t, "ro,size=64k")
	// Fill the small disk completely.
	if f, err := os.Create(filepath.Join(full, "filler")); err == nil {
		f.Write(make([]byte, 1<<20))
		f.Close()
	}
	work := t.TempDir()
	p := func(name string) string { return filepath.Join(work, name) }
	for _, args := range [][]string{
		{"synth", "--people", "300", "--seed", "2", "-o", p("ex")},
		{"keygen", "secret", "-o", p("s.key")},
		{"keygen", "unit", "-o", p("lu")},
		{"schema", "init", "-o", p("l.json")},
		{"-q", "tokenize", "--schema", p("l.json"), "--mapping", p("ex/mapping/health.json"), "--secret", p("s.key"), "--dataset", "health", "--no-seal", p("ex/health.csv"), "-o", p("he.parquet")},
		{"-q", "match", p("he.parquet"), "-o", p("run")},
	} {
		if code, stderr := runCaptured(t, args...); code != 0 {
			t.Fatalf("setup %v: exit %d: %s", args, code, stderr)
		}
	}
	for _, disk := range []struct{ dir, what string }{{full, "no space left"}, {ro, "read-only"}} {
		o := func(name string) string { return filepath.Join(disk.dir, name) }
		for _, args := range [][]string{
			{"synth", "--people", "300", "-o", o("ex")},
			{"keygen", "secret", "-o", o("s.key")},
			{"keygen", "unit", "-o", o("lu")},
			{"schema", "init", "-o", o("l.json")},
			{"-q", "tokenize", "--schema", p("l.json"), "--mapping", p("ex/mapping/health.json"), "--secret", p("s.key"), "--dataset", "health", "--no-seal", p("ex/health.csv"), "-o", o("he.parquet")},
			{"-q", "tokenize", "--schema", p("l.json"), "--mapping", p("ex/mapping/health.json"), "--secret", p("s.key"), "--dataset", "health", "--seal-to", p("lu.pub"), p("ex/health.csv"), "-o", o("he.age")},
			{"-q", "match", p("he.parquet"), "-o", o("run")},
			{"report", p("run"), "-o", o("report.html")},
			{"cohort", "--entities", p("run/entities.parquet"), "--project", "P", "--include", "health", "--recipient", "health=" + p("lu.pub"), "--allow-small", "--project-key", p("P.key"), "-o", o("c")},
		} {
			code, stderr := runCaptured(t, args...)
			name := strings.Join(args[:2], " ")
			if code != 1 {
				t.Errorf("%s on a %s disk: exit %d, want 1: %s", name, disk.what, code, stderr)
			}
			if lines := strings.Count(strings.TrimSpace(stderr), "\n"); !strings.Contains(stderr, disk.what) || !strings.Contains(stderr, "pprl: cannot ") || lines > 0 {
				t.Errorf("%s on a %s disk: stderr %q, want one sentence saying so", name, disk.what, stderr)
			}
		}
		ents, _ := os.ReadDir(disk.dir)
		for _, e := range ents {
			if e.Name() != "filler" {
				t.Errorf("%s disk: %s left behind", disk.what, e.Name())
			}
		}
	}
}
