//go:build !linux

package atomicfile

import "os"

// startWriteback does nothing where there is no sync_file_range: Commit's
// sync writes everything.
func startWriteback(f *os.File, off, n int64) {}
