//go:build !unix

package ledger

import "os"

// lock is a no-op where flock is unavailable: run one appending command at
// a time there.
func lock(f *os.File) error { return nil }

func unlock(f *os.File) {}
