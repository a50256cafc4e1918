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
