//go:build !amd64 || purego

package bloom

const (
	useAVX512 = false
	useAVX2   = false
	hasAVX2   = false
)

func andPopcountBytesAVX512(a, b *byte, blocks int) int { panic("bloom: no AVX-512 kernel") }

func andPopcountManyAVX512(q, data *uint64, blocks, n int, out *uint32) {
	panic("bloom: no AVX-512 kernel")
}

func andPopcountManyAVX2(q, data *uint64, blocks, n int, out *uint32) {
	panic("bloom: no AVX2 kernel")
}

func andAtLeast1024AVX512(q, data *uint64, pops *uint16, ids, cut *uint32, maxPop, groups int, dst *uint64) int {
	panic("bloom: no AVX-512 kernel")
}

func xorRows1024AVX512(masks *uint64, rows *uint16, n int, dst *byte) {
	panic("bloom: no AVX-512 kernel")
}

const useSampleKernel = false

func sampleKeys1024AVX512(data *byte, n int, plan *uint64, groups int, mask uint64, out *uint32) {
	panic("bloom: no AVX-512 kernel")
}

func andAtLeast1024x8AVX512(q, data *uint64, pops *uint16, ids, cut *uint32, maxPop, groups int, first, last uint64, dst *uint64) int {
	panic("bloom: no AVX-512 kernel")
}

func orMasks1024AVX512(arena *uint64, starts *uint32, n int, dst *uint64) {
	panic("bloom: no AVX-512 kernel")
}

func andPopcountPairs1024AVX512(a, b *byte, ia, ib *uint32, n int, out *uint16) {
	panic("bloom: no AVX-512 kernel")
}
