// Package atomicfile writes output files so that a reader never sees a
// half-written one: data goes to a temporary file in the target's directory,
// is synced to disk, and is renamed over the target only on Commit. A failed
// or abandoned write leaves nothing behind except, at worst, the previous
// version of the target.
//
// Missing parent directories of a target are created (mode 0755 before the
// umask), as mkdir -p would, and removed again if the write fails, so every
// command that writes an output accepts a path in a directory that does not
// exist yet and a failed run leaves no empty directories behind.
package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// File is an output file being written under a temporary name. Write to it,
// then call Commit to put it in place, or Abort to discard it. Abort after
// Commit is a no-op, so `defer f.Abort()` is the usual pattern.
type File struct {
	*os.File
	target      string
	perm        os.FileMode
	noOverwrite bool
	done        bool
	madeDirs    []string // parent directories Create made, deepest first
}

// Options controls how Create treats the target.
type Options struct {
	// Perm is the permission of the final file, set exactly (the umask does
	// not apply). Zero means 0644.
	Perm os.FileMode
	// NoOverwrite makes Create fail with an error wrapping os.ErrExist when
	// the target already exists, and Commit fail if it appeared meanwhile.
	NoOverwrite bool
}

// Create starts writing target. The temporary file is created in the same
// directory as target, so the final rename is atomic on POSIX file systems.
func Create(target string, opts Options) (*File, error) {
	perm := opts.Perm
	if perm == 0 {
		perm = 0o644
	}
	if opts.NoOverwrite {
		if _, err := os.Lstat(target); err == nil {
			return nil, fmt.Errorf("%s: %w", target, os.ErrExist)
		}
	}
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	made, err := makeParents(dir)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", target, err)
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		removeDirs(made)
		return nil, fmt.Errorf("create %s: %w", target, err)
	}
	// CreateTemp makes the file 0600; set the requested mode now so that a
	// secret is never more readable than asked, even for an instant.
	if err := f.Chmod(perm); err != nil {
		f.Close()
		os.Remove(f.Name())
		removeDirs(made)
		return nil, fmt.Errorf("create %s: %w", target, err)
	}
	return &File{File: f, target: target, perm: perm, noOverwrite: opts.NoOverwrite, madeDirs: made}, nil
}

// makeParents creates dir and any missing parents, and returns the
// directories it made, deepest first (nil when dir already existed).
func makeParents(dir string) ([]string, error) {
	dir = filepath.Clean(dir)
	var missing []string
	for d := dir; ; {
		if _, err := os.Lstat(d); err == nil {
			break
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		missing = append(missing, d)
		up := filepath.Dir(d)
		if up == d {
			break
		}
		d = up
	}
	if len(missing) == 0 {
		return nil, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		removeDirs(missing)
		return nil, fmt.Errorf("create directory %s: %w", dir, err)
	}
	return missing, nil
}

// removeDirs removes the directories makeParents made, deepest first, as
// long as they are empty (a directory something else has written into since
// is left alone).
func removeDirs(dirs []string) {
	for _, d := range dirs {
		if os.Remove(d) != nil {
			return
		}
	}
}

// Target returns the final path the file will have after Commit.
func (f *File) Target() string { return f.target }

// Commit syncs the data to disk, closes the file and renames it over the
// target. On any failure the temporary file is removed.
func (f *File) Commit() error {
	if f.done {
		return errors.New("atomicfile: Commit after Commit or Abort")
	}
	f.done = true
	tmp := f.File.Name()
	if err := f.File.Sync(); err != nil {
		f.File.Close()
		os.Remove(tmp)
		removeDirs(f.madeDirs)
		return fmt.Errorf("write %s: %w", f.target, err)
	}
	if err := f.File.Close(); err != nil {
		os.Remove(tmp)
		removeDirs(f.madeDirs)
		return fmt.Errorf("write %s: %w", f.target, err)
	}
	if f.noOverwrite {
		// link(2) fails if the target exists, so a file that appeared
		// since Create is never replaced.
		err := os.Link(tmp, f.target)
		if err == nil {
			os.Remove(tmp)
			syncDir(filepath.Dir(f.target))
			return nil
		}
		if _, statErr := os.Lstat(f.target); statErr == nil {
			os.Remove(tmp)
			removeDirs(f.madeDirs)
			return fmt.Errorf("%s: %w", f.target, os.ErrExist)
		}
		// The file system cannot link: fall back to rename.
	}
	if err := os.Rename(tmp, f.target); err != nil {
		os.Remove(tmp)
		removeDirs(f.madeDirs)
		return fmt.Errorf("write %s: %w", f.target, err)
	}
	syncDir(filepath.Dir(f.target))
	return nil
}

// Abort closes and removes the temporary file. It is safe to call after
// Commit (it then does nothing) and more than once. Parent directories
// that Create made are removed too.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.File.Close()
	os.Remove(f.File.Name())
	removeDirs(f.madeDirs)
}

// WriteFile writes data to target atomically with the given options.
func WriteFile(target string, data []byte, opts Options) error {
	f, err := Create(target, opts)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", target, err)
	}
	return f.Commit()
}

// syncDir makes a rename durable. Errors are ignored: some file systems do
// not support syncing a directory, and the rename itself has succeeded.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	d.Sync()
	d.Close()
}
