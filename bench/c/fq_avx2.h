/*
 * fq_avx2.h -- BN254 Fq in four AVX2 lanes, shared by fq_mul_variants.c and
 * batch_affine_avx2.c: nine 29-bit limbs per lane, conversion from and to zkshard's 4×64-bit
 * limbs, and the Montgomery product with R = 2^256 (eight 29-bit and one 24-bit reduction
 * step), so that values keep zkshard's Montgomery form. Call v4_setup() first.
 */
#ifndef ZKSHARD_BENCH_FQ_AVX2_H
#define ZKSHARD_BENCH_FQ_AVX2_H
#include <immintrin.h>
#include <stdint.h>
#include "field_kernels.h"

#define M29 ((1ULL << 29) - 1)
typedef struct { __m256i l[9]; } v4fe;
static uint64_t p29[9], pinv29, pinv24;

static void to29(zk_limbs4 a, uint64_t out[9]) {
    const uint64_t w[4] = { a.l0, a.l1, a.l2, a.l3 };
    for (int j = 0; j < 9; j++) {
        int b = 29 * j, q = b / 64, s = b % 64;
        uint64_t v = w[q] >> s;
        if (s > 35 && q < 3) v |= w[q + 1] << (64 - s);
        out[j] = v & M29;
    }
}
static zk_limbs4 from29(const uint64_t in[9]) {
    uint64_t w[4] = { 0, 0, 0, 0 };
    for (int j = 0; j < 9; j++) {
        int b = 29 * j, q = b / 64, s = b % 64;
        w[q] |= in[j] << s;
        if (s > 35 && q < 3) w[q + 1] |= in[j] >> (64 - s);
    }
    zk_limbs4 r = { w[0], w[1], w[2], w[3] };
    return r;
}

/* The modulus in four lanes, for memory operands. */
static uint64_t p29v[9][4] __attribute__((aligned(32)));

/* p in limbs, −p⁻¹ mod 2^29 and mod 2^24, and p broadcast to four lanes. */
static void v4_setup(const uint64_t p[4], uint64_t pinv) {
    to29((zk_limbs4){ p[0], p[1], p[2], p[3] }, p29);
    pinv29 = pinv & M29;
    pinv24 = pinv & ((1 << 24) - 1);
    for (int j = 0; j < 9; j++) for (int l = 0; l < 4; l++) p29v[j][l] = p29[j];
}

/* a·b·2^-256 mod p per lane, inputs below 2p in normalised 29-bit limbs, output below 2p. */
/* fixed-index: row i adds into t[i ..< i + 9]; the modulus limbs are read from memory. Clang
 * keeps t in registers only when every loop is unrolled in full before register allocation. */
#if defined(__clang__)
#define UNROLL _Pragma("clang loop unroll(full)")
#else
#define UNROLL
#endif
static inline __attribute__((always_inline)) v4fe v4_mul_fixed(const v4fe *a, const v4fe *b) {
    const __m256i mask = _mm256_set1_epi64x(M29), mask24 = _mm256_set1_epi64x((1 << 24) - 1);
    const __m256i pi = _mm256_set1_epi64x(pinv29), pi24 = _mm256_set1_epi64x(pinv24);
    __m256i t[18];
    UNROLL
    for (int j = 0; j < 18; j++) t[j] = _mm256_setzero_si256();
    UNROLL
    for (int i = 0; i < 9; i++) {
        const __m256i ai = a->l[i];
        UNROLL
        for (int j = 0; j < 9; j++) t[i + j] = _mm256_add_epi64(t[i + j], _mm256_mul_epu32(ai, b->l[j]));
        __m256i m = i < 8 ? _mm256_and_si256(_mm256_mul_epu32(t[i], pi), mask)
                          : _mm256_and_si256(_mm256_mul_epu32(t[i], pi24), mask24);
        UNROLL
        for (int j = 0; j < 9; j++)
            t[i + j] = _mm256_add_epi64(t[i + j], _mm256_mul_epu32(m, _mm256_load_si256((const __m256i *)p29v[j])));
        if (i < 8) t[i + 1] = _mm256_add_epi64(t[i + 1], _mm256_srli_epi64(t[i], 29));
    }
    UNROLL
    for (int j = 8; j < 16; j++) {
        __m256i c = _mm256_srli_epi64(t[j], 29);
        t[j] = _mm256_and_si256(t[j], mask);
        t[j + 1] = _mm256_add_epi64(t[j + 1], c);
    }
    v4fe r;
    UNROLL
    for (int j = 0; j < 8; j++)
        r.l[j] = _mm256_or_si256(_mm256_srli_epi64(t[8 + j], 24), _mm256_and_si256(_mm256_slli_epi64(t[9 + j], 5), mask));
    r.l[8] = _mm256_srli_epi64(t[16], 24);
    return r;
}
#undef UNROLL
#endif
