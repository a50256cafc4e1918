//go:build linux

package atomicfile

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// openUnnamed opens an unnamed file in dir (O_TMPFILE): it has no name
// until linkUnnamed gives it one, so a process killed before then leaves
// nothing behind. It fails where the kernel or file system has no
// O_TMPFILE, or /proc (needed to link it) is not mounted; Create then
// falls back to a named temporary file.
//
// The file is named name in error messages (the output it will become).
func openUnnamed(dir, name string) (*os.File, error) {
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		return nil, err
	}
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), name), nil
}

// linkUnnamed gives the open unnamed file f the name path; it fails with
// EEXIST when path exists.
func linkUnnamed(f *os.File, path string) error {
	return unix.Linkat(unix.AT_FDCWD, fmt.Sprintf("/proc/self/fd/%d", f.Fd()), unix.AT_FDCWD, path, unix.AT_SYMLINK_FOLLOW)
}
