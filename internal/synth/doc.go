// Package synth generates synthetic multi-agency extracts with ground truth:
// a population of children and their parents or carers living in households
// across Scotland, and one CSV extract per agency (social work, education,
// health, children's hearings) in which each agency holds its own subset of
// that population, in its own column names and formats, with its own kinds
// and rates of data-entry error.
//
// The output is for developing, testing, demonstrating and benchmarking
// record linkage, so it is meant to be messy in the ways real extracts are:
// typos, phonetic and OCR confusions, nicknames, changed surnames, swapped
// name fields, day–month swaps, missing values, CHI numbers that lost their
// leading zero, house moves, twins, and duplicate records within an agency.
//
// Generation is deterministic: the same Config (seed included) gives
// byte-identical files regardless of the number of workers. The population
// is built in fixed-size chunks, each from its own PCG stream derived from the
// seed and the chunk number; chunks are generated in parallel and written in
// order, so memory stays bounded by the number of chunks in flight.
package synth
