//go:build amd64 && !purego

#include "textflag.h"

// func pairsFromKeysNT(dst *Pair, a uint32, keys *uint64, n int)
//
// dst[i] = Pair{A: a, B: uint32(keys[i]>>16), And: uint16(keys[i])} for
// i < n, written with non-temporal stores (MOVNTI: no alignment needed):
// the exhaustive search's output is tens of megabytes that Go has just
// zeroed out of the caches, and an ordinary store would first read each
// line back. SFENCE orders the stores before the caller's next ones.
TEXT ·pairsFromKeysNT(SB), NOSPLIT, $0-32
	MOVQ  dst+0(FP), DI
	MOVLQZX a+8(FP), R8
	MOVQ  keys+16(FP), SI
	MOVQ  n+24(FP), CX
	TESTQ CX, CX
	JZ    ntdone
ntloop:
	MOVQ  (SI), AX
	MOVQ  AX, DX
	SHRQ  $16, DX
	SHLQ  $32, DX
	ORQ   R8, DX
	MOVNTIQ DX, (DI)
	MOVWLZX AX, AX
	MOVNTIL AX, 8(DI)
	ADDQ  $8, SI
	ADDQ  $12, DI
	DECQ  CX
	JNZ   ntloop
	SFENCE
ntdone:
	RET
