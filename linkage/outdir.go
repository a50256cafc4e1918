package linkage

import (
	"errors"
	"fmt"
	"os"

	"github.com/pprl/pprl/internal/atomicfile"
	"github.com/pprl/pprl/internal/exitcode"
)

// CheckOutputDir refuses, without creating anything, an output directory
// that exists and is not empty (unless overwrite) or is not a directory:
// commands call it before long work. what names it in the message
// ("output directory", "cohort directory").
func CheckOutputDir(dir string, overwrite bool, what string) error {
	return outputDirError(atomicfile.CheckDir(dir, overwrite), dir, what)
}

// CreateOutputDir starts writing an output directory atomically (see
// atomicfile.CreateDir), with CheckOutputDir's refusals.
func CreateOutputDir(dir string, overwrite bool, what string) (*atomicfile.Dir, error) {
	d, err := atomicfile.CreateDir(dir, overwrite)
	if err != nil {
		return nil, outputDirError(err, dir, what)
	}
	return d, nil
}

func outputDirError(err error, dir, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, os.ErrExist):
		return exitcode.Inputf("%s %s exists and is not empty: give another -o, or --force to replace it", what, dir)
	}
	return exitcode.AsInput(fmt.Errorf("%s: %w", what, err))
}
