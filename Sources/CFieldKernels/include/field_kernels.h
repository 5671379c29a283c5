#ifndef ZKSHARD_FIELD_KERNELS_H
#define ZKSHARD_FIELD_KERNELS_H
/*
 * Montgomery multiplication for 4x64-bit prime fields whose top limb is below 2^62
 * (BN254's Fr and Fq), CIOS with the "no-carry" shortcut. Written as static inline C so
 * that Swift callers inline it: clang's code for unsigned __int128 chains is faster than
 * what Swift emits for the same arithmetic (measured in docs/PERFORMANCE.md).
 * Not constant-time (final subtraction is branch-free, but callers are not).
 */
#include <stddef.h>
#include <stdint.h>

typedef struct { uint64_t l0, l1, l2, l3; } zk_limbs4;

#define ZK_INLINE static inline __attribute__((always_inline))

typedef unsigned __int128 zk_u128;

/* t − p if t ≥ p, else t, for t < 2p; branch-free. */
ZK_INLINE zk_limbs4 zk_reduce_once(uint64_t t0, uint64_t t1, uint64_t t2, uint64_t t3,
                                   uint64_t p0, uint64_t p1, uint64_t p2, uint64_t p3) {
    zk_u128 d; uint64_t bw;
    d = (zk_u128)t0 - p0;      uint64_t s0 = (uint64_t)d; bw = (uint64_t)(d >> 127);
    d = (zk_u128)t1 - p1 - bw; uint64_t s1 = (uint64_t)d; bw = (uint64_t)(d >> 127);
    d = (zk_u128)t2 - p2 - bw; uint64_t s2 = (uint64_t)d; bw = (uint64_t)(d >> 127);
    d = (zk_u128)t3 - p3 - bw; uint64_t s3 = (uint64_t)d; bw = (uint64_t)(d >> 127);
    const uint64_t keep = (uint64_t)0 - bw;
    zk_limbs4 r = { (t0 & keep) | (s0 & ~keep), (t1 & keep) | (s1 & ~keep),
                    (t2 & keep) | (s2 & ~keep), (t3 & keep) | (s3 & ~keep) };
    return r;
}

ZK_INLINE uint64_t zk_mac(uint64_t t, uint64_t a, uint64_t b, uint64_t *carry) {
    zk_u128 r = (zk_u128)a * b + t + *carry;
    *carry = (uint64_t)(r >> 64);
    return (uint64_t)r;
}

/* a*b*2^-256 mod p, inputs and output < p. p = (p0..p3), inv = -p^-1 mod 2^64. */
ZK_INLINE zk_limbs4 zk_mont_mul(zk_limbs4 a, zk_limbs4 b,
                                uint64_t p0, uint64_t p1, uint64_t p2, uint64_t p3, uint64_t inv) {
    uint64_t t0, t1, t2, t3, A, C, m;
    const uint64_t a0 = a.l0, a1 = a.l1, a2 = a.l2, a3 = a.l3;
#define ZK_ROUND(bi, first)                                   \
    do {                                                      \
        A = 0;                                                \
        t0 = zk_mac((first) ? 0 : t0, a0, (bi), &A);          \
        m = t0 * inv;                                         \
        C = 0; (void)zk_mac(t0, m, p0, &C);                   \
        t1 = zk_mac((first) ? 0 : t1, a1, (bi), &A);          \
        t0 = zk_mac(t1, m, p1, &C);                           \
        t2 = zk_mac((first) ? 0 : t2, a2, (bi), &A);          \
        t1 = zk_mac(t2, m, p2, &C);                           \
        t3 = zk_mac((first) ? 0 : t3, a3, (bi), &A);          \
        t2 = zk_mac(t3, m, p3, &C);                           \
        t3 = C + A;                                           \
    } while (0)
    ZK_ROUND(b.l0, 1);
    ZK_ROUND(b.l1, 0);
    ZK_ROUND(b.l2, 0);
    ZK_ROUND(b.l3, 0);
#undef ZK_ROUND
    /* t < 2p */
    return zk_reduce_once(t0, t1, t2, t3, p0, p1, p2, p3);
}



