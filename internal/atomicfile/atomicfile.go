// Package atomicfile writes output files so that a reader never sees a
// half-written one: data goes to a temporary file in the target's directory,
// is synced to disk, and is renamed over the target only on Commit. A failed
// or abandoned write leaves nothing behind except, at worst, the previous
// version of the target.
//
// A process killed outright (kill -9, out of memory) cannot clean up, so on
// Linux the temporary file is unnamed (O_TMPFILE) and only gets a name at
// Commit: a crash leaves nothing. Elsewhere, and for output directories,
// temporary names carry the writer's PID, and every Create or CreateDir
// first removes the temporary files of its target left by processes that no
// longer exist (stale.go).
//
// Missing parent directories of a target are created (mode 0755 before the
// umask), as mkdir -p would, and removed again if the write fails, so every
// command that writes an output accepts a path in a directory that does not
// exist yet and a failed run leaves no empty directories behind.
package atomicfile

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// File is an output file being written under a temporary name. Write to it,
// then call Commit to put it in place, or Abort to discard it. Abort after
// Commit is a no-op, so `defer f.Abort()` is the usual pattern.
type File struct {
	*os.File
	tmp         string // the temporary name; "" while the file is unnamed
	target      string
	perm        os.FileMode
	noOverwrite bool
	done        bool
	madeDirs    []string // parent directories Create made, deepest first
	written     int64    // bytes written so far (Write)
	flushed     int64    // bytes whose writeback has been started
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
	reapStale(dir, base)
	f, tmp, err := openTemp(dir, base)
	if err != nil {
		removeDirs(made)
		return nil, fmt.Errorf("create %s: %w", target, err)
	}
	// The file starts 0600; set the requested mode now so that a secret is
	// never more readable than asked, even for an instant.
	if err := f.Chmod(perm); err != nil {
		f.Close()
		if tmp != "" {
			os.Remove(tmp)
		}
		removeDirs(made)
		return nil, fmt.Errorf("create %s: %w", target, err)
	}
	return &File{File: f, tmp: tmp, target: target, perm: perm, noOverwrite: opts.NoOverwrite, madeDirs: made}, nil
}

// openTemp opens an unnamed temporary file in dir where the system allows
// it (tmp ""), else a named one (tmp its path).
func openTemp(dir, base string) (f *os.File, tmp string, err error) {
	if f, err := openUnnamed(dir, filepath.Join(dir, base)); err == nil {
		return f, "", nil
	}
	f, err = os.CreateTemp(dir, tempPrefix(base)+"*")
	if err != nil {
		return nil, "", err
	}
	return f, f.Name(), nil
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

// Commit syncs the data to disk, gives the file its name and closes it.
// On any failure the temporary file is removed.
func (f *File) Commit() error {
	if f.done {
		return errors.New("atomicfile: Commit after Commit or Abort")
	}
	f.done = true
	fail := func(err error) error {
		f.File.Close()
		if f.tmp != "" {
			os.Remove(f.tmp)
		}
		removeDirs(f.madeDirs)
		return err
	}
	if err := f.File.Sync(); err != nil {
		return fail(fmt.Errorf("write %s: %w", f.target, err))
	}
	if f.tmp == "" {
		// Unnamed: with NoOverwrite link straight to the target (link
		// fails if it exists); else link to a temporary name and rename
		// that over the target.
		if f.noOverwrite {
			if err := linkUnnamed(f.File, f.target); err != nil {
				if _, statErr := os.Lstat(f.target); statErr == nil {
					return fail(fmt.Errorf("%s: %w", f.target, os.ErrExist))
				}
				return fail(fmt.Errorf("write %s: %w", f.target, err))
			}
			if err := f.File.Close(); err != nil {
				return fmt.Errorf("write %s: %w", f.target, err)
			}
			syncDir(filepath.Dir(f.target))
			return nil
		}
		f.tmp = filepath.Join(filepath.Dir(f.target), tempPrefix(filepath.Base(f.target))+strconv.FormatUint(rand.Uint64(), 36))
		if err := linkUnnamed(f.File, f.tmp); err != nil {
			f.tmp = ""
			return fail(fmt.Errorf("write %s: %w", f.target, err))
		}
	}
	if err := f.File.Close(); err != nil {
		return fail(fmt.Errorf("write %s: %w", f.target, err))
	}
	if f.noOverwrite {
		// link(2) fails if the target exists, so a file that appeared
		// since Create is never replaced.
		err := os.Link(f.tmp, f.target)
		if err == nil {
			os.Remove(f.tmp)
			syncDir(filepath.Dir(f.target))
			return nil
		}
		if _, statErr := os.Lstat(f.target); statErr == nil {
			return fail(fmt.Errorf("%s: %w", f.target, os.ErrExist))
		}
		// The file system cannot link: fall back to rename.
	}
	if err := os.Rename(f.tmp, f.target); err != nil {
		return fail(fmt.Errorf("write %s: %w", f.target, err))
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
	if f.tmp != "" {
		os.Remove(f.tmp)
	}
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
