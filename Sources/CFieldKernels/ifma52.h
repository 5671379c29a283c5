/*
 * Vector arithmetic modulo a 254-bit prime with AVX-512 IFMA: eight field elements at a
 * time, one per 64-bit lane, each split into five 52-bit limbs (one vector per limb). Shared
 * by the BN254 bucket kernels (modulus q, batch_add_ifma.c) and the NTT butterflies (modulus
 * r, ntt_ifma.c); internal to this target.
 *
 * The Montgomery product here is M(a, b) = a*b*2^-260 mod p, while the callers' elements are
 * in Montgomery form with R = 2^256; each kernel says how it bridges the 2^4 (a 4-bit left
 * shift, zk_v5_shl4, multiplies by 16 without a reduction since p < 2^254).
 *
 * Bounds: M(a, b) < 2p whenever a*b < 2^260*p, which holds for a < 2p, b < 32p.
 */
#ifndef ZK_IFMA52_H
#define ZK_IFMA52_H

#include <stdint.h>
#include <immintrin.h>

#define ZK_IFMA __attribute__((target("avx512f,avx512ifma,avx512vl"), always_inline)) static inline
#define ZK_IFMA_FN __attribute__((target("avx512f,avx512ifma,avx512vl")))

typedef struct { __m512i l[5]; } zk_v5;

/* A modulus in 52-bit limbs and -p^-1 mod 2^52. */
typedef struct { uint64_t p[5]; uint64_t inv; } zk_mod52;

#define ZK_M52 0xfffffffffffffULL

ZK_IFMA zk_v5 zk_v5_const(const uint64_t c[5]) {
    zk_v5 r;
    for (int i = 0; i < 5; i++) r.l[i] = _mm512_set1_epi64((long long)c[i]);
    return r;
}

/* 4x64 limbs (one vector per limb) -> 5x52. */
ZK_IFMA zk_v5 zk_v5_from64(__m512i a0, __m512i a1, __m512i a2, __m512i a3) {
    const __m512i m = _mm512_set1_epi64(ZK_M52);
    zk_v5 r;
    r.l[0] = _mm512_and_si512(a0, m);
    r.l[1] = _mm512_and_si512(_mm512_or_si512(_mm512_srli_epi64(a0, 52), _mm512_slli_epi64(a1, 12)), m);
    r.l[2] = _mm512_and_si512(_mm512_or_si512(_mm512_srli_epi64(a1, 40), _mm512_slli_epi64(a2, 24)), m);
    r.l[3] = _mm512_and_si512(_mm512_or_si512(_mm512_srli_epi64(a2, 28), _mm512_slli_epi64(a3, 36)), m);
    r.l[4] = _mm512_srli_epi64(a3, 16);
    return r;
}

/* 5x52 (normalised, value < 2^256) -> 4x64. */
ZK_IFMA void zk_v5_to64(zk_v5 a, __m512i *o) {
    o[0] = _mm512_or_si512(a.l[0], _mm512_slli_epi64(a.l[1], 52));
    o[1] = _mm512_or_si512(_mm512_srli_epi64(a.l[1], 12), _mm512_slli_epi64(a.l[2], 40));
    o[2] = _mm512_or_si512(_mm512_srli_epi64(a.l[2], 24), _mm512_slli_epi64(a.l[3], 28));
    o[3] = _mm512_or_si512(_mm512_srli_epi64(a.l[3], 36), _mm512_slli_epi64(a.l[4], 16));
}

/* Carries each limb's bits above 52 into the next (signed: limbs may be negative). */
ZK_IFMA zk_v5 zk_v5_normalize(zk_v5 a) {
    const __m512i m = _mm512_set1_epi64(ZK_M52);
    for (int i = 0; i < 4; i++) {
        a.l[i + 1] = _mm512_add_epi64(a.l[i + 1], _mm512_srai_epi64(a.l[i], 52));
        a.l[i] = _mm512_and_si512(a.l[i], m);
    }
    return a;
}

/* a * 16, no reduction: a < 2^256 gives a*16 < 2^260. */
ZK_IFMA zk_v5 zk_v5_shl4(zk_v5 a) {
    const __m512i m = _mm512_set1_epi64(ZK_M52);
    zk_v5 r;
    r.l[0] = _mm512_and_si512(_mm512_slli_epi64(a.l[0], 4), m);
    for (int i = 1; i < 5; i++)
        r.l[i] = _mm512_and_si512(_mm512_or_si512(_mm512_slli_epi64(a.l[i], 4), _mm512_srli_epi64(a.l[i - 1], 48)), m);
    return r;
}

/* a - b mod p for a < p (or a <= p), b < p: result in [0, p) (or [0, p]). */
ZK_IFMA zk_v5 zk_v5_sub_mod(zk_v5 a, zk_v5 b, const zk_mod52 *p) {
    zk_v5 r;
    for (int i = 0; i < 5; i++) r.l[i] = _mm512_sub_epi64(a.l[i], b.l[i]);
    r = zk_v5_normalize(r);
    const __m512i neg = _mm512_srai_epi64(r.l[4], 63);
    for (int i = 0; i < 5; i++)
        r.l[i] = _mm512_add_epi64(r.l[i], _mm512_and_si512(neg, _mm512_set1_epi64((long long)p->p[i])));
    r = zk_v5_normalize(r);
    r.l[4] = _mm512_and_si512(r.l[4], _mm512_set1_epi64(ZK_M52));
    return r;
}

