//go:build race

package main

// raceEnabled is whether the tests run under the race detector, which
// makes pprl several times slower: scripts can take smaller inputs there
// with the [race] condition.
const raceEnabled = true
