//go:build !amd64 || purego

package linkage

// pairsFromKeys writes to dst, len(keys) of them, query a's pairs from its
// packed keys.
func pairsFromKeys(dst []Pair, a uint32, keys []uint64) { pairsFromKeysGo(dst, a, keys) }