/* a mod p for a < 2p. */
ZK_IFMA zk_v5 zk_v5_reduce_mod(zk_v5 a, const zk_mod52 *p) {
    zk_v5 t;
    for (int i = 0; i < 5; i++) t.l[i] = _mm512_sub_epi64(a.l[i], _mm512_set1_epi64((long long)p->p[i]));
    t = zk_v5_normalize(t);
    const __mmask8 neg = _mm512_cmplt_epi64_mask(t.l[4], _mm512_setzero_si512());
    for (int i = 0; i < 5; i++) t.l[i] = _mm512_mask_mov_epi64(t.l[i], neg, a.l[i]);
    return t;
}

/* a*b*2^-260 mod p, < 2p when a*b < 2^260*p; inputs' limbs below 2^52. */
ZK_IFMA zk_v5 zk_v5_mul_mod(zk_v5 a, zk_v5 b, const zk_mod52 *p) {
    const __m512i zero = _mm512_setzero_si512();
    const __m512i k = _mm512_set1_epi64((long long)p->inv);
    __m512i q[5];
    for (int i = 0; i < 5; i++) q[i] = _mm512_set1_epi64((long long)p->p[i]);
    __m512i t0 = zero, t1 = zero, t2 = zero, t3 = zero, t4 = zero, t5;
    for (int i = 0; i < 5; i++) {
        const __m512i bi = b.l[i];
        t5 = zero;
        t0 = _mm512_madd52lo_epu64(t0, a.l[0], bi);
        t1 = _mm512_madd52lo_epu64(t1, a.l[1], bi);
        t2 = _mm512_madd52lo_epu64(t2, a.l[2], bi);
        t3 = _mm512_madd52lo_epu64(t3, a.l[3], bi);
        t4 = _mm512_madd52lo_epu64(t4, a.l[4], bi);
        const __m512i m = _mm512_madd52lo_epu64(zero, t0, k);
        t1 = _mm512_madd52hi_epu64(t1, a.l[0], bi);
        t2 = _mm512_madd52hi_epu64(t2, a.l[1], bi);
        t3 = _mm512_madd52hi_epu64(t3, a.l[2], bi);
        t4 = _mm512_madd52hi_epu64(t4, a.l[3], bi);
        t5 = _mm512_madd52hi_epu64(t5, a.l[4], bi);
        t0 = _mm512_madd52lo_epu64(t0, m, q[0]);
        t1 = _mm512_madd52lo_epu64(t1, m, q[1]);
        t2 = _mm512_madd52lo_epu64(t2, m, q[2]);
        t3 = _mm512_madd52lo_epu64(t3, m, q[3]);
        t4 = _mm512_madd52lo_epu64(t4, m, q[4]);
        t1 = _mm512_add_epi64(t1, _mm512_srli_epi64(t0, 52));
        t1 = _mm512_madd52hi_epu64(t1, m, q[0]);
        t2 = _mm512_madd52hi_epu64(t2, m, q[1]);
        t3 = _mm512_madd52hi_epu64(t3, m, q[2]);
        t4 = _mm512_madd52hi_epu64(t4, m, q[3]);
        t5 = _mm512_madd52hi_epu64(t5, m, q[4]);
        t0 = t1; t1 = t2; t2 = t3; t3 = t4; t4 = t5;
    }
    zk_v5 r = {{ t0, t1, t2, t3, t4 }};
    return zk_v5_normalize(r);
}

/* p - a, limbwise then normalised: in [1, p] for a < p. */
ZK_IFMA zk_v5 zk_v5_negate_mod(zk_v5 a, const zk_mod52 *p) {
    zk_v5 r;
    for (int i = 0; i < 5; i++) r.l[i] = _mm512_sub_epi64(_mm512_set1_epi64((long long)p->p[i]), a.l[i]);
    return zk_v5_normalize(r);
}

/* Whether each lane of a (canonical) is zero. */
ZK_IFMA __mmask8 zk_v5_is_zero(zk_v5 a) {
    __m512i any = a.l[0];
    for (int i = 1; i < 5; i++) any = _mm512_or_si512(any, a.l[i]);
    return _mm512_cmpeq_epi64_mask(any, _mm512_setzero_si512());
}

ZK_IFMA zk_v5 zk_v5_add(zk_v5 a, zk_v5 b) {
    zk_v5 r;
    for (int i = 0; i < 5; i++) r.l[i] = _mm512_add_epi64(a.l[i], b.l[i]);
    return zk_v5_normalize(r);
}

ZK_IFMA zk_v5 zk_v5_select(__mmask8 m, zk_v5 ifSet, zk_v5 otherwise) {
    for (int i = 0; i < 5; i++) otherwise.l[i] = _mm512_mask_mov_epi64(otherwise.l[i], m, ifSet.l[i]);
    return otherwise;
}

#endif
