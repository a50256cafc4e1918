package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Dir is an output directory being written under a temporary name, for
// commands whose result is several files (pprl match -o OUTDIR). Write files
// into Path(), then Commit to rename the directory into place.
type Dir struct {
	tmp      string
	target   string
	done     bool
	madeDirs []string // parent directories CreateDir made, deepest first
}

// CreateDir starts writing the directory target. The temporary directory is
// made beside target. If target exists it must be a directory; unless
// overwrite is set it must also be empty (the error then wraps
// os.ErrExist). Missing parent directories are created. On Commit an
// existing target is replaced as a whole.
func CreateDir(target string, overwrite bool) (*Dir, error) {
	target = filepath.Clean(target)
	if err := CheckDir(target, overwrite); err != nil {
		return nil, err
	}
	parent, base := filepath.Split(target)
	if parent == "" {
		parent = "."
	}
	made, err := makeParents(parent)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", target, err)
	}
	reapStale(parent, base)
	tmp, err := os.MkdirTemp(parent, tempPrefix(base)+"*")
	if err != nil {
		removeDirs(made)
		return nil, fmt.Errorf("create %s: %w", target, err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		os.RemoveAll(tmp)
		removeDirs(made)
		return nil, fmt.Errorf("create %s: %w", target, err)
	}
	return &Dir{tmp: tmp, target: target, madeDirs: made}, nil
}

// CheckDir reports whether CreateDir(target, overwrite) would accept
// target, without creating anything: commands call it before long work so
// that a wrong -o fails at once. The error wraps os.ErrExist when target is
// a non-empty directory and overwrite is not set.
func CheckDir(target string, overwrite bool) error {
	fi, err := os.Stat(target)
	if err != nil {
		return nil
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s exists and is not a directory", target)
	}
	if overwrite {
		return nil
	}
	ents, err := os.ReadDir(target)
	if err != nil {
		return fmt.Errorf("output directory %s: %w", target, err)
	}
	if len(ents) > 0 {
		return fmt.Errorf("output directory %s: %w and is not empty", target, os.ErrExist)
	}
	return nil
}

// Path returns the temporary directory to write files into.
func (d *Dir) Path() string { return d.tmp }

// Target returns the directory's final path.
func (d *Dir) Target() string { return d.target }

// Commit syncs the files in the temporary directory and renames it to the
// target, replacing an existing target directory. The old directory is
// moved aside first and removed only after the new one is in place.
func (d *Dir) Commit() error {
	if d.done {
		return errors.New("atomicfile: Commit after Commit or Abort")
	}
	d.done = true
	ents, err := os.ReadDir(d.tmp)
	if err != nil {
		os.RemoveAll(d.tmp)
		removeDirs(d.madeDirs)
		return fmt.Errorf("write %s: %w", d.target, err)
	}
	for _, e := range ents {
		if e.Type().IsRegular() {
			if f, err := os.Open(filepath.Join(d.tmp, e.Name())); err == nil {
				f.Sync()
				f.Close()
			}
		}
	}
	syncDir(d.tmp)
	var old string
	if _, err := os.Stat(d.target); err == nil {
		old = d.tmp + ".old"
		if err := os.Rename(d.target, old); err != nil {
			os.RemoveAll(d.tmp)
			removeDirs(d.madeDirs)
			return fmt.Errorf("replace %s: %w", d.target, err)
		}
	}
	if err := os.Rename(d.tmp, d.target); err != nil {
		if old != "" {
			os.Rename(old, d.target)
		}
		os.RemoveAll(d.tmp)
		removeDirs(d.madeDirs)
		return fmt.Errorf("write %s: %w", d.target, err)
	}
	if old != "" {
		os.RemoveAll(old)
	}
	syncDir(filepath.Dir(d.target))
	return nil
}

// Abort removes the temporary directory and everything in it. It is safe to
// call after Commit and more than once. Parent directories that
// CreateDir made are removed too.
func (d *Dir) Abort() {
	if d.done {
		return
	}
	d.done = true
	os.RemoveAll(d.tmp)
	removeDirs(d.madeDirs)
}
