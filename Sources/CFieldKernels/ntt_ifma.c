/*
 * Radix-2 NTT butterflies over BN254's Fr, eight at a time with AVX-512 IFMA (ifma52.h).
 *
 * Values stay in the caller's layout (Fr in Montgomery form with R = 2^256, 4x64-bit limbs,
 * canonical) and are transposed in registers to one vector per limb. The twiddle product
 * M(16v, t) = v*t*16*2^-260 (in Montgomery terms: v*t*R) lands back in the caller's form, so
 * the 2^4 between the vector product and R costs one shift and no extra table.
 */
#include "field_kernels.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include "ifma52.h"

/* r in 52-bit limbs and -r^-1 mod 2^52. */
static const zk_mod52 zk_fr52 = {
    { 0x1f593f0000001ULL, 0x4879b9709143eULL, 0x181585d2833e8ULL, 0xa029b85045b68ULL, 0x30644e72e131ULL },
    0x1f593efffffffULL };

/*
 * Two rounds of two-source permutes over four vectors: A = x0,x1 by p; B = x0,x1 by q;
 * C = x2,x3 by p; D = x2,x3 by q; then y = (A,C by s), (A,C by t), (B,D by s), (B,D by t).
 * With (p, q, s, t) = (pick01, pick23, lo, hi) it turns eight 4-limb values (x_k holding
 * values 2k and 2k+1) into one vector per limb; with (lo, hi, pick01, pick23) it turns
 * them back.
 */
ZK_IFMA void zk_shuffle4(const __m512i x[4], __m512i p, __m512i q, __m512i s, __m512i t, __m512i y[4]) {
    const __m512i a = _mm512_permutex2var_epi64(x[0], p, x[1]);
    const __m512i b = _mm512_permutex2var_epi64(x[0], q, x[1]);
    const __m512i c = _mm512_permutex2var_epi64(x[2], p, x[3]);
    const __m512i d = _mm512_permutex2var_epi64(x[2], q, x[3]);
    y[0] = _mm512_permutex2var_epi64(a, s, c);
    y[1] = _mm512_permutex2var_epi64(a, t, c);
    y[2] = _mm512_permutex2var_epi64(b, s, d);
    y[3] = _mm512_permutex2var_epi64(b, t, d);
}

#define ZK_PICK01 _mm512_set_epi64(13, 9, 5, 1, 12, 8, 4, 0)
#define ZK_PICK23 _mm512_set_epi64(15, 11, 7, 3, 14, 10, 6, 2)
#define ZK_LO4 _mm512_set_epi64(11, 10, 9, 8, 3, 2, 1, 0)
#define ZK_HI4 _mm512_set_epi64(15, 14, 13, 12, 7, 6, 5, 4)

/* The eight consecutive values at x (32 words) as 5x52. */
ZK_IFMA zk_v5 zk_load8(const uint64_t *x) {
    __m512i r[4], l[4];
    for (int k = 0; k < 4; k++) r[k] = _mm512_loadu_si512((const void *)(x + 8 * k));
    zk_shuffle4(r, ZK_PICK01, ZK_PICK23, ZK_LO4, ZK_HI4, l);
    return zk_v5_from64(l[0], l[1], l[2], l[3]);
}

ZK_IFMA void zk_store8(uint64_t *x, zk_v5 v) {
    __m512i l[4], r[4];
    zk_v5_to64(v, l);
    zk_shuffle4(l, ZK_LO4, ZK_HI4, ZK_PICK01, ZK_PICK23, r);
    for (int k = 0; k < 4; k++) _mm512_storeu_si512((void *)(x + 8 * k), r[k]);
}

