/*
 * Batch-affine additions on BN254 G1 and G2, eight at a time with AVX-512 IFMA.
 *
 * Field elements stay in the caller's representation (4x64-bit limbs, Montgomery form
 * with R = 2^256) in memory and are split into 5x52-bit limbs in registers, one element
 * per 64-bit lane. The vector Montgomery product M(a, b) = a*b*2^-260 mod p does not
 * match R = 2^256, so every value carries an "exponent" e: stored(v, e) = v*2^(256-4e)
 * mod p, with M(stored(a,u), stored(b,v)) = stored(ab, u+v+1) and a 4-bit left shift
 * taking e to e-1 without any reduction (p < 2^254 leaves room in 260 bits). Coordinates
 * load and store at e = 0; the formulas below are arranged so that every product lands
 * at e = 0 (see zk_g1_ifma_backward), so no conversion multiplications are needed.
 *
 * Bounds: M(a, b) < 2p whenever a*b < 2^260*p, which holds for a < 2p, b < 32p.
 */
#include "field_kernels.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
int zk_has_ifma = 0;

__attribute__((constructor)) static void zk_detect_ifma(void) {
    __builtin_cpu_init();
    zk_has_ifma = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512ifma")
               && __builtin_cpu_supports("avx512vl");
}

#include "ifma52.h"

/* q in 52-bit limbs and -q^-1 mod 2^52. */
static const zk_mod52 zk_fq52 = {
    { 0x8c16d87cfd47ULL, 0x916871ca8d3c2ULL, 0x181585d97816aULL, 0xa029b85045b68ULL, 0x30644e72e131ULL },
    0x20782e4866389ULL };
/* 2^256 mod q: one, stored at e = 0. */
static const uint64_t zk_one52[5] = {
    0xd438dc58f0d9dULL, 0x28f5c70b3dd35ULL, 0x879462c0a78ebULL, 0xdf2f666ea36f7ULL, 0xe0a77c19a07ULL };

/* The modulus-q operations the formulas below use (ifma52.h has their contracts). */
ZK_IFMA zk_v5 zk_v5_sub(zk_v5 a, zk_v5 b) { return zk_v5_sub_mod(a, b, &zk_fq52); }
ZK_IFMA zk_v5 zk_v5_reduce(zk_v5 a) { return zk_v5_reduce_mod(a, &zk_fq52); }
ZK_IFMA zk_v5 zk_v5_mul(zk_v5 a, zk_v5 b) { return zk_v5_mul_mod(a, b, &zk_fq52); }
ZK_IFMA zk_v5 zk_v5_negate(zk_v5 a) { return zk_v5_negate_mod(a, &zk_fq52); }

/* Limb j (0-3 of x, 4-7 of y) of the eight points at xy + 8*bucket[l]. */
ZK_IFMA __m512i zk_gather_bucket(const uint64_t *xy, __m256i idx8, int j) {
    return _mm512_i32gather_epi64(_mm256_add_epi32(idx8, _mm256_set1_epi32(j)), (const void *)xy, 8);
}

/* Limb j of the eight operands at addresses addr (lanes outside mask read nothing, give 0). */
ZK_IFMA __m512i zk_gather_src(__m512i addr, __mmask8 mask, int j) {
    return _mm512_mask_i64gather_epi64(_mm512_setzero_si512(), mask,
                                       _mm512_add_epi64(addr, _mm512_set1_epi64(8 * j)), (const void *)0, 1);
}

ZK_IFMA __mmask8 zk_lanes(size_t n, size_t g) {
    const size_t left = n - 8 * g;
    return left >= 8 ? (__mmask8)0xff : (__mmask8)((1u << left) - 1);
}

/* Bucket indices of group g times 2^shift (u64 offsets: 8 words a G1 point, 16 a G2 point);
 * lanes outside mask are bucket 0. */
