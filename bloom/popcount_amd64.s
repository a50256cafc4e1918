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
