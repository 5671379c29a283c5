#ifndef ZKSHARD_GEMM_KERNELS_H
#define ZKSHARD_GEMM_KERNELS_H
/*
 * The AVX2 microkernel of zkshard's int16 GEMM (Sources/Model/Kernels/Int16Gemm.swift).
 * Swift has no per-function target attribute, so a default (SSE2) build can only reach the
 * 256-bit instructions through C compiled with __attribute__((target("avx2"))), called only
 * when the CPU reports AVX2 at load time.
 *
 * Packed layouts (int32 words, each one (k even, k odd) pair of int16, low half first):
 * - A: a group of `rows` rows, pair q of row i at word q*rows + i;
 * - B: a panel of ZK_GEMM_NR columns, pair q of column j at word q*ZK_GEMM_NR + j.
 * The arithmetic is PMADDWD (a.lo*b.lo + a.hi*b.hi, exact for all int16) plus wrapping
 * int32 adds, lane for lane what the Swift kernel computes.
 */
#include <stdint.h>

/* Columns per packed B panel. */
#define ZK_GEMM_NR 16
/* Most rows per microkernel call. */
#define ZK_GEMM_MR 6

/* Nonzero when zk_gemm_tile_avx2 may run on this CPU (set before main). */
int zk_gemm_cpu_has_avx2(void);

/* tile[i*ZK_GEMM_NR + j] = sum over `pairs` pairs of A row i times B column j (int32,
 * wrapping), for i < rows (1...ZK_GEMM_MR), j < ZK_GEMM_NR. `a` points at pair 0 of the
 * rows (stride `rows` words per pair), `b` at pair 0 of a panel. Only call when
 * zk_gemm_cpu_has_avx2() is nonzero. */
void zk_gemm_tile_avx2(int rows, const int32_t *a, const int32_t *b, intptr_t pairs, int32_t *tile);

/* Packs `rows` rows of int64 values (row r at src + r*ld, k values each) as the A side: groups
 * of ZK_GEMM_MR rows, in a group of n rows pair q of row i at word q*n + i, group g starting
 * at word g*ZK_GEMM_MR*ceil(k/2); an odd k gets a zero high half in its last pair.
 * Returns the OR of v ^ (v >> 63) over all values (a magnitude bound, as in the Swift
 * `_packA`). The words are only meaningful when that OR is below 2^15 (every value fits in
 * int16); otherwise the caller discards them. Only call when zk_gemm_cpu_has_avx2() is nonzero. */
uint64_t zk_gemm_pack_a_i64_avx2(const int64_t *src, intptr_t rows, intptr_t k, intptr_t ld, int32_t *dst);

#endif