ZK_IFMA __m256i zk_bucket_offsets(const int32_t *bucket, __mmask8 mask, size_t g, int shift) {
    return _mm256_slli_epi32(_mm256_maskz_loadu_epi32(mask, bucket + 8 * g), shift);
}

/* Prefetches group g's buckets and operands: `words` 64-bit words each (8 or 16). */
ZK_IFMA void zk_prefetch_group(const uint64_t *xy, const int32_t *bucket, const uint64_t *const *src,
                               size_t n, size_t g, int write, size_t words) {
    for (size_t i = 8 * g; i < 8 * g + 8 && i < n; i++) {
        const uint64_t *b = xy + words * (size_t)bucket[i];
        for (size_t w = 0; w < words; w += 8) {
            if (write) __builtin_prefetch(b + w, 1, 3);
            else __builtin_prefetch(b + w, 0, 3);
            __builtin_prefetch(src[i] + w, 0, 3);
        }
    }
}

/* Four limbs (words j0..j0+3) of the eight buckets or operands, as 5x52. */
ZK_IFMA zk_v5 zk_load_bucket(const uint64_t *xy, __m256i idx, int j0) {
    return zk_v5_from64(zk_gather_bucket(xy, idx, j0), zk_gather_bucket(xy, idx, j0 + 1),
                        zk_gather_bucket(xy, idx, j0 + 2), zk_gather_bucket(xy, idx, j0 + 3));
}
ZK_IFMA zk_v5 zk_load_src(__m512i addr, __mmask8 mask, int j0) {
    return zk_v5_from64(zk_gather_src(addr, mask, j0), zk_gather_src(addr, mask, j0 + 1),
                        zk_gather_src(addr, mask, j0 + 2), zk_gather_src(addr, mask, j0 + 3));
}
ZK_IFMA void zk_store_bucket(uint64_t *xy, __m256i idx, __mmask8 store, int j0, zk_v5 v) {
    __m512i o[4];
    zk_v5_to64(v, o);
    for (int j = 0; j < 4; j++)
        _mm512_mask_i32scatter_epi64((void *)xy, store, _mm256_add_epi32(idx, _mm256_set1_epi32(j0 + j)), o[j], 8);
}

/* Lane l of the eight 4-limb values, into out[4l..4l+3]. */
ZK_IFMA void zk_v5_store_lanes(zk_v5 a, uint64_t *out) {
    __m512i o[4];
    zk_v5_to64(a, o);
    uint64_t limbs[4][8];
    for (int j = 0; j < 4; j++) _mm512_storeu_si512((void *)limbs[j], o[j]);
    for (int l = 0; l < 8; l++) for (int j = 0; j < 4; j++) out[4 * l + j] = limbs[j][l];
}

/* The eight lanes' inverses from the caller, shifted (x16) into the chain's exponent. */
ZK_IFMA zk_v5 zk_v5_load_lanes_x16(const uint64_t *in) {
    uint64_t limbs[4][8];
    for (int l = 0; l < 8; l++) for (int j = 0; j < 4; j++) limbs[j][l] = in[4 * l + j];
    return zk_v5_shl4(zk_v5_from64(_mm512_loadu_si512(limbs[0]), _mm512_loadu_si512(limbs[1]),
                                   _mm512_loadu_si512(limbs[2]), _mm512_loadu_si512(limbs[3])));
}

/* Masks of group g's special (skipped) and negated entries. */
ZK_IFMA void zk_group_flags(const uint8_t *special, const _Bool *neg, size_t n, size_t g,
                            __mmask8 *skip, __mmask8 *negMask) {
    __mmask8 s = 0, m = 0;
    for (int l = 0; l < 8; l++) {
        const size_t i = 8 * g + (size_t)l;
        if (i < n) { s |= (__mmask8)((special[i] ? 1u : 0u) << l); m |= (__mmask8)((neg[i] ? 1u : 0u) << l); }
    }
    *skip = s; *negMask = m;
}