/* BN254's moduli in constant storage, for the MULX kernel's memory operands. */
static const uint64_t zk_bn254_fq_modulus[4] = {
    0x3c208c16d87cfd47ULL, 0x97816a916871ca8dULL, 0xb85045b68181585dULL, 0x30644e72e131a029ULL };
static const uint64_t zk_bn254_fr_modulus[4] = {
    0x43e1f593f0000001ULL, 0x2833e84879b97091ULL, 0xb85045b68181585dULL, 0x30644e72e131a029ULL };
static const uint64_t zk_zero_word = 0;

/* BN254's Fq or Fr modulus in constant storage when (p0..p3) is one of them (folds for
 * constant arguments), else NULL. */
ZK_INLINE const uint64_t *zk_bn254_modulus(uint64_t p0, uint64_t p1, uint64_t p2, uint64_t p3) {
    if (p0 == zk_bn254_fq_modulus[0] && p1 == zk_bn254_fq_modulus[1] &&
        p2 == zk_bn254_fq_modulus[2] && p3 == zk_bn254_fq_modulus[3]) return zk_bn254_fq_modulus;
    if (p0 == zk_bn254_fr_modulus[0] && p1 == zk_bn254_fr_modulus[1] &&
        p2 == zk_bn254_fr_modulus[2] && p3 == zk_bn254_fr_modulus[3]) return zk_bn254_fr_modulus;
    return 0;
}

#if defined(__x86_64__)
/* 1 when the CPU has BMI2 (mulx) and ADX (adcx/adox); set once at load time. */
extern int zk_has_adx;

/*
 * Batch-affine additions on BN254 G1 and G2 with AVX-512 IFMA (batch_add_ifma.c), used when
 * zk_has_ifma is set. Queued addition i adds +-src[i] (y negated when neg[i]) into the point
 * at xy + W*bucket[i], W = 8 words for G1 (x, y in Fq) and 16 for G2 (x.c0, x.c1, y.c0, y.c1
 * in Fq); coordinates in Montgomery form, canonical. Additions are split over 8 lanes
 * (entry i in lane i mod 8); each lane runs its own prefix-product chain (of x2 - x1 on G1,
 * of its norm on G2).
 *   forward: writes the eight lanes' products to totals (lane l at totals[4l..4l+3], an Fq
 *     element in canonical Montgomery form), sets special[i] = 1 where x1 = x2 (a doubling
 *     or P + (-P), left for the caller), and returns how many there are.
 *   backward: given the eight totals' inverses (Montgomery form), writes every non-special
 *     sum into its bucket.
 * scratch holds (n/8 + 1) * 1280 bytes, 64-byte aligned. All buckets in one call are distinct
 * and no operand is a bucket of the same call.
 */
extern int zk_has_ifma;
size_t zk_g1_ifma_forward(const uint64_t *xy, const int32_t *bucket, const uint64_t *const *src,
                          size_t n, void *scratch, uint64_t *totals, uint8_t *special);
void zk_g1_ifma_backward(uint64_t *xy, const int32_t *bucket, const uint64_t *const *src,
                         const _Bool *neg, size_t n, const void *scratch,
                         const uint64_t *inverses, const uint8_t *special);
size_t zk_g2_ifma_forward(const uint64_t *xy, const int32_t *bucket, const uint64_t *const *src,
                          size_t n, void *scratch, uint64_t *totals, uint8_t *special);
void zk_g2_ifma_backward(uint64_t *xy, const int32_t *bucket, const uint64_t *const *src,
                         const _Bool *neg, size_t n, const void *scratch,
                         const uint64_t *inverses, const uint8_t *special);

/*
 * The butterflies lo..<hi of one radix-2 NTT stage over BN254's Fr with AVX-512 IFMA
 * (ntt_ifma.c; needs zk_has_ifma): butterfly b has offset j = b mod h in block b / h, and
 * with i0 = (b / h)*2h + j, v = p[i0 + h]*t[j*stride], sets p[i0] = p[i0] + v and
 * p[i0 + h] = p[i0] - v. Values are 4-limb Fr in Montgomery form (R = 2^256), canonical, and
 * stay so; h, lo and hi are multiples of 8.
 */
