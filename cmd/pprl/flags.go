package main

import (
	"errors"
	"math"
	"os"

	"github.com/pprl/pprl/internal/atomicfile"
	"github.com/pprl/pprl/internal/exitcode"
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
	if err := atomicfile.CheckDir(dir, force); err != nil {
		if errors.Is(err, os.ErrExist) {
			return exitcode.Inputf("output directory %s exists and is not empty: give another -o, or --force to replace it", dir)
		}
		return exitcode.AsInput(err)
	}
	return nil
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
