package main

import (
	"strings"
)

// isUsage reports whether err is one of cobra's own command-line errors
// (unknown command, wrong number of arguments), which cobra returns as plain
// errors.
func isUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least", "requires at most", "required flag", "invalid argument"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}
