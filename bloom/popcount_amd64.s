//go:build amd64 && !purego

#include "textflag.h"

// func andPopcountBytesAVX512(a, b *byte, blocks int) int
TEXT ·andPopcountBytesAVX512(SB), NOSPLIT, $0-32
	MOVQ a+0(FP), SI
	MOVQ b+8(FP), DI
	MOVQ blocks+16(FP), CX
	VPXORQ Z1, Z1, Z1
loop:
	VMOVDQU64 (SI), Z0
	VPANDQ    (DI), Z0, Z0
	VPOPCNTQ  Z0, Z0
	VPADDQ    Z0, Z1, Z1
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  loop
	VEXTRACTI64X4 $1, Z1, Y2
	VPADDQ        Y2, Y1, Y1
	VEXTRACTI128  $1, Y1, X2
	VPADDQ        X2, X1, X1
	VPSHUFD       $0x4e, X1, X2
	VPADDQ        X2, X1, X1
	VMOVQ         X1, AX
	VZEROUPPER
	MOVQ AX, ret+24(FP)
	RET

// func andPopcountManyAVX512(q, data *uint64, blocks, n int, out *uint32)
//
// The query's blocks are re-read from memory for every filter: they stay in
// L1, and this keeps the kernel general in the filter length. The two
// accumulators Z1/Z3 split even and odd blocks so that consecutive
// VPOPCNTQ/VPADDQ chains do not wait on each other.
TEXT ·andPopcountManyAVX512(SB), NOSPLIT, $0-40
	MOVQ data+8(FP), DI
	MOVQ n+24(FP), DX
	MOVQ out+32(FP), R8
	TESTQ DX, DX
	JZ   done
filter:
	MOVQ q+0(FP), SI
	MOVQ blocks+16(FP), CX
	VPXORQ Z1, Z1, Z1
	VPXORQ Z3, Z3, Z3
	CMPQ CX, $2
	JLT  single
pair:
	VMOVDQU64 (SI), Z0
	VMOVDQU64 64(SI), Z2
	VPANDQ    (DI), Z0, Z0
	VPANDQ    64(DI), Z2, Z2
	VPOPCNTQ  Z0, Z0
	VPOPCNTQ  Z2, Z2
	VPADDQ    Z0, Z1, Z1
	VPADDQ    Z2, Z3, Z3
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $2, CX
	CMPQ CX, $2
	JGE  pair
single:
	TESTQ CX, CX
	JZ    reduce
	VMOVDQU64 (SI), Z0
	VPANDQ    (DI), Z0, Z0
	VPOPCNTQ  Z0, Z0
	VPADDQ    Z0, Z1, Z1
	ADDQ $64, DI
reduce:
	VPADDQ        Z3, Z1, Z1
	VEXTRACTI64X4 $1, Z1, Y2
	VPADDQ        Y2, Y1, Y1
	VEXTRACTI128  $1, Y1, X2
	VPADDQ        X2, X1, X1
	VPSHUFD       $0x4e, X1, X2
	VPADDQ        X2, X1, X1
	VMOVQ         X1, AX
	MOVL AX, (R8)
	ADDQ $4, R8
	DECQ DX
	JNZ  filter
	VZEROUPPER
done:
	RET

DATA popcntLUT<>+0(SB)/8, $0x0302020102010100
DATA popcntLUT<>+8(SB)/8, $0x0403030203020201
DATA popcntLUT<>+16(SB)/8, $0x0302020102010100
DATA popcntLUT<>+24(SB)/8, $0x0403030203020201
GLOBL popcntLUT<>(SB), RODATA|NOPTR, $32