/* d = x2 - x1 for group g; lanes outside the batch or with d = 0 get d = one. */
ZK_IFMA zk_v5 zk_group_denominator(const uint64_t *xy, const int32_t *bucket, const uint64_t *const *src,
                                   size_t n, size_t g, __mmask8 *zeroOut) {
    const __mmask8 mask = zk_lanes(n, g);
    const __m256i idx = zk_bucket_offsets(bucket, mask, g, 3);
    const __m512i addr = _mm512_maskz_loadu_epi64(mask, (const void *)(src + 8 * g));
    const zk_v5 d = zk_v5_sub(zk_load_src(addr, mask, 0), zk_load_bucket(xy, idx, 0));
    const __mmask8 zero = zk_v5_is_zero(d);
    *zeroOut = (__mmask8)(zero & mask);
    return zk_v5_select((__mmask8)(zero | (__mmask8)~mask), zk_v5_const(zk_one52), d);
}

/* Records group g's special entries; returns how many. */
ZK_IFMA size_t zk_mark_special(uint8_t *special, __mmask8 zero, size_t n, size_t g) {
    size_t count = 0;
    for (int l = 0; l < 8; l++) {
        const size_t i = 8 * g + (size_t)l;
        if (i < n) { special[i] = (uint8_t)((zero >> l) & 1); count += (zero >> l) & 1; }
    }
    return count;
}

/* One step up a lane chain: acc becomes acc * v (v itself for group 0), and the product
 * before it is kept for the way down. */
ZK_IFMA void zk_chain_up(zk_v5 *prefix, zk_v5 *acc, size_t g, zk_v5 v) {
    if (g == 0) { *acc = v; return; }
    prefix[g - 1] = *acc;
    *acc = zk_v5_mul(*acc, v);
}

/* One step down: group g's inverse from acc (the inverse of the product up to g) and the
 * product before g, and acc moved past v. */
ZK_IFMA zk_v5 zk_chain_down(const zk_v5 *prefix, zk_v5 *acc, size_t g, zk_v5 v) {
    if (g == 0) return *acc;
    const zk_v5 inv = zk_v5_mul(*acc, prefix[g - 1]);
    *acc = zk_v5_mul(*acc, v);
    return inv;
}

/*
 * G2: coordinates in Fq2 = Fq[u]/(u^2 + 1), a point 16 words (x.c0, x.c1, y.c0, y.c1).
 * The chains run over the norms N = d0^2 + d1^2 of d = x2 - x1 (at e = 1), so P_g is at
 * e = 2g + 1; the shifted inverse of a lane total again starts the way down at the right
 * exponent (e = -2G), which keeps every N_g^-1 at e = -2. Then d^-1 = (d0, -d1)*N^-1 is at
 * e = -1 and lambda = n*d^-1 at e = 0, and the rest is as on G1, componentwise.
 */
ZK_IFMA zk_v5 zk_group_norm(const uint64_t *xy, const int32_t *bucket, const uint64_t *const *src,
                            size_t n, size_t g, __mmask8 *zeroOut, zk_v5 *d0Out, zk_v5 *d1Out) {
    const __mmask8 mask = zk_lanes(n, g);
    const __m256i idx = zk_bucket_offsets(bucket, mask, g, 4);
    const __m512i addr = _mm512_maskz_loadu_epi64(mask, (const void *)(src + 8 * g));
    zk_v5 d0 = zk_v5_sub(zk_load_src(addr, mask, 0), zk_load_bucket(xy, idx, 0));
    zk_v5 d1 = zk_v5_sub(zk_load_src(addr, mask, 4), zk_load_bucket(xy, idx, 4));
    const __mmask8 zero = (__mmask8)(zk_v5_is_zero(d0) & zk_v5_is_zero(d1));
    *zeroOut = (__mmask8)(zero & mask);
    const __mmask8 useOne = (__mmask8)(zero | (__mmask8)~mask);
    d0 = zk_v5_select(useOne, zk_v5_const(zk_one52), d0);
    d1 = zk_v5_select(useOne, (zk_v5){{ _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(),
                                         _mm512_setzero_si512(), _mm512_setzero_si512() }}, d1);
    *d0Out = d0; *d1Out = d1;
    return zk_v5_reduce(zk_v5_add(zk_v5_reduce(zk_v5_mul(d0, d0)), zk_v5_reduce(zk_v5_mul(d1, d1))));
}

