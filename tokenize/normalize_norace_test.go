//go:build !race

package tokenize

const normRaceEnabled = false
