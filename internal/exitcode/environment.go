package exitcode

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"syscall"
)

// Environment faults are the machine's, not the command's or its inputs':
// a full disk, a read-only file system, a directory the user may not write
// to, an I/O error. They are runtime failures (exit status 1) whichever
// command meets them and however a layer marked the error, and the CLI
// reports them in one sentence (Describe) instead of the chain of wrapped
// library messages.

// environmentFaults maps each fault to what to do about it.
var environmentFaults = []struct {
	errno syscall.Errno
	what  string
	todo  string
}{
	{syscall.ENOSPC, "no space left on the device", "free space there, or write elsewhere (-o)"},
	{syscall.EDQUOT, "the disk quota is used up", "free space there, or write elsewhere (-o)"},
	{syscall.EROFS, "the file system is read-only", "write elsewhere (-o)"},
	{syscall.EACCES, "permission denied", "check the permissions of that directory or file, or write elsewhere (-o)"},
	{syscall.EPERM, "operation not permitted", "check the permissions of that directory or file, or write elsewhere (-o)"},
	{syscall.EIO, "an input/output error from the device", "check the disk; then run the command again"},
}

// IsEnvironment reports whether err comes from an environment fault.
func IsEnvironment(err error) bool {
	_, ok := Describe(err)
	return ok
}

// tempName matches the temporary names of internal/atomicfile, so that a
// message names the output the user asked for.
var tempName = regexp.MustCompile(`^\.(.+)\.tmp-\d+-[0-9a-z]+(\.old)?$`)

// Describe returns a one-sentence account of an environment fault in err:
// what happened, to which file, and what to do; false when err is not one.
func Describe(err error) (string, bool) {
	for _, f := range environmentFaults {
		if !errors.Is(err, f.errno) {
			continue
		}
		var pe *fs.PathError
		if errors.As(err, &pe) {
			path := pe.Path
			if m := tempName.FindStringSubmatch(filepath.Base(path)); m != nil {
				path = filepath.Join(filepath.Dir(path), m[1])
			}
			verb := map[string]string{"open": "create", "mkdir": "create", "write": "write", "read": "read", "rename": "replace", "sync": "write", "link": "create", "linkat": "create"}[pe.Op]
			if verb == "" {
				verb = "use"
			}
			return fmt.Sprintf("cannot %s %s: %s; %s", verb, path, f.what, f.todo), true
		}
		return fmt.Sprintf("%s; %s", f.what, f.todo), true
	}
	return "", false
}
