// Package pqguard turns the panics that the Parquet library (arrow-go)
// raises on some truncated or corrupt files into input errors.
//
// arrow-go's Parquet reader trusts lengths and offsets it reads from the
// file; on damaged input it can index out of range or dereference nil
// instead of returning an error. A damaged file is the user's input, not a
// crash: every reader of a Parquet file a user gives defers Recover.
//
// The error names the file and what was being read, never a value from it
// (the panic's own message may quote file bytes, so it is dropped).
package pqguard

import "github.com/pprl/pprl/internal/exitcode"

// Recover, deferred directly by a function that reads Parquet, stops a
// panic and sets *errp to an input error built from format and args (e.g.
// "%s: token file data is truncated or corrupt"). Without a panic it does
// nothing. It must be the deferred call itself (defer pqguard.Recover(...)),
// not called from inside another deferred function, for recover to work.
func Recover(errp *error, format string, args ...any) {
	if p := recover(); p != nil {
		*errp = exitcode.Inputf(format, args...)
	}
}