void zk_fr_ifma_butterflies(uint64_t *p, size_t h, const uint64_t *t, size_t stride, size_t lo, size_t hi);

/*
 * The radix-3 combine steps j in lo..<hi (hi - lo a multiple of 8) of an NTT over Fr with
 * AVX-512 IFMA (ntt_ifma.c; needs zk_has_ifma): with P_k = src + 4*k*m (k < 3) and
 * y0 = P_0[j], y1 = P_1[j]*c[stride*j], y2 = P_2[j]*c[2*stride*j], d = (y1 - y2)*zeta,
 * writes dst[j] = y0 + y1 + y2, dst[m + j] = y0 - y2 + d, dst[2m + j] = y0 - y1 - d.
 * dst may be src. Values and zeta as for zk_fr_ifma_butterflies.
 */
void zk_fr_ifma_radix3(const uint64_t *src, uint64_t *dst, size_t m, size_t stride,
                       const uint64_t *c, const uint64_t *zeta, size_t lo, size_t hi);


/* The same product as zk_mont_mul with MULX/ADCX/ADOX: two independent carry chains per
 * row, no flag spills, and the final subtraction in the same block (sub/sbb/cmov: about
 * 10 % faster than the C form, which the compiler spreads over sar/adc sequences). Rows rotate through five registers; after the reduction of a row its
 * low register is zero and becomes the next row's top. The operands are named one limb at a
 * time (a in registers, b in registers or memory, p in memory) and the asm declares no memory
 * clobber, so the compiler keeps values in registers around it and schedules loads freely;
 * `p` should point to constant storage (see zk_mont_mul_best). */
