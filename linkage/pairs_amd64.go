//go:build amd64 && !purego

package linkage

// pairsFromKeysNT writes n pairs of query a from its packed keys
// (B<<16 | And) with non-temporal stores.
//
//go:noescape
func pairsFromKeysNT(dst *Pair, a uint32, keys *uint64, n int)

// pairsFromKeys writes to dst, len(keys) of them, query a's pairs from its
// packed keys; long runs go through pairsFromKeysNT.
func pairsFromKeys(dst []Pair, a uint32, keys []uint64) {
	if len(keys) >= 64 {
		_ = dst[len(keys)-1]
		pairsFromKeysNT(&dst[0], a, &keys[0], len(keys))
		return
	}
	pairsFromKeysGo(dst, a, keys)
}
