// Package exitcode classifies errors into pprl's documented process exit codes.
//
// Every command returns an error; the CLI maps it to an exit status with Of.
// An error is an input (or usage) error when some layer wrapped it with Input
// or Inputf: a missing file, a bad key file, a malformed extract. Anything else
// is a runtime failure.
package exitcode

import (
	"errors"
	"fmt"
)

// The exit statuses pprl documents.
const (
	OK      = 0 // success
	Failure = 1 // runtime failure: I/O, a bug, an interrupted run
	Input   = 2 // usage or input error: the user must change the command or its inputs
)

// inputError marks an error as caused by the command line or the inputs.
type inputError struct{ err error }

func (e *inputError) Error() string { return e.err.Error() }
func (e *inputError) Unwrap() error { return e.err }

// AsInput marks err as a usage or input error (exit status 2). It returns nil
// for a nil err.
func AsInput(err error) error {
	if err == nil {
		return nil
	}
	return &inputError{err}
}

// Inputf formats an input error (exit status 2), wrapping any %w operand.
func Inputf(format string, args ...any) error {
	return &inputError{fmt.Errorf(format, args...)}
}

// IsInput reports whether err, or any error it wraps, was marked as an input error.
func IsInput(err error) bool {
	var ie *inputError
	return errors.As(err, &ie)
}

// Of returns the exit status for err: OK for nil, Failure for environment
// faults (environment.go), Input for input errors and Failure otherwise.
func Of(err error) int {
	switch {
	case err == nil:
		return OK
	case IsEnvironment(err):
		return Failure
	case IsInput(err):
		return Input
	default:
		return Failure
	}
}
