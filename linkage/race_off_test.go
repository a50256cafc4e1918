//go:build !race

package linkage

const raceEnabled = false