/* The way up, shared by G1 (g2 = 0) and G2 (g2 = 1; constant once inlined). Each group's
 * chain value is d = x2 - x1 on G1 and its norm on G2. scratch holds the prefix products,
 * then what the way down reads again: d on G1; the norm, d0 and d1 on G2. */
ZK_IFMA size_t zk_ifma_forward(const uint64_t *xy, const int32_t *bucket, const uint64_t *const *src,
                               size_t n, void *scratch, uint64_t *totals, uint8_t *special, int g2) {
    const size_t groups = (n + 7) / 8, kept = g2 ? 3 : 1;
    zk_v5 *prefix = (zk_v5 *)scratch, *values = prefix + groups;
    size_t specials = 0;
    zk_v5 acc;
    for (size_t g = 0; g < groups; g++) {
        if (g + 2 < groups) zk_prefetch_group(xy, bucket, src, n, g + 2, 0, g2 ? 16 : 8);
        __mmask8 zero;
        zk_v5 *v = values + kept * g;
        if (g2) v[0] = zk_group_norm(xy, bucket, src, n, g, &zero, &v[1], &v[2]);
        else v[0] = zk_group_denominator(xy, bucket, src, n, g, &zero);
        specials += zk_mark_special(special, zero, n, g);
        zk_chain_up(prefix, &acc, g, v[0]);
    }
    zk_v5_store_lanes(zk_v5_reduce(acc), totals);
    return specials;
}

ZK_IFMA_FN size_t zk_g1_ifma_forward(const uint64_t *xy, const int32_t *bucket, const uint64_t *const *src,
                                     size_t n, void *scratch, uint64_t *totals, uint8_t *special) {
    return zk_ifma_forward(xy, bucket, src, n, scratch, totals, special, 0);
}

ZK_IFMA_FN size_t zk_g2_ifma_forward(const uint64_t *xy, const int32_t *bucket, const uint64_t *const *src,
                                     size_t n, void *scratch, uint64_t *totals, uint8_t *special) {
    return zk_ifma_forward(xy, bucket, src, n, scratch, totals, special, 1);
}

/*
 * Exponents: d = x2 - x1 at e = 0; prefix products P_g = M(P_(g-1), d_g) at e = g; the lane
 * total's inverse, shifted (x16), at e = -G. Going down, I_g = M(acc, P_(g-1)) and
 * acc = M(acc, d_g) keep I_g at e = -1 for every g, so lambda0 = M(n, I) is at e = 0,
 * lambda16 = lambda0 << 4 at e = -1, x3 = M(lambda0, lambda16) - x1 - x2 and
 * y3 = M(lambda16, x1 - x3) - y1 at e = 0.
 */