/* The eight twiddles t[j*stride .. (j+7)*stride] (stride > 1: gathered limb by limb). */
ZK_IFMA zk_v5 zk_twiddles8(const uint64_t *t, size_t j, size_t stride) {
    if (stride == 1) return zk_load8(t + 4 * j);
    const __m512i lane = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
    /* word offsets 4*(j + l)*stride: lane*4*stride with a 32x32-bit product (stride < 2^29) */
    const __m512i idx = _mm512_add_epi64(_mm512_set1_epi64((long long)(4 * j * stride)),
                                         _mm512_mul_epu32(lane, _mm512_set1_epi64((long long)(4 * stride))));
    __m512i l[4];
    for (int k = 0; k < 4; k++) l[k] = _mm512_i64gather_epi64(_mm512_add_epi64(idx, _mm512_set1_epi64(k)), (const void *)t, 8);
    return zk_v5_from64(l[0], l[1], l[2], l[3]);
}

/* a*b in the callers' Montgomery form (the shift supplies the 2^4), reduced below r. */
ZK_IFMA zk_v5 zk_fr_mul_reduce(zk_v5 a, zk_v5 b) {
    return zk_v5_reduce_mod(zk_v5_mul_mod(zk_v5_shl4(a), b, &zk_fr52), &zk_fr52);
}

ZK_IFMA zk_v5 zk_fr_add(zk_v5 a, zk_v5 b) { return zk_v5_reduce_mod(zk_v5_add(a, b), &zk_fr52); }

ZK_IFMA_FN void zk_fr_ifma_butterflies(uint64_t *p, size_t h, const uint64_t *t, size_t stride, size_t lo, size_t hi) {
    size_t j = lo % h, i0 = (lo / h) * 2 * h + j;
    for (size_t b = lo; b < hi; b += 8) {
        uint64_t *x0 = p + 4 * i0, *x1 = p + 4 * (i0 + h);
        const zk_v5 u = zk_load8(x0);
        const zk_v5 v = zk_fr_mul_reduce(zk_load8(x1), zk_twiddles8(t, j, stride));
        zk_store8(x0, zk_fr_add(u, v));
        zk_store8(x1, zk_v5_sub_mod(u, v, &zk_fr52));
        j += 8; i0 += 8;
        if (j == h) { j = 0; i0 += h; }
    }
}

ZK_IFMA_FN void zk_fr_ifma_radix3(const uint64_t *src, uint64_t *dst, size_t m, size_t stride,
                                 const uint64_t *c, const uint64_t *zeta, size_t lo, size_t hi) {
    const zk_v5 z = zk_v5_from64(_mm512_set1_epi64((long long)zeta[0]), _mm512_set1_epi64((long long)zeta[1]),
                                 _mm512_set1_epi64((long long)zeta[2]), _mm512_set1_epi64((long long)zeta[3]));
    for (size_t j = lo; j < hi; j += 8) {
        const zk_v5 y0 = zk_load8(src + 4 * j);
        const zk_v5 y1 = zk_fr_mul_reduce(zk_load8(src + 4 * (m + j)), zk_twiddles8(c, j, stride));
        const zk_v5 y2 = zk_fr_mul_reduce(zk_load8(src + 4 * (2 * m + j)), zk_twiddles8(c, j, 2 * stride));
        const zk_v5 d = zk_fr_mul_reduce(zk_v5_sub_mod(y1, y2, &zk_fr52), z);
        zk_store8(dst + 4 * j, zk_fr_add(zk_fr_add(y0, y1), y2));
        zk_store8(dst + 4 * (m + j), zk_fr_add(zk_v5_sub_mod(y0, y2, &zk_fr52), d));
        zk_store8(dst + 4 * (2 * m + j), zk_v5_sub_mod(zk_v5_sub_mod(y0, y1, &zk_fr52), d, &zk_fr52));
    }
}

#else
void zk_fr_ifma_radix3(const uint64_t *src, uint64_t *dst, size_t m, size_t stride,
                       const uint64_t *c, const uint64_t *zeta, size_t lo, size_t hi) {
    (void)src; (void)dst; (void)m; (void)stride; (void)c; (void)zeta; (void)lo; (void)hi;
    __builtin_trap();
}
void zk_fr_ifma_butterflies(uint64_t *p, size_t h, const uint64_t *t, size_t stride, size_t lo, size_t hi) {
    (void)p; (void)h; (void)t; (void)stride; (void)lo; (void)hi;
    __builtin_trap();
}
#endif