ZK_INLINE zk_limbs4 zk_mont_mul_adx(zk_limbs4 a, zk_limbs4 b, const uint64_t *p, uint64_t inv) {
    uint64_t r0 = 0, r1 = 0, r2 = 0, r3 = 0, r4 = 0, lo, hi;
    __asm__(
        "movq %[b0], %%rdx\n\t"
        "xorl %k[lo], %k[lo]\n\t"
        "mulxq %[a0], %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r0]\n\t"
        "adcxq %[hi], %[r1]\n\t"
        "mulxq %[a1], %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r1]\n\t"
        "adcxq %[hi], %[r2]\n\t"
        "mulxq %[a2], %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r2]\n\t"
        "adcxq %[hi], %[r3]\n\t"
        "mulxq %[a3], %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r3]\n\t"
        "adcxq %[hi], %[r4]\n\t"
        "adoxq %[z], %[r4]\n\t"
        "movq %[r0], %%rdx\n\t"
        "imulq %[inv], %%rdx\n\t"
        "xorl %k[lo], %k[lo]\n\t"
        "mulxq %[p0], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r0]\n\t"
        "adoxq %[hi], %[r1]\n\t"
        "mulxq %[p1], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r1]\n\t"
        "adoxq %[hi], %[r2]\n\t"
        "mulxq %[p2], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r2]\n\t"
        "adoxq %[hi], %[r3]\n\t"
        "mulxq %[p3], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r3]\n\t"
        "adoxq %[hi], %[r4]\n\t"
        "adcxq %[z], %[r4]\n\t"
        "movq %[b1], %%rdx\n\t"
        "xorl %k[lo], %k[lo]\n\t"
        "mulxq %[a0], %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r1]\n\t"
        "adcxq %[hi], %[r2]\n\t"
        "mulxq %[a1], %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r2]\n\t"
        "adcxq %[hi], %[r3]\n\t"
        "mulxq %[a2], %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r3]\n\t"
        "adcxq %[hi], %[r4]\n\t"
        "mulxq %[a3], %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r4]\n\t"
        "adcxq %[hi], %[r0]\n\t"
        "adoxq %[z], %[r0]\n\t"
        "movq %[r1], %%rdx\n\t"
        "imulq %[inv], %%rdx\n\t"
        "xorl %k[lo], %k[lo]\n\t"
        "mulxq %[p0], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r1]\n\t"
        "adoxq %[hi], %[r2]\n\t"
        "mulxq %[p1], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r2]\n\t"
        "adoxq %[hi], %[r3]\n\t"
        "mulxq %[p2], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r3]\n\t"
        "adoxq %[hi], %[r4]\n\t"
        "mulxq %[p3], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r4]\n\t"
        "adoxq %[hi], %[r0]\n\t"
        "adcxq %[z], %[r0]\n\t"
        "movq %[b2], %%rdx\n\t"
        "xorl %k[lo], %k[lo]\n\t"
        "mulxq %[a0], %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r2]\n\t"
        "adcxq %[hi], %[r3]\n\t"
        "mulxq %[a1], %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r3]\n\t"
        "adcxq %[hi], %[r4]\n\t"
        "mulxq %[a2], %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r4]\n\t"
        "adcxq %[hi], %[r0]\n\t"
        "mulxq %[a3], %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r0]\n\t"
        "adcxq %[hi], %[r1]\n\t"
        "adoxq %[z], %[r1]\n\t"
        "movq %[r2], %%rdx\n\t"
        "imulq %[inv], %%rdx\n\t"
        "xorl %k[lo], %k[lo]\n\t"
        "mulxq %[p0], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r2]\n\t"
        "adoxq %[hi], %[r3]\n\t"
        "mulxq %[p1], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r3]\n\t"
        "adoxq %[hi], %[r4]\n\t"
        "mulxq %[p2], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r4]\n\t"
        "adoxq %[hi], %[r0]\n\t"
        "mulxq %[p3], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r0]\n\t"
        "adoxq %[hi], %[r1]\n\t"
        "adcxq %[z], %[r1]\n\t"
        "movq %[b3], %%rdx\n\t"
        "xorl %k[lo], %k[lo]\n\t"
        "mulxq %[a0], %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r3]\n\t"
        "adcxq %[hi], %[r4]\n\t"
        "mulxq %[a1], %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r4]\n\t"
        "adcxq %[hi], %[r0]\n\t"
        "mulxq %[a2], %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r0]\n\t"
        "adcxq %[hi], %[r1]\n\t"
        "mulxq %[a3], %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r1]\n\t"
        "adcxq %[hi], %[r2]\n\t"
        "adoxq %[z], %[r2]\n\t"
        "movq %[r3], %%rdx\n\t"
        "imulq %[inv], %%rdx\n\t"
        "xorl %k[lo], %k[lo]\n\t"
        "mulxq %[p0], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r3]\n\t"
        "adoxq %[hi], %[r4]\n\t"
        "mulxq %[p1], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r4]\n\t"
        "adoxq %[hi], %[r0]\n\t"
        "mulxq %[p2], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r0]\n\t"
        "adoxq %[hi], %[r1]\n\t"
        "mulxq %[p3], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r1]\n\t"
        "adoxq %[hi], %[r2]\n\t"
        "adcxq %[z], %[r2]\n\t"
        /* t = (r4, r0, r1, r2) < 2p: subtract p into the free registers (r3 is zero now, rdx
         * is scratch) and keep the difference unless it borrowed. */
        "movq %[r4], %[lo]\n\t"
        "movq %[r0], %[hi]\n\t"
        "movq %[r1], %[r3]\n\t"
        "movq %[r2], %%rdx\n\t"
        "subq %[p0], %[lo]\n\t"
        "sbbq %[p1], %[hi]\n\t"
        "sbbq %[p2], %[r3]\n\t"
        "sbbq %[p3], %%rdx\n\t"
        "cmovncq %[lo], %[r4]\n\t"
        "cmovncq %[hi], %[r0]\n\t"
        "cmovncq %[r3], %[r1]\n\t"
        "cmovncq %%rdx, %[r2]\n\t"
        : [r0] "+&r"(r0), [r1] "+&r"(r1), [r2] "+&r"(r2), [r3] "+&r"(r3), [r4] "+&r"(r4),
          [lo] "=&r"(lo), [hi] "=&r"(hi)
        : [a0] "r"(a.l0), [a1] "r"(a.l1), [a2] "r"(a.l2), [a3] "r"(a.l3),
          [b0] "rm"(b.l0), [b1] "rm"(b.l1), [b2] "rm"(b.l2), [b3] "rm"(b.l3),
          [p0] "m"(p[0]), [p1] "m"(p[1]), [p2] "m"(p[2]), [p3] "m"(p[3]),
          [inv] "rm"(inv), [z] "m"(zk_zero_word)
        : "rdx", "cc");
    zk_limbs4 r = { r4, r0, r1, r2 };
    return r;
}
#endif