ZK_IFMA_FN void zk_g1_ifma_backward(uint64_t *xy, const int32_t *bucket, const uint64_t *const *src,
                                    const _Bool *neg, size_t n, const void *scratch,
                                    const uint64_t *inverses, const uint8_t *special) {
    const size_t groups = (n + 7) / 8;
    const zk_v5 *prefix = (const zk_v5 *)scratch, *dens = prefix + groups;
    zk_v5 acc = zk_v5_load_lanes_x16(inverses);
    for (size_t gg = groups; gg > 0; gg--) {
        const size_t g = gg - 1;
        if (g >= 2) zk_prefetch_group(xy, bucket, src, n, g - 2, 1, 8);
        const zk_v5 inv = zk_chain_down(prefix, &acc, g, dens[g]);
        const __mmask8 mask = zk_lanes(n, g);
        __mmask8 skip, negMask;
        zk_group_flags(special, neg, n, g, &skip, &negMask);
        const __m256i idx = zk_bucket_offsets(bucket, mask, g, 3);
        const __m512i addr = _mm512_maskz_loadu_epi64(mask, (const void *)(src + 8 * g));
        const zk_v5 x1 = zk_load_bucket(xy, idx, 0), y1 = zk_load_bucket(xy, idx, 4);
        const zk_v5 x2 = zk_load_src(addr, mask, 0);
        zk_v5 y2 = zk_load_src(addr, mask, 4);
        /* A negated operand: y2 -> q - y2 (in [1, q]; q itself only for y2 = 0). */
        y2 = zk_v5_select(negMask, zk_v5_negate(y2), y2);
        const zk_v5 lambda0 = zk_v5_mul(zk_v5_sub(y2, y1), inv);
        const zk_v5 lambda16 = zk_v5_shl4(lambda0);
        const zk_v5 x3 = zk_v5_sub(zk_v5_sub(zk_v5_reduce(zk_v5_mul(lambda0, lambda16)), x1), x2);
        const zk_v5 y3 = zk_v5_sub(zk_v5_reduce(zk_v5_mul(lambda16, zk_v5_sub(x1, x3))), y1);
        const __mmask8 store = (__mmask8)(mask & (__mmask8)~skip);
        zk_store_bucket(xy, idx, store, 0, x3);
        zk_store_bucket(xy, idx, store, 4, y3);
    }
}

/* (a0 + a1 u)(b0 + b1 u) with M: the product's exponent is e(a) + e(b) + 1; components < q
 * for inputs whose products stay within M's bound. */
ZK_IFMA void zk_v5_mul2(zk_v5 a0, zk_v5 a1, zk_v5 b0, zk_v5 b1, zk_v5 *r0, zk_v5 *r1) {
    const zk_v5 m00 = zk_v5_reduce(zk_v5_mul(a0, b0)), m11 = zk_v5_reduce(zk_v5_mul(a1, b1));
    const zk_v5 m01 = zk_v5_reduce(zk_v5_mul(a0, b1)), m10 = zk_v5_reduce(zk_v5_mul(a1, b0));
    *r0 = zk_v5_sub(m00, m11);
    *r1 = zk_v5_reduce(zk_v5_add(m01, m10));
}

