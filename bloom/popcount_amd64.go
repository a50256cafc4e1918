//go:build amd64 && !purego

package bloom

import "golang.org/x/sys/cpu"

// useAVX512 selects the AVX-512 VPOPCNTQ kernels. They need AVX512F for the
// 512-bit AND/ADD and AVX512VPOPCNTDQ for the per-lane popcount; the OS must
// also save the ZMM state, which x/sys/cpu checks through XGETBV.
var useAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512VPOPCNTDQ

// hasAVX2 enables the AVX2 nibble-table kernel on CPUs without VPOPCNTQ.
var hasAVX2 = cpu.X86.HasAVX2

// useAVX2 selects the AVX2 kernel when AVX-512 VPOPCNTQ is unavailable.
var useAVX2 = hasAVX2 && !useAVX512

// andPopcountBytesAVX512 returns popcount(a AND b) over blocks 64-byte
// blocks. Unaligned loads are used, so a and b need no particular alignment.
//
//go:noescape
func andPopcountBytesAVX512(a, b *byte, blocks int) int

// andPopcountManyAVX512 writes popcount(q AND data[i]) to out[i] for n
// filters of blocks 64-byte blocks each, stored back to back from data.
//
//go:noescape
func andPopcountManyAVX512(q, data *uint64, blocks, n int, out *uint32)

// andPopcountManyAVX2 is andPopcountManyAVX512 for AVX2 CPUs; blocks counts
// 32-byte blocks.
//
//go:noescape
func andPopcountManyAVX2(q, data *uint64, blocks, n int, out *uint32)

// andAtLeast1024AVX512 is AppendAtLeast for groups·8 filters of 1024 bits:
// it writes the kept keys to dst (which must have room for groups·8+8) and
// returns how many. maxPop is the cutoff table's last index.
//
//go:noescape
func andAtLeast1024AVX512(q, data *uint64, pops *uint16, ids, cut *uint32, maxPop, groups int, dst *uint64) int

// xorRows1024AVX512 writes to dst (128 bytes) the XOR of the n 1024-bit
// rows masks[rows[k]·16:][:16], words little-endian: Diffusion's mask sweep.
//
//go:noescape
func xorRows1024AVX512(masks *uint64, rows *uint16, n int, dst *byte)

// orMasks1024AVX512 ORs into dst (16 words) the n 1024-bit masks that
// start at arena[starts[k]] (maskCache's arena): addPacked's mask path.
//
//go:noescape
func orMasks1024AVX512(arena *uint64, starts *uint32, n int, dst *uint64)

// andPopcountPairs1024AVX512 writes to out[k] the And count of 1024-bit
// filters ia[k] of a and ib[k] of b (filters back to back), prefetching
// the filters of the pairs ahead.
//
//go:noescape
func andPopcountPairs1024AVX512(a, b *byte, ia, ib *uint32, n int, out *uint16)

// useSampleKernel selects the BitSampler kernel: VPERMI2Q (AVX512F),
// VPSHUFBITQMB (AVX512 BITALG), KMOVQ (AVX512BW) and PEXT (BMI2).
var useSampleKernel = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BITALG && cpu.X86.HasAVX512BW && cpu.X86.HasBMI2

// sampleKeys1024AVX512 writes the keys of n 1024-bit filters stored back
// to back from data to out, from a BitSampler plan of groups groups;
// mask clears the key bits past the sampled ones.
//
//go:noescape
func sampleKeys1024AVX512(data *byte, n int, plan *uint64, groups int, mask uint64, out *uint32)

// andAtLeast1024x8AVX512 is Filters.AppendAtLeast for groups groups of
// eight 1024-bit filters in the interleaved layout: it writes the kept keys
// to dst (which must have room for groups·8+8) and returns how many. The
// lanes of the first group outside the mask first, and of the last group
// outside last, are never kept. maxPop is the cutoff table's last index.
//
//go:noescape
func andAtLeast1024x8AVX512(q, data *uint64, pops *uint16, ids, cut *uint32, maxPop, groups int, first, last uint64, dst *uint64) int