/* Montgomery product with the fastest kernel this CPU runs (decided once at load time). */
ZK_INLINE zk_limbs4 zk_mont_mul_best(zk_limbs4 a, zk_limbs4 b,
                                     uint64_t p0, uint64_t p1, uint64_t p2, uint64_t p3, uint64_t inv) {
#if defined(__x86_64__)
    if (__builtin_expect(zk_has_adx, 1)) {
        /* With constant p (every caller), the comparisons fold and the kernel addresses the
         * modulus in read-only data instead of a stack copy made on each call. */
        const uint64_t *pm = zk_bn254_modulus(p0, p1, p2, p3);
        if (pm) return zk_mont_mul_adx(a, b, pm, inv);
        const uint64_t pv[4] = { p0, p1, p2, p3 };
        return zk_mont_mul_adx(a, b, pv, inv);
    }
#endif
    return zk_mont_mul(a, b, p0, p1, p2, p3, inv);
}

/* Cache hints for the MSM's batched bucket additions, whose operands (a bucket, a point) are
 * scattered: fetch the line at p ahead of a read, or ahead of a write. */
ZK_INLINE void zk_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }
ZK_INLINE void zk_prefetch_for_write(const void *p) { __builtin_prefetch(p, 1, 3); }

#if defined(__x86_64__)
/* Modular addition and subtraction in x86-64 assembly (no extension needed): a carry chain,
 * a subtraction chain and cmov, about half the instructions clang emits for the C forms
 * below. p points to constant storage. */
ZK_INLINE zk_limbs4 zk_mod_add_x86(zk_limbs4 a, zk_limbs4 b, const uint64_t *p) {
    uint64_t t0 = a.l0, t1 = a.l1, t2 = a.l2, t3 = a.l3, s0, s1, s2, s3;
    __asm__(
        "addq %[b0], %[t0]\n\t"
        "adcq %[b1], %[t1]\n\t"
        "adcq %[b2], %[t2]\n\t"
        "adcq %[b3], %[t3]\n\t"
        "movq %[t0], %[s0]\n\t"
        "movq %[t1], %[s1]\n\t"
        "movq %[t2], %[s2]\n\t"
        "movq %[t3], %[s3]\n\t"
        "subq %[p0], %[s0]\n\t"
        "sbbq %[p1], %[s1]\n\t"
        "sbbq %[p2], %[s2]\n\t"
        "sbbq %[p3], %[s3]\n\t"
        "cmovncq %[s0], %[t0]\n\t"
        "cmovncq %[s1], %[t1]\n\t"
        "cmovncq %[s2], %[t2]\n\t"
        "cmovncq %[s3], %[t3]\n\t"
        : [t0] "+&r"(t0), [t1] "+&r"(t1), [t2] "+&r"(t2), [t3] "+&r"(t3),
          [s0] "=&r"(s0), [s1] "=&r"(s1), [s2] "=&r"(s2), [s3] "=&r"(s3)
        : [b0] "rm"(b.l0), [b1] "rm"(b.l1), [b2] "rm"(b.l2), [b3] "rm"(b.l3),
          [p0] "m"(p[0]), [p1] "m"(p[1]), [p2] "m"(p[2]), [p3] "m"(p[3])
        : "cc");
    zk_limbs4 r = { t0, t1, t2, t3 };
    return r;
}