ZK_IFMA_FN void zk_g2_ifma_backward(uint64_t *xy, const int32_t *bucket, const uint64_t *const *src,
                                    const _Bool *neg, size_t n, const void *scratch,
                                    const uint64_t *inverses, const uint8_t *special) {
    const size_t groups = (n + 7) / 8;
    const zk_v5 *prefix = (const zk_v5 *)scratch, *norms = prefix + groups;
    zk_v5 acc = zk_v5_load_lanes_x16(inverses);
    for (size_t gg = groups; gg > 0; gg--) {
        const size_t g = gg - 1;
        if (g >= 2) zk_prefetch_group(xy, bucket, src, n, g - 2, 1, 16);
        const zk_v5 nm = norms[3 * g], d0 = norms[3 * g + 1], d1 = norms[3 * g + 2];
        const zk_v5 inv = zk_chain_down(prefix, &acc, g, nm);
        /* d^-1 = (d0, -d1) * N^-1, at e = -1 */
        const zk_v5 di0 = zk_v5_mul(d0, inv), di1 = zk_v5_mul(zk_v5_negate(d1), inv);
        const __mmask8 mask = zk_lanes(n, g);
        __mmask8 skip, negMask;
        zk_group_flags(special, neg, n, g, &skip, &negMask);
        const __m256i idx = zk_bucket_offsets(bucket, mask, g, 4);
        const __m512i addr = _mm512_maskz_loadu_epi64(mask, (const void *)(src + 8 * g));
        const zk_v5 x10 = zk_load_bucket(xy, idx, 0), x11 = zk_load_bucket(xy, idx, 4);
        const zk_v5 y10 = zk_load_bucket(xy, idx, 8), y11 = zk_load_bucket(xy, idx, 12);
        const zk_v5 x20 = zk_load_src(addr, mask, 0), x21 = zk_load_src(addr, mask, 4);
        zk_v5 y20 = zk_load_src(addr, mask, 8), y21 = zk_load_src(addr, mask, 12);
        y20 = zk_v5_select(negMask, zk_v5_negate(y20), y20);
        y21 = zk_v5_select(negMask, zk_v5_negate(y21), y21);
        zk_v5 l0, l1;
        zk_v5_mul2(zk_v5_sub(y20, y10), zk_v5_sub(y21, y11), zk_v5_reduce(di0), zk_v5_reduce(di1), &l0, &l1);
        const zk_v5 l0s = zk_v5_shl4(l0), l1s = zk_v5_shl4(l1);
        /* lambda^2 = (l0 + l1)(l0 - l1) + 2 l0 l1 u */
        const zk_v5 sq0 = zk_v5_reduce(zk_v5_mul(zk_v5_add(l0, l1), zk_v5_shl4(zk_v5_sub(l0, l1))));
        const zk_v5 h = zk_v5_reduce(zk_v5_mul(l0, l1s));
        const zk_v5 sq1 = zk_v5_reduce(zk_v5_add(h, h));
        const zk_v5 x30 = zk_v5_sub(zk_v5_sub(sq0, x10), x20), x31 = zk_v5_sub(zk_v5_sub(sq1, x11), x21);
        zk_v5 t0, t1;
        zk_v5_mul2(l0s, l1s, zk_v5_sub(x10, x30), zk_v5_sub(x11, x31), &t0, &t1);
        const zk_v5 y30 = zk_v5_sub(t0, y10), y31 = zk_v5_sub(t1, y11);
        const __mmask8 store = (__mmask8)(mask & (__mmask8)~skip);
        zk_store_bucket(xy, idx, store, 0, x30);
        zk_store_bucket(xy, idx, store, 4, x31);
        zk_store_bucket(xy, idx, store, 8, y30);
        zk_store_bucket(xy, idx, store, 12, y31);
    }
}

#else
int zk_has_ifma = 0;
size_t zk_g2_ifma_forward(const uint64_t *xy, const int32_t *bucket, const uint64_t *const *src,
                          size_t n, void *scratch, uint64_t *totals, uint8_t *special) {
    (void)xy; (void)bucket; (void)src; (void)n; (void)scratch; (void)totals; (void)special;
    __builtin_trap();
}
void zk_g2_ifma_backward(uint64_t *xy, const int32_t *bucket, const uint64_t *const *src,
                         const _Bool *neg, size_t n, const void *scratch,
                         const uint64_t *inverses, const uint8_t *special) {
    (void)xy; (void)bucket; (void)src; (void)neg; (void)n; (void)scratch; (void)inverses; (void)special;
    __builtin_trap();
}
size_t zk_g1_ifma_forward(const uint64_t *xy, const int32_t *bucket, const uint64_t *const *src,
                          size_t n, void *scratch, uint64_t *totals, uint8_t *special) {
    (void)xy; (void)bucket; (void)src; (void)n; (void)scratch; (void)totals; (void)special;
    __builtin_trap();
}
void zk_g1_ifma_backward(uint64_t *xy, const int32_t *bucket, const uint64_t *const *src,
                         const _Bool *neg, size_t n, const void *scratch,
                         const uint64_t *inverses, const uint8_t *special) {
    (void)xy; (void)bucket; (void)src; (void)neg; (void)n; (void)scratch; (void)inverses; (void)special;
    __builtin_trap();
}
#endif
