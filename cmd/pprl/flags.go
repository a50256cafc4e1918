package main

import (
	"math"

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
