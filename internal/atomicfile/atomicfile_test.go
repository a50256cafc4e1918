package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func TestCommitReplacesTarget(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "out.txt")
	if err := os.WriteFile(target, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Create(target, Options{Perm: 0o600})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	f.WriteString("new")
	// Before Commit the old content is still in place.
	if b, _ := os.ReadFile(target); string(b) != "old" {
		t.Fatalf("target changed before Commit: %q", b)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(target)
	if string(b) != "new" {
		t.Fatalf("got %q, want new", b)
	}
	fi, _ := os.Stat(target)
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
	if names := listDir(t, dir); len(names) != 1 {
		t.Fatalf("leftover files: %v", names)
	}
	if err := f.Commit(); err == nil {
		t.Fatal("second Commit succeeded")
	}
}

func TestAbortLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "out.txt")
	f, err := Create(target, Options{})
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("partial")
	f.Abort()
	f.Abort()
	if names := listDir(t, dir); len(names) != 0 {
		t.Fatalf("leftover files after Abort: %v", names)
	}
}

func TestNoOverwrite(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "k")
	if err := WriteFile(target, []byte("a"), Options{NoOverwrite: true}); err != nil {
		t.Fatal(err)
	}
	err := WriteFile(target, []byte("b"), Options{NoOverwrite: true})
	if !errors.Is(err, os.ErrExist) {
		t.Fatalf("err = %v, want ErrExist", err)
	}
	if b, _ := os.ReadFile(target); string(b) != "a" {
		t.Fatalf("target overwritten: %q", b)
	}
}

// TestCreateInMissingDir checks that missing parent directories are made
// on Create and stay after Commit, and that Abort removes the ones it made
// but not one that existed before.
func TestCreateInMissingDir(t *testing.T) {
	root := t.TempDir()
	target := filepath.Join(root, "a", "b", "x")
	f, err := Create(target, Options{})
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("data")
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(target); err != nil || string(b) != "data" {
		t.Fatalf("read back %q, %v", b, err)
	}

	f, err = Create(filepath.Join(root, "a", "c", "d", "y"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	f.Abort()
	if names := listDir(t, filepath.Join(root, "a")); len(names) != 1 || names[0] != "b" {
		t.Fatalf("after Abort, a/ holds %v, want [b]", names)
	}

	// WriteFile that fails at Create (NoOverwrite, target exists) makes nothing.
	if err := WriteFile(target, nil, Options{NoOverwrite: true}); !errors.Is(err, os.ErrExist) {
		t.Fatalf("err = %v, want ErrExist", err)
	}
}

func TestCreateUnderAFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, nil, 0o644)
	if _, err := Create(filepath.Join(file, "sub", "x"), Options{}); err == nil {
		t.Fatal("Create under a regular file succeeded")
	}
	if _, err := CreateDir(filepath.Join(file, "sub", "x"), false); err == nil {
		t.Fatal("CreateDir under a regular file succeeded")
	}
}

func TestDirInMissingParent(t *testing.T) {
	root := t.TempDir()
	d, err := CreateDir(filepath.Join(root, "cohorts", "x"), false)
	if err != nil {
		t.Fatal(err)
	}
	d.Abort()
	if names := listDir(t, root); len(names) != 0 {
		t.Fatalf("after Abort: %v", names)
	}
	d, err = CreateDir(filepath.Join(root, "cohorts", "x"), false)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(d.Path(), "m"), []byte("x"), 0o644)
	if err := d.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "cohorts", "x", "m")); err != nil {
		t.Fatal(err)
	}
}

func TestDirCommitAndReplace(t *testing.T) {
	parent := t.TempDir()
	target := filepath.Join(parent, "out")
	for i, content := range []string{"first", "second"} {
		d, err := CreateDir(target, i > 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d.Path(), "a.txt"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := d.Commit(); err != nil {
			t.Fatal(err)
		}
		d.Abort()
		b, err := os.ReadFile(filepath.Join(target, "a.txt"))
		if err != nil || string(b) != content {
			t.Fatalf("round %d: %q, %v", i, b, err)
		}
		if names := listDir(t, parent); len(names) != 1 {
			t.Fatalf("leftovers: %v", names)
		}
	}
	// A non-empty target without overwrite is refused.
	if _, err := CreateDir(target, false); !errors.Is(err, os.ErrExist) {
		t.Fatalf("err = %v, want ErrExist", err)
	}
}

func TestDirAbort(t *testing.T) {
	parent := t.TempDir()
	d, err := CreateDir(filepath.Join(parent, "out"), false)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(d.Path(), "a"), []byte("x"), 0o644)
	d.Abort()
	if names := listDir(t, parent); len(names) != 0 {
		t.Fatalf("leftovers: %v", names)
	}
}

func TestDirTargetIsFile(t *testing.T) {
	target := filepath.Join(t.TempDir(), "f")
	os.WriteFile(target, nil, 0o644)
	if _, err := CreateDir(target, true); err == nil {
		t.Fatal("CreateDir over a file succeeded")
	}
}

func TestNoOverwriteAtCommit(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "k")
	f, err := Create(target, Options{NoOverwrite: true, Perm: 0o600})
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("new")
	// Someone else writes the target meanwhile.
	os.WriteFile(target, []byte("theirs"), 0o600)
	if err := f.Commit(); !errors.Is(err, os.ErrExist) {
		t.Fatalf("err = %v, want ErrExist", err)
	}
	if b, _ := os.ReadFile(target); string(b) != "theirs" {
		t.Fatalf("target replaced: %q", b)
	}
	if names := listDir(t, dir); len(names) != 1 {
		t.Fatalf("leftovers: %v", names)
	}
	// Without a race, NoOverwrite commits normally with the right mode.
	os.Remove(target)
	if err := WriteFile(target, []byte("x"), Options{NoOverwrite: true, Perm: 0o600}); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(target)
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %04o", fi.Mode().Perm())
	}
	if names := listDir(t, dir); len(names) != 1 {
		t.Fatalf("leftovers: %v", names)
	}
}
