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
    /* t < 2p: subtract p once if t >= p. */
    zk_u128 d;
    uint64_t bw;
    d = (zk_u128)t0 - p0;                 uint64_t s0 = (uint64_t)d; bw = (uint64_t)(d >> 127);
    d = (zk_u128)t1 - p1 - bw;            uint64_t s1 = (uint64_t)d; bw = (uint64_t)(d >> 127);
    d = (zk_u128)t2 - p2 - bw;            uint64_t s2 = (uint64_t)d; bw = (uint64_t)(d >> 127);
    d = (zk_u128)t3 - p3 - bw;            uint64_t s3 = (uint64_t)d; bw = (uint64_t)(d >> 127);
    const uint64_t keep = (uint64_t)0 - bw;
    zk_limbs4 r = { (t0 & keep) | (s0 & ~keep), (t1 & keep) | (s1 & ~keep),
                    (t2 & keep) | (s2 & ~keep), (t3 & keep) | (s3 & ~keep) };
    return r;
}

/* (a + b) mod p for a, b < p < 2^254 (the sum cannot carry out of 256 bits). Branch-free. */
ZK_INLINE zk_limbs4 zk_mod_add(zk_limbs4 a, zk_limbs4 b,
                               uint64_t p0, uint64_t p1, uint64_t p2, uint64_t p3) {
    zk_u128 s;
    s = (zk_u128)a.l0 + b.l0;                     uint64_t t0 = (uint64_t)s;
    s = (zk_u128)a.l1 + b.l1 + (uint64_t)(s >> 64); uint64_t t1 = (uint64_t)s;
    s = (zk_u128)a.l2 + b.l2 + (uint64_t)(s >> 64); uint64_t t2 = (uint64_t)s;
    uint64_t t3 = a.l3 + b.l3 + (uint64_t)(s >> 64);
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