ZK_INLINE zk_limbs4 zk_mod_sub_x86(zk_limbs4 a, zk_limbs4 b, const uint64_t *p) {
    uint64_t t0 = a.l0, t1 = a.l1, t2 = a.l2, t3 = a.l3, s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    __asm__(
        "subq %[b0], %[t0]\n\t"
        "sbbq %[b1], %[t1]\n\t"
        "sbbq %[b2], %[t2]\n\t"
        "sbbq %[b3], %[t3]\n\t"
        /* on a borrow add p back: s = borrow ? p : 0 */
        "cmovcq %[p0], %[s0]\n\t"
        "cmovcq %[p1], %[s1]\n\t"
        "cmovcq %[p2], %[s2]\n\t"
        "cmovcq %[p3], %[s3]\n\t"
        "addq %[s0], %[t0]\n\t"
        "adcq %[s1], %[t1]\n\t"
        "adcq %[s2], %[t2]\n\t"
        "adcq %[s3], %[t3]\n\t"
        : [t0] "+&r"(t0), [t1] "+&r"(t1), [t2] "+&r"(t2), [t3] "+&r"(t3),
          [s0] "+&r"(s0), [s1] "+&r"(s1), [s2] "+&r"(s2), [s3] "+&r"(s3)
        : [b0] "rm"(b.l0), [b1] "rm"(b.l1), [b2] "rm"(b.l2), [b3] "rm"(b.l3),
          [p0] "m"(p[0]), [p1] "m"(p[1]), [p2] "m"(p[2]), [p3] "m"(p[3])
        : "cc");
    zk_limbs4 r = { t0, t1, t2, t3 };
    return r;
}

#endif

/* (a + b) mod p for a, b < p < 2^254 (the sum cannot carry out of 256 bits). Branch-free. */
ZK_INLINE zk_limbs4 zk_mod_add(zk_limbs4 a, zk_limbs4 b,
                               uint64_t p0, uint64_t p1, uint64_t p2, uint64_t p3) {
#if defined(__x86_64__)
    const uint64_t *pm = zk_bn254_modulus(p0, p1, p2, p3);
    if (pm) return zk_mod_add_x86(a, b, pm);
#endif
    zk_u128 s;
    s = (zk_u128)a.l0 + b.l0;                     uint64_t t0 = (uint64_t)s;
    s = (zk_u128)a.l1 + b.l1 + (uint64_t)(s >> 64); uint64_t t1 = (uint64_t)s;
    s = (zk_u128)a.l2 + b.l2 + (uint64_t)(s >> 64); uint64_t t2 = (uint64_t)s;
    uint64_t t3 = a.l3 + b.l3 + (uint64_t)(s >> 64);
    return zk_reduce_once(t0, t1, t2, t3, p0, p1, p2, p3);
}

/* (a - b) mod p for a, b < p. Branch-free. */
ZK_INLINE zk_limbs4 zk_mod_sub(zk_limbs4 a, zk_limbs4 b,
                               uint64_t p0, uint64_t p1, uint64_t p2, uint64_t p3) {
#if defined(__x86_64__)
    const uint64_t *pm = zk_bn254_modulus(p0, p1, p2, p3);
    if (pm) return zk_mod_sub_x86(a, b, pm);
#endif
    zk_u128 d; uint64_t bw;
    d = (zk_u128)a.l0 - b.l0;      uint64_t t0 = (uint64_t)d; bw = (uint64_t)(d >> 127);
    d = (zk_u128)a.l1 - b.l1 - bw; uint64_t t1 = (uint64_t)d; bw = (uint64_t)(d >> 127);
    d = (zk_u128)a.l2 - b.l2 - bw; uint64_t t2 = (uint64_t)d; bw = (uint64_t)(d >> 127);
    d = (zk_u128)a.l3 - b.l3 - bw; uint64_t t3 = (uint64_t)d; bw = (uint64_t)(d >> 127);
    const uint64_t mask = (uint64_t)0 - bw; /* add p back when the subtraction wrapped */
    zk_u128 s;
    s = (zk_u128)t0 + (p0 & mask);                      uint64_t r0 = (uint64_t)s;
    s = (zk_u128)t1 + (p1 & mask) + (uint64_t)(s >> 64); uint64_t r1 = (uint64_t)s;
    s = (zk_u128)t2 + (p2 & mask) + (uint64_t)(s >> 64); uint64_t r2 = (uint64_t)s;
    uint64_t r3 = t3 + (p3 & mask) + (uint64_t)(s >> 64);
    zk_limbs4 r = { r0, r1, r2, r3 };
    return r;
}

#endif