DATA nibbleMask<>+0(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA nibbleMask<>+8(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA nibbleMask<>+16(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA nibbleMask<>+24(SB)/8, $0x0f0f0f0f0f0f0f0f
GLOBL nibbleMask<>(SB), RODATA|NOPTR, $32

// func andPopcountManyAVX2(q, data *uint64, blocks, n int, out *uint32)
//
// blocks counts 32-byte blocks per filter. Each block's AND is split into
// nibbles, looked up in a 16-entry popcount table with VPSHUFB (Mula's
// method), and the byte counts are summed into 64-bit lanes with VPSADBW.
TEXT ·andPopcountManyAVX2(SB), NOSPLIT, $0-40
	MOVQ data+8(FP), DI
	MOVQ n+24(FP), DX
	MOVQ out+32(FP), R8
	TESTQ DX, DX
	JZ   done2
	VMOVDQU popcntLUT<>(SB), Y14
	VMOVDQU nibbleMask<>(SB), Y15
	VPXOR   Y13, Y13, Y13
filter2:
	MOVQ q+0(FP), SI
	MOVQ blocks+16(FP), CX
	VPXOR Y4, Y4, Y4
block2:
	VMOVDQU (SI), Y0
	VPAND   (DI), Y0, Y0
	VPSRLW  $4, Y0, Y1
	VPAND   Y15, Y0, Y0
	VPAND   Y15, Y1, Y1
	VPSHUFB Y0, Y14, Y2
	VPSHUFB Y1, Y14, Y3
	VPADDB  Y2, Y3, Y2
	VPSADBW Y13, Y2, Y2
	VPADDQ  Y2, Y4, Y4
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ  block2
	VEXTRACTI128 $1, Y4, X5
	VPADDQ       X5, X4, X4
	VPSHUFD      $0x4e, X4, X5
	VPADDQ       X5, X4, X4
	VMOVQ        X4, AX
	MOVL AX, (R8)
	ADDQ $4, R8
	DECQ DX
	JNZ  filter2
	VZEROUPPER
done2:
	RET

// func andAtLeast1024AVX512(q, data *uint64, pops *uint16, ids, cut *uint32, maxPop, groups int, dst *uint64) int
//
// For groups of 8 filters of 1024 bits (16 words) each, stored back to
// back from data: the And count c = popcount(q AND f) of each filter with
// the query, and the filter is kept when c ≥ cut[min(pops[k], maxPop)]. A
// kept filter is written to dst as the key ids[k]<<16 | c; kept keys are
// packed, in filter order (VPCOMPRESSQ), and each group stores a whole
// vector, so dst must have room for 8 keys past the last one kept. It
// returns the number of keys kept.
//
// The eight filters' counts are summed across lanes together: two levels
// of 128-bit interleaves and one of 256-bit halves take eight vectors of
// eight partial counts to one vector of eight counts (7 shuffles and 7
// adds per 8 filters, against 6 dependent reductions per filter), and the
// cutoff test is one gather and one compare per group.
TEXT ·andAtLeast1024AVX512(SB), NOSPLIT, $0-72
	MOVQ q+0(FP), SI
	MOVQ data+8(FP), DI
	MOVQ pops+16(FP), BX
	MOVQ ids+24(FP), R10
	MOVQ cut+32(FP), R9
	MOVQ maxPop+40(FP), AX
	MOVQ groups+48(FP), CX
	MOVQ dst+56(FP), R11
	XORQ R12, R12
	TESTQ CX, CX
	JZ   atleastdone
	VMOVDQU64    (SI), Z30
	VMOVDQU64    64(SI), Z31
	VPBROADCASTQ AX, Z29
atleastgroup:
	// Z0..Z7: each filter's And counts per 64-bit lane, both halves added.
	VPANDQ   (DI), Z30, Z0
	VPANDQ   64(DI), Z31, Z8
	VPANDQ   128(DI), Z30, Z1
	VPANDQ   192(DI), Z31, Z9
	VPANDQ   256(DI), Z30, Z2
	VPANDQ   320(DI), Z31, Z10
	VPANDQ   384(DI), Z30, Z3
	VPANDQ   448(DI), Z31, Z11
	VPOPCNTQ Z0, Z0
	VPOPCNTQ Z8, Z8
	VPOPCNTQ Z1, Z1
	VPOPCNTQ Z9, Z9
	VPOPCNTQ Z2, Z2
	VPOPCNTQ Z10, Z10
	VPOPCNTQ Z3, Z3
	VPOPCNTQ Z11, Z11
	VPADDQ   Z8, Z0, Z0
	VPADDQ   Z9, Z1, Z1
	VPADDQ   Z10, Z2, Z2
	VPADDQ   Z11, Z3, Z3
	VPANDQ   512(DI), Z30, Z4
	VPANDQ   576(DI), Z31, Z12
	VPANDQ   640(DI), Z30, Z5
	VPANDQ   704(DI), Z31, Z13
	VPANDQ   768(DI), Z30, Z6
	VPANDQ   832(DI), Z31, Z14
	VPANDQ   896(DI), Z30, Z7
	VPANDQ   960(DI), Z31, Z15
	VPOPCNTQ Z4, Z4
	VPOPCNTQ Z12, Z12
	VPOPCNTQ Z5, Z5
	VPOPCNTQ Z13, Z13
	VPOPCNTQ Z6, Z6
	VPOPCNTQ Z14, Z14
	VPOPCNTQ Z7, Z7
	VPOPCNTQ Z15, Z15
	VPADDQ   Z12, Z4, Z4
	VPADDQ   Z13, Z5, Z5
	VPADDQ   Z14, Z6, Z6
	VPADDQ   Z15, Z7, Z7

	// Level 1: within each 128-bit lane, [f(2j), f(2j+1)] partial sums.
	VPUNPCKLQDQ Z1, Z0, Z8
	VPUNPCKHQDQ Z1, Z0, Z9
	VPADDQ      Z9, Z8, Z0
	VPUNPCKLQDQ Z3, Z2, Z8
	VPUNPCKHQDQ Z3, Z2, Z9
	VPADDQ      Z9, Z8, Z2
	VPUNPCKLQDQ Z5, Z4, Z8
	VPUNPCKHQDQ Z5, Z4, Z9
	VPADDQ      Z9, Z8, Z4
	VPUNPCKLQDQ Z7, Z6, Z8
	VPUNPCKHQDQ Z7, Z6, Z9
	VPADDQ      Z9, Z8, Z6
	// Level 2: lanes 0+1 and 2+3 of two vectors; lane j of the result
	// holds two filters' halves.
	VSHUFI64X2 $0x88, Z2, Z0, Z8
	VSHUFI64X2 $0xdd, Z2, Z0, Z9
	VPADDQ     Z9, Z8, Z0
	VSHUFI64X2 $0x88, Z6, Z4, Z8
	VSHUFI64X2 $0xdd, Z6, Z4, Z9
	VPADDQ     Z9, Z8, Z4
	// Level 3: the halves added; lane k of Z0 is filter k's count.
	VSHUFI64X2 $0x88, Z4, Z0, Z8
	VSHUFI64X2 $0xdd, Z4, Z0, Z9
	VPADDQ     Z9, Z8, Z0

	// The cutoff of each filter's popcount, and the test.
	VPMOVZXWQ   (BX), Z16
	VPMINUQ     Z29, Z16, Z16
	KXNORW      K1, K1, K1
	VPGATHERQD  (R9)(Z16*4), K1, Y17
	VPMOVZXDQ   Y17, Z17
	VPCMPUQ     $5, Z17, Z0, K2
	// Keys of the kept filters, packed and stored.
	VPMOVZXDQ   (R10), Z18
	VPSLLQ      $16, Z18, Z18
	VPORQ       Z0, Z18, Z18
	VPCOMPRESSQ Z18, K2, Z19
	VMOVDQU64   Z19, (R11)
	KMOVW       K2, DX
	POPCNTL     DX, DX
	ADDQ        DX, R12
	LEAQ        (R11)(DX*8), R11

	ADDQ $1024, DI
	ADDQ $16, BX
	ADDQ $32, R10
	DECQ CX
	JNZ  atleastgroup
	VZEROUPPER
atleastdone:
	MOVQ R12, ret+64(FP)
	RET

// func andAtLeast1024x8AVX512(q, data *uint64, pops *uint16, ids, cut *uint32, maxPop, groups int, first, last uint64, dst *uint64) int
//
// Interleaved.AppendAtLeast on 1024-bit filters: groups of eight filters
// stored word by word (word j of the eight filters is one 64-byte vector).
// The query's sixteen words are broadcast once into Z16..Z31; each group's
// And counts are then sixteen VPANDQ (the group's vectors read from
// memory), sixteen VPOPCNTQ and an add tree, lane k holding filter k's
// count, with no shuffle. The test and the packing of the kept keys are
// those of andAtLeast1024AVX512. K3 holds the lanes that may be kept: first
// on the first group, all eight after it, and last ANDed in on the last.
TEXT ·andAtLeast1024x8AVX512(SB), NOSPLIT, $0-88
	MOVQ q+0(FP), SI
	MOVQ data+8(FP), DI
	MOVQ pops+16(FP), BX
	MOVQ ids+24(FP), R10
	MOVQ cut+32(FP), R9
	MOVQ maxPop+40(FP), AX
	MOVQ groups+48(FP), CX
	MOVQ first+56(FP), DX
	MOVQ last+64(FP), R13
	MOVQ dst+72(FP), R11
	XORQ R12, R12
	TESTQ CX, CX
	JZ   x8done
	KMOVW DX, K3
	VPBROADCASTQ AX, Z9
	VPBROADCASTQ 0(SI), Z16
	VPBROADCASTQ 8(SI), Z17
	VPBROADCASTQ 16(SI), Z18
	VPBROADCASTQ 24(SI), Z19
	VPBROADCASTQ 32(SI), Z20
	VPBROADCASTQ 40(SI), Z21
	VPBROADCASTQ 48(SI), Z22
	VPBROADCASTQ 56(SI), Z23
	VPBROADCASTQ 64(SI), Z24
	VPBROADCASTQ 72(SI), Z25
	VPBROADCASTQ 80(SI), Z26
	VPBROADCASTQ 88(SI), Z27
	VPBROADCASTQ 96(SI), Z28
	VPBROADCASTQ 104(SI), Z29
	VPBROADCASTQ 112(SI), Z30
	VPBROADCASTQ 120(SI), Z31
x8group:
	// Words 0-7 into Z0.
	VPANDQ   (DI), Z16, Z0
	VPANDQ   64(DI), Z17, Z1
	VPANDQ   128(DI), Z18, Z2
	VPANDQ   192(DI), Z19, Z3
	VPANDQ   256(DI), Z20, Z4
	VPANDQ   320(DI), Z21, Z5
	VPANDQ   384(DI), Z22, Z6
	VPANDQ   448(DI), Z23, Z7
	VPOPCNTQ Z0, Z0
	VPOPCNTQ Z1, Z1
	VPOPCNTQ Z2, Z2
	VPOPCNTQ Z3, Z3
	VPOPCNTQ Z4, Z4
	VPOPCNTQ Z5, Z5
	VPOPCNTQ Z6, Z6
	VPOPCNTQ Z7, Z7
	VPADDQ   Z1, Z0, Z0
	VPADDQ   Z3, Z2, Z2
	VPADDQ   Z5, Z4, Z4
	VPADDQ   Z7, Z6, Z6
	VPADDQ   Z2, Z0, Z0
	VPADDQ   Z6, Z4, Z4
	VPADDQ   Z4, Z0, Z0
	// Words 8-15 into Z1, then Z0 += Z1.
	VPANDQ   512(DI), Z24, Z1
	VPANDQ   576(DI), Z25, Z2
	VPANDQ   640(DI), Z26, Z3
	VPANDQ   704(DI), Z27, Z4
	VPANDQ   768(DI), Z28, Z5
	VPANDQ   832(DI), Z29, Z6
	VPANDQ   896(DI), Z30, Z7
	VPANDQ   960(DI), Z31, Z8
	VPOPCNTQ Z1, Z1
	VPOPCNTQ Z2, Z2
	VPOPCNTQ Z3, Z3
	VPOPCNTQ Z4, Z4
	VPOPCNTQ Z5, Z5
	VPOPCNTQ Z6, Z6
	VPOPCNTQ Z7, Z7
	VPOPCNTQ Z8, Z8
	VPADDQ   Z2, Z1, Z1
	VPADDQ   Z4, Z3, Z3
	VPADDQ   Z6, Z5, Z5
	VPADDQ   Z8, Z7, Z7
	VPADDQ   Z3, Z1, Z1
	VPADDQ   Z7, Z5, Z5
	VPADDQ   Z5, Z1, Z1
	VPADDQ   Z1, Z0, Z0

	// The cutoff of each filter's popcount, and the test.
	VPMOVZXWQ   (BX), Z10
	VPMINUQ     Z9, Z10, Z10
	KXNORW      K1, K1, K1
	VPGATHERQD  (R9)(Z10*4), K1, Y11
	VPMOVZXDQ   Y11, Z11
	CMPQ        CX, $1
	JNE         x8test
	KMOVW       R13, K4
	KANDW       K4, K3, K3
x8test:
	VPCMPUQ     $5, Z11, Z0, K3, K2
	// Keys of the kept filters, packed and stored.
	VPMOVZXDQ   (R10), Z12
	VPSLLQ      $16, Z12, Z12
	VPORQ       Z0, Z12, Z12
	VPCOMPRESSQ Z12, K2, Z13
	VMOVDQU64   Z13, (R11)
	KMOVW       K2, DX
	POPCNTL     DX, DX
	ADDQ        DX, R12
	LEAQ        (R11)(DX*8), R11
	KXNORW      K3, K3, K3

	ADDQ $1024, DI
	ADDQ $16, BX
	ADDQ $32, R10
	DECQ CX
	JNZ  x8group
	VZEROUPPER
x8done:
	MOVQ R12, ret+80(FP)
	RET

// func xorRows1024AVX512(masks *uint64, rows *uint16, n int, dst *byte)
//
// dst (128 bytes) = the XOR of the n 1024-bit rows masks[rows[k]·16 :
// rows[k]·16+16]: the diffusion layer's mask sweep, two 64-byte halves of
// each row into two pairs of accumulators (even and odd rows apart, so
// consecutive XORs do not wait on each other). Words are stored
// little-endian, as the portable sweep writes them.
TEXT ·xorRows1024AVX512(SB), NOSPLIT, $0-32
	MOVQ masks+0(FP), SI
	MOVQ rows+8(FP), BX
	MOVQ n+16(FP), CX
	MOVQ dst+24(FP), DI
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1
	VPXORQ Z2, Z2, Z2
	VPXORQ Z3, Z3, Z3
	CMPQ CX, $2
	JLT  xorrowsone
xorrowspair:
	MOVWQZX (BX), AX
	MOVWQZX 2(BX), DX
	SHLQ    $7, AX
	SHLQ    $7, DX
	VPXORQ  (SI)(AX*1), Z0, Z0
	VPXORQ  64(SI)(AX*1), Z1, Z1
	VPXORQ  (SI)(DX*1), Z2, Z2
	VPXORQ  64(SI)(DX*1), Z3, Z3
	ADDQ    $4, BX
	SUBQ    $2, CX
	CMPQ    CX, $2
	JGE     xorrowspair
xorrowsone:
	TESTQ   CX, CX
	JZ      xorrowsdone
	MOVWQZX (BX), AX
	SHLQ    $7, AX
	VPXORQ  (SI)(AX*1), Z0, Z0
	VPXORQ  64(SI)(AX*1), Z1, Z1
xorrowsdone:
	VPXORQ    Z2, Z0, Z0
	VPXORQ    Z3, Z1, Z1
	VMOVDQU64 Z0, (DI)
	VMOVDQU64 Z1, 64(DI)
	VZEROUPPER
	RET

// func sampleKeys1024AVX512(data *byte, n int, plan *uint64, groups int, mask uint64, out *uint32)
//
// For each 1024-bit filter (two vectors, Z0 words 0-7 and Z1 words 8-15)
// and each plan group of 8 sampled bits: VPERMI2Q puts the word of each
// sampled bit in its lane, VPSHUFBITQMB takes the bit (the selector repeats
// it in all eight bytes of the lane), and PEXT keeps byte 0's bit of each
// lane: eight key bits, shifted into place.
TEXT ·sampleKeys1024AVX512(SB), NOSPLIT, $0-48
	MOVQ data+0(FP), SI
	MOVQ n+8(FP), DX
	MOVQ plan+16(FP), BX
	MOVQ groups+24(FP), R8
	MOVQ mask+32(FP), R9
	MOVQ out+40(FP), DI
	MOVQ $0x0101010101010101, R10
	TESTQ DX, DX
	JZ    samplekeysdone
samplekeysrec:
	VMOVDQU64 (SI), Z0
	VMOVDQU64 64(SI), Z1
	XORQ      R11, R11
	MOVQ      BX, R12
	XORQ      CX, CX
	MOVQ      R8, R13
samplekeysgroup:
	VMOVDQU64    (R12), Z2
	VPERMI2Q     Z1, Z0, Z2
	VPSHUFBITQMB 64(R12), Z2, K1
	KMOVQ        K1, AX
	PEXTQ        R10, AX, AX
	SHLQ         CX, AX
	ORQ          AX, R11
	ADDQ         $8, CX
	ADDQ         $128, R12
	DECQ         R13
	JNZ          samplekeysgroup
	ANDQ R9, R11
	MOVL R11, (DI)
	ADDQ $128, SI
	ADDQ $4, DI
	DECQ DX
	JNZ  samplekeysrec
	VZEROUPPER
samplekeysdone:
	RET

// func orMasks1024AVX512(arena *uint64, starts *uint32, n int, dst *uint64)
//
// dst (16 words) |= the n 1024-bit masks arena[starts[k]:][:16]: the
// filter is held in Z0-Z1 and each mask is two VPORQ from memory (two
// more accumulators, Z2-Z3, take every other mask).
TEXT ·orMasks1024AVX512(SB), NOSPLIT, $0-32
	MOVQ arena+0(FP), SI
	MOVQ starts+8(FP), BX
	MOVQ n+16(FP), CX
	MOVQ dst+24(FP), DI
	VMOVDQU64 (DI), Z0
	VMOVDQU64 64(DI), Z1
	VPXORQ    Z2, Z2, Z2
	VPXORQ    Z3, Z3, Z3
	CMPQ CX, $2
	JLT  ormasksone
ormaskspair:
	MOVLQZX (BX), AX
	MOVLQZX 4(BX), DX
	VPORQ   (SI)(AX*8), Z0, Z0
	VPORQ   64(SI)(AX*8), Z1, Z1
	VPORQ   (SI)(DX*8), Z2, Z2
	VPORQ   64(SI)(DX*8), Z3, Z3
	ADDQ    $8, BX
	SUBQ    $2, CX
	CMPQ    CX, $2
	JGE     ormaskspair
ormasksone:
	TESTQ   CX, CX
	JZ      ormasksdone
	MOVLQZX (BX), AX
	VPORQ   (SI)(AX*8), Z0, Z0
	VPORQ   64(SI)(AX*8), Z1, Z1
ormasksdone:
	VPORQ     Z2, Z0, Z0
	VPORQ     Z3, Z1, Z1
	VMOVDQU64 Z0, (DI)
	VMOVDQU64 Z1, 64(DI)
	VZEROUPPER
	RET

// func andPopcountPairs1024AVX512(a, b *byte, ia, ib *uint32, n int, out *uint16)
//
// out[k] = popcount(a[ia[k]·128:][:128] AND b[ib[k]·128:][:128]) for k < n:
// the pair list of the blocked search's compare stage. The filters of the
// pair pairsAhead further on are prefetched (two lines a side), so that the
// loads of scattered filters overlap the arithmetic instead of stalling it.
// The two 64-bit lanes' counts are summed lane-wise (at most 128 each),
// narrowed to bytes (VPMOVQB) and added by VPSADBW.
#define pairsAhead 12
TEXT ·andPopcountPairs1024AVX512(SB), NOSPLIT, $0-48
	MOVQ a+0(FP), SI
	MOVQ b+8(FP), DI
	MOVQ ia+16(FP), R8
	MOVQ ib+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ out+40(FP), R10
	XORQ R11, R11            // k
	VPXORQ X5, X5, X5
	TESTQ CX, CX
	JZ    pairsdone
pairsloop:
	LEAQ  pairsAhead(R11), R12
	CMPQ  R12, CX
	JAE   pairsnoprefetch
	MOVLQZX (R8)(R12*4), AX
	MOVLQZX (R9)(R12*4), DX
	SHLQ  $7, AX
	SHLQ  $7, DX
	PREFETCHT0 (SI)(AX*1)
	PREFETCHT0 64(SI)(AX*1)
	PREFETCHT0 (DI)(DX*1)
	PREFETCHT0 64(DI)(DX*1)
pairsnoprefetch:
	MOVLQZX (R8)(R11*4), AX
	MOVLQZX (R9)(R11*4), DX
	SHLQ  $7, AX
	SHLQ  $7, DX
	VMOVDQU64 (SI)(AX*1), Z0
	VMOVDQU64 64(SI)(AX*1), Z1
	VPANDQ    (DI)(DX*1), Z0, Z0
	VPANDQ    64(DI)(DX*1), Z1, Z1
	VPOPCNTQ  Z0, Z0
	VPOPCNTQ  Z1, Z1
	VPADDQ    Z1, Z0, Z0
	VPMOVQB   Z0, X2
	VPSADBW   X5, X2, X2
	VMOVQ     X2, AX
	MOVW      AX, (R10)(R11*2)
	INCQ  R11
	CMPQ  R11, CX
	JB    pairsloop
pairsdone:
	VZEROUPPER
	RET
