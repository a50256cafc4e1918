// Package bloom provides the Bloom-filter core of pprl: fixed-length bit
// filters in clkhash's byte order, q-gram tokenisers, keyed position
// generators, CLK encoding with hardening, and Dice similarity kernels.
//
// A filter is a []byte of length bits/8; bit 0 is the most significant bit of
// byte 0, as in clkhash. Popcounts do not depend on bit order, so the Dice
// kernels read filters as little-endian 64-bit words.
package bloom
