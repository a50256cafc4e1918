package main

import (
	"math"
	"os"
	"strings"

	"github.com/pprl/pprl/internal/exitcode"
	"github.com/pprl/pprl/linkage"
)

// inRange returns an input error (exit 2) unless v, the value of flag, is a
// finite number in [lo, hi], or in (lo, hi] when openLow. NaN passes every
// comparison Go makes, so each flag is checked here, up front, before
// anything is read or written.
func inRange(flag string, v, lo, hi float64, openLow bool, example string) error {
	bad := math.IsNaN(v) || math.IsInf(v, 0) || v > hi || v < lo || openLow && v == lo
	if !bad {
		return nil
	}
	bound := "["
	if openLow {
		bound = "("
	}
	return exitcode.Inputf("%s must be a number in %s%g, %g], not %v (e.g. %s)", flag, bound, lo, hi, v, example)
}

// finite returns an input error unless v, the value of flag, is a finite
// number.
func finite(flag string, v float64, example string) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return exitcode.Inputf("%s must be a finite number, not %v (e.g. %s)", flag, v, example)
	}
	return nil
}

// checkOutDir refuses, before any work, an output directory that exists
// and is not empty (unless --force), or that is not a directory.
func checkOutDir(dir string, force bool) error {
	return linkage.CheckOutputDir(dir, force, "output directory")
}

// checkOutFile refuses, before any work, an output file that exists
// (unless --force) or is a directory: every command that writes follows one
// rule, never overwriting silently.
func checkOutFile(path string, force bool) error {
	fi, err := os.Stat(path)
	if err != nil {
		return nil
	}
	if fi.IsDir() {
		return exitcode.Inputf("output %s is a directory: give a file name with -o", path)
	}
	if !force {
		return exitcode.Inputf("output %s exists: give another -o, or --force to replace it", path)
	}
	return nil
}

// parseRecipients reads repeated --recipient DATASET=FILE flags.
func parseRecipients(flags []string) (map[string]string, error) {
	recs := map[string]string{}
	for _, r := range flags {
		ds, file, ok := strings.Cut(r, "=")
		if !ok || ds == "" || file == "" {
			return nil, exitcode.Inputf("--recipient %q: use DATASET=FILE, e.g. --recipient social_work=sw.pub", r)
		}
		if _, dup := recs[ds]; dup {
			return nil, exitcode.Inputf("--recipient: dataset %q is given twice", ds)
		}
		recs[ds] = file
	}
	return recs, nil
}
