package atomicfile

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Temporary names are "." + base + ".tmp-" + PID + "-" + random: the PID of
// the writing process lets a later run tell debris (its writer is gone,
// killed before it could clean up) from a write in progress.

// tempPrefix is the prefix of this process's temporary names for base.
func tempPrefix(base string) string {
	return "." + base + ".tmp-" + strconv.Itoa(os.Getpid()) + "-"
}

// reapStale removes temporary files and directories for base in dir whose
// writing process no longer exists. Names of another shape, and those of
// live processes, are left alone; errors are ignored (debris is untidy,
// not wrong).
func reapStale(dir, base string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	prefix := "." + base + ".tmp-"
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok {
			continue
		}
		pidText, _, ok := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if !ok || err != nil || pid <= 0 || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}
