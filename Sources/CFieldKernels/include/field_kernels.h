#ifndef ZKSHARD_FIELD_KERNELS_H
#define ZKSHARD_FIELD_KERNELS_H
/*
 * Montgomery multiplication for 4x64-bit prime fields whose top limb is below 2^62
 * (BN254's Fr and Fq), CIOS with the "no-carry" shortcut. Written as static inline C so
 * that Swift callers inline it: clang's code for unsigned __int128 chains is faster than
 * what Swift emits for the same arithmetic (measured in docs/PERFORMANCE.md).
 * Not constant-time (final subtraction is branch-free, but callers are not).
 */
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


#if defined(__x86_64__)
/* 1 when the CPU has BMI2 (mulx) and ADX (adcx/adox); set once at load time. */
extern int zk_has_adx;

/* The same product as zk_mont_mul with MULX/ADCX/ADOX: two independent carry chains per
 * row, no flag spills. Rows rotate through five registers; after the reduction of a row its
 * low register is zero and becomes the next row's top. */
ZK_INLINE zk_limbs4 zk_mont_mul_adx(zk_limbs4 a, zk_limbs4 b, const uint64_t *p, uint64_t inv) {
    uint64_t r0 = 0, r1 = 0, r2 = 0, r3 = 0, r4 = 0, lo, hi;
    const uint64_t av[4] = { a.l0, a.l1, a.l2, a.l3 };
    const uint64_t bv[4] = { b.l0, b.l1, b.l2, b.l3 };
    static const uint64_t zero = 0;
    __asm__(
        "movq 0(%[b]), %%rdx\n\t"
        "xorl %k[lo], %k[lo]\n\t"
        "mulxq 0(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r0]\n\t"
        "adcxq %[hi], %[r1]\n\t"
        "mulxq 8(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r1]\n\t"
        "adcxq %[hi], %[r2]\n\t"
        "mulxq 16(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r2]\n\t"
        "adcxq %[hi], %[r3]\n\t"
        "mulxq 24(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r3]\n\t"
        "adcxq %[hi], %[r4]\n\t"
        "adoxq %[z], %[r4]\n\t"
        "movq %[r0], %%rdx\n\t"
        "imulq %[inv], %%rdx\n\t"
        "xorl %k[lo], %k[lo]\n\t"
        "mulxq 0(%[p]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r0]\n\t"
        "adoxq %[hi], %[r1]\n\t"
        "mulxq 8(%[p]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r1]\n\t"
        "adoxq %[hi], %[r2]\n\t"
        "mulxq 16(%[p]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r2]\n\t"
        "adoxq %[hi], %[r3]\n\t"
        "mulxq 24(%[p]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r3]\n\t"
        "adoxq %[hi], %[r4]\n\t"
        "adcxq %[z], %[r4]\n\t"
        "movq 8(%[b]), %%rdx\n\t"
        "xorl %k[lo], %k[lo]\n\t"
        "mulxq 0(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r1]\n\t"
        "adcxq %[hi], %[r2]\n\t"
        "mulxq 8(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r2]\n\t"
        "adcxq %[hi], %[r3]\n\t"
        "mulxq 16(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r3]\n\t"
        "adcxq %[hi], %[r4]\n\t"
        "mulxq 24(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r4]\n\t"
        "adcxq %[hi], %[r0]\n\t"
        "adoxq %[z], %[r0]\n\t"
        "movq %[r1], %%rdx\n\t"
        "imulq %[inv], %%rdx\n\t"
        "xorl %k[lo], %k[lo]\n\t"
        "mulxq 0(%[p]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r1]\n\t"
        "adoxq %[hi], %[r2]\n\t"
        "mulxq 8(%[p]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r2]\n\t"
        "adoxq %[hi], %[r3]\n\t"
        "mulxq 16(%[p]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r3]\n\t"
        "adoxq %[hi], %[r4]\n\t"
        "mulxq 24(%[p]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r4]\n\t"
        "adoxq %[hi], %[r0]\n\t"
        "adcxq %[z], %[r0]\n\t"
        "movq 16(%[b]), %%rdx\n\t"
        "xorl %k[lo], %k[lo]\n\t"
        "mulxq 0(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r2]\n\t"
        "adcxq %[hi], %[r3]\n\t"
        "mulxq 8(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r3]\n\t"
        "adcxq %[hi], %[r4]\n\t"
        "mulxq 16(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r4]\n\t"
        "adcxq %[hi], %[r0]\n\t"
        "mulxq 24(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r0]\n\t"
        "adcxq %[hi], %[r1]\n\t"
        "adoxq %[z], %[r1]\n\t"
        "movq %[r2], %%rdx\n\t"
        "imulq %[inv], %%rdx\n\t"
        "xorl %k[lo], %k[lo]\n\t"
        "mulxq 0(%[p]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r2]\n\t"
        "adoxq %[hi], %[r3]\n\t"
        "mulxq 8(%[p]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r3]\n\t"
        "adoxq %[hi], %[r4]\n\t"
        "mulxq 16(%[p]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r4]\n\t"
        "adoxq %[hi], %[r0]\n\t"
        "mulxq 24(%[p]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r0]\n\t"
        "adoxq %[hi], %[r1]\n\t"
        "adcxq %[z], %[r1]\n\t"
        "movq 24(%[b]), %%rdx\n\t"
        "xorl %k[lo], %k[lo]\n\t"
        "mulxq 0(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r3]\n\t"
        "adcxq %[hi], %[r4]\n\t"
        "mulxq 8(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r4]\n\t"
        "adcxq %[hi], %[r0]\n\t"
        "mulxq 16(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r0]\n\t"
        "adcxq %[hi], %[r1]\n\t"
        "mulxq 24(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r1]\n\t"
        "adcxq %[hi], %[r2]\n\t"
        "adoxq %[z], %[r2]\n\t"
        "movq %[r3], %%rdx\n\t"
        "imulq %[inv], %%rdx\n\t"
        "xorl %k[lo], %k[lo]\n\t"
        "mulxq 0(%[p]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r3]\n\t"
        "adoxq %[hi], %[r4]\n\t"
        "mulxq 8(%[p]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r4]\n\t"
        "adoxq %[hi], %[r0]\n\t"
        "mulxq 16(%[p]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r0]\n\t"
        "adoxq %[hi], %[r1]\n\t"
        "mulxq 24(%[p]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r1]\n\t"
        "adoxq %[hi], %[r2]\n\t"
        "adcxq %[z], %[r2]\n\t"
        : [r0] "+&r"(r0), [r1] "+&r"(r1), [r2] "+&r"(r2), [r3] "+&r"(r3), [r4] "+&r"(r4),
          [lo] "=&r"(lo), [hi] "=&r"(hi)
        : [a] "r"(av), [b] "r"(bv), [p] "r"(p), [inv] "m"(inv), [z] "m"(zero)
        : "rdx", "cc", "memory");
    /* The result is (r4, r0, r1, r2), below 2p. */
    return zk_reduce_once(r4, r0, r1, r2, p[0], p[1], p[2], p[3]);
}
#endif

/* Montgomery product with the fastest kernel this CPU runs (decided once at load time). */
ZK_INLINE zk_limbs4 zk_mont_mul_best(zk_limbs4 a, zk_limbs4 b,
                                     uint64_t p0, uint64_t p1, uint64_t p2, uint64_t p3, uint64_t inv) {
#if defined(__x86_64__)
    if (__builtin_expect(zk_has_adx, 1)) {
        const uint64_t pv[4] = { p0, p1, p2, p3 };
        return zk_mont_mul_adx(a, b, pv, inv);
    }
#endif
    return zk_mont_mul(a, b, p0, p1, p2, p3, inv);
}

/* (a + b) mod p for a, b < p < 2^254 (the sum cannot carry out of 256 bits). Branch-free. */
ZK_INLINE zk_limbs4 zk_mod_add(zk_limbs4 a, zk_limbs4 b,
                               uint64_t p0, uint64_t p1, uint64_t p2, uint64_t p3) {
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
