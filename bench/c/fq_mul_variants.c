/*
 * fq_mul_variants.c -- alternatives to zkshard's Fq Montgomery product, measured against it.
 *
 * The MSMs spend about 70 % of a prove in the 6 (G1) or 15 (G2) Fq products of each batched
 * affine bucket addition, so the product's throughput bounds the prover. This program keeps
 * the evidence for the kernel choice reproducible; every variant is checked against
 * zkshard's kernel (`zk_mont_mul_adx` in Sources/CFieldKernels) on random inputs first.
 *
 *   mont_adx_cycles        zkshard's MULX/ADCX/ADOX product, three independent chains
 *   product_rows_cycles    the same kernel's four product rows alone (16 MULX, no reduction):
 *                          what the multiplications and their carry chains cost by themselves
 *   avx2_4lane_*_ns        four products at once in AVX2 (radix 2^29, nine limbs per lane,
 *                          eight 29-bit and one 24-bit reduction step so that R = 2^256 as in
 *                          the scalar kernel), ns per product, three chains; two formulations
 *                          (see v4_mul_rotating)
 *   fq2_karatsuba_ns       Fq2 product as three Montgomery products (zkshard's Fq2 `*`)
 *   fq2_lazy_ns            Fq2 product as three 512-bit products and two Montgomery
 *                          reductions (lazy reduction, 88 instead of 108 multiplications)
 *
 * "cycles" assume the clock measured by a dependent IMUL chain (3 cycles each) at start-up.
 * Timings are the best of REPS repetitions (CLOCK_MONOTONIC). x86-64 with BMI2 and ADX only;
 * the AVX2 variant needs AVX2. Build: cc -O3 -march=native -I<CFieldKernels/include> ...
 */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#if defined(__AVX2__)
#include <immintrin.h>
#endif
#include "field_kernels.h"

#if !defined(__x86_64__) || !defined(__BMI2__) || !defined(__ADX__)
int main(void) { printf("fq_mul_variants: needs x86-64 with BMI2 and ADX (build with -march=native)\n"); return 0; }
#else

int zk_has_adx = 1;

#define REPS 3
#define K 10000000L

static const uint64_t *P = zk_bn254_fq_modulus;
static const uint64_t PINV = 0x87d20782e4866389ULL;

/* zkshard's product, out of line: the reference the variants are checked against (inlined
 * into the check loops, its asm can run out of registers under gcc) */
static __attribute__((noinline)) zk_limbs4 reference_mul(zk_limbs4 a, zk_limbs4 b) { return zk_mont_mul_adx(a, b, P, PINV); }

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

static uint64_t seed = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void) { seed = seed * 6364136223846793005ULL + 1442695040888963407ULL; return seed ^ (seed >> 29); }
/* A random value below p (top limb below p's). */
static zk_limbs4 random_fq(void) {
    zk_limbs4 a = { rnd(), rnd(), rnd(), rnd() % P[3] };
    return a;
}

/* ---- the product rows alone ---------------------------------------------------------- */

static inline __attribute__((always_inline)) zk_limbs4 product_rows(zk_limbs4 a, zk_limbs4 b) {
    uint64_t r0 = 0, r1 = 0, r2 = 0, r3 = 0, r4 = 0, lo, hi;
#define ROW(B, R0, R1, R2, R3, R4) "movq %[" #B "], %%rdx\n\txorl %k[lo], %k[lo]\n\t" \
    "mulxq %[a0], %[lo], %[hi]\n\tadoxq %[lo], %[" #R0 "]\n\tadcxq %[hi], %[" #R1 "]\n\t" \
    "mulxq %[a1], %[lo], %[hi]\n\tadoxq %[lo], %[" #R1 "]\n\tadcxq %[hi], %[" #R2 "]\n\t" \
    "mulxq %[a2], %[lo], %[hi]\n\tadoxq %[lo], %[" #R2 "]\n\tadcxq %[hi], %[" #R3 "]\n\t" \
    "mulxq %[a3], %[lo], %[hi]\n\tadoxq %[lo], %[" #R3 "]\n\tadcxq %[hi], %[" #R4 "]\n\t" \
    "adoxq %[z], %[" #R4 "]\n\t"
    __asm__(ROW(b0, r0, r1, r2, r3, r4) ROW(b1, r1, r2, r3, r4, r0) ROW(b2, r2, r3, r4, r0, r1) ROW(b3, r3, r4, r0, r1, r2)
        : [r0] "+&r"(r0), [r1] "+&r"(r1), [r2] "+&r"(r2), [r3] "+&r"(r3), [r4] "+&r"(r4), [lo] "=&r"(lo), [hi] "=&r"(hi)
        : [a0] "r"(a.l0), [a1] "r"(a.l1), [a2] "r"(a.l2), [a3] "r"(a.l3),
          [b0] "rm"(b.l0), [b1] "rm"(b.l1), [b2] "rm"(b.l2), [b3] "rm"(b.l3), [z] "m"(zk_zero_word)
        : "rdx", "cc");
#undef ROW
    /* not a field element: a value that depends on every limb, to chain the next call */
    zk_limbs4 r = { r3 ^ r4, r0, r1, r2 & 0x0fffffffffffffffULL };
    return r;
}

/* ---- 512-bit product and Montgomery reduction (lazy Fq2) -------------------------------- */

typedef struct { uint64_t w[8]; } limbs8;

static inline __attribute__((always_inline)) limbs8 mul_wide(zk_limbs4 a, zk_limbs4 b) {
    limbs8 o;
    uint64_t r0 = 0, r1 = 0, r2 = 0, r3 = 0, r4 = 0, lo, hi;
#define ROW(B, R0, R1, R2, R3, R4) "movq %[" #B "], %%rdx\n\txorl %k[" #R4 "], %k[" #R4 "]\n\t" \
    "mulxq %[a0], %[lo], %[hi]\n\tadoxq %[lo], %[" #R0 "]\n\tadcxq %[hi], %[" #R1 "]\n\t" \
    "mulxq %[a1], %[lo], %[hi]\n\tadoxq %[lo], %[" #R1 "]\n\tadcxq %[hi], %[" #R2 "]\n\t" \
    "mulxq %[a2], %[lo], %[hi]\n\tadoxq %[lo], %[" #R2 "]\n\tadcxq %[hi], %[" #R3 "]\n\t" \
    "mulxq %[a3], %[lo], %[hi]\n\tadoxq %[lo], %[" #R3 "]\n\tadcxq %[hi], %[" #R4 "]\n\t" \
    "movl $0, %k[hi]\n\tadoxq %[hi], %[" #R4 "]\n\t"
    /* row i adds a·b_i into five registers whose top one it clears first; the finished
     * low register of each row is stored before it is reused */
    __asm__(ROW(b0, r0, r1, r2, r3, r4) "movq %[r0], %[o0]\n\t"
            ROW(b1, r1, r2, r3, r4, r0) "movq %[r1], %[o1]\n\t"
            ROW(b2, r2, r3, r4, r0, r1) "movq %[r2], %[o2]\n\t"
            ROW(b3, r3, r4, r0, r1, r2)
        : [r0] "+&r"(r0), [r1] "+&r"(r1), [r2] "+&r"(r2), [r3] "+&r"(r3), [r4] "+&r"(r4),
          [lo] "=&r"(lo), [hi] "=&r"(hi), [o0] "=m"(o.w[0]), [o1] "=m"(o.w[1]), [o2] "=m"(o.w[2])
        : [a0] "r"(a.l0), [a1] "r"(a.l1), [a2] "r"(a.l2), [a3] "r"(a.l3),
          [b0] "rm"(b.l0), [b1] "rm"(b.l1), [b2] "rm"(b.l2), [b3] "rm"(b.l3)
        : "rdx", "cc");
#undef ROW
    o.w[3] = r3; o.w[4] = r4; o.w[5] = r0; o.w[6] = r1; o.w[7] = r2;
    return o;
}

/* t·2^-256 mod p for t < p·2^256: the Montgomery quotient of the low half (four reduction
 * rows, as in zk_mont_mul_adx) gives u ≤ p; u + high half < 2p; one conditional subtraction. */
static inline __attribute__((always_inline)) zk_limbs4 redc(limbs8 t) {
    uint64_t r0 = t.w[0], r1 = t.w[1], r2 = t.w[2], r3 = t.w[3], r4 = 0, lo, hi;
#define RED(R0, R1, R2, R3, R4) "movq %[" #R0 "], %%rdx\n\timulq %[inv], %%rdx\n\txorl %k[lo], %k[lo]\n\t" \
    "mulxq %[p0], %[lo], %[hi]\n\tadcxq %[lo], %[" #R0 "]\n\tadoxq %[hi], %[" #R1 "]\n\t" \
    "mulxq %[p1], %[lo], %[hi]\n\tadcxq %[lo], %[" #R1 "]\n\tadoxq %[hi], %[" #R2 "]\n\t" \
    "mulxq %[p2], %[lo], %[hi]\n\tadcxq %[lo], %[" #R2 "]\n\tadoxq %[hi], %[" #R3 "]\n\t" \
    "mulxq %[p3], %[lo], %[hi]\n\tadcxq %[lo], %[" #R3 "]\n\tadoxq %[hi], %[" #R4 "]\n\t" \
    "adcxq %[" #R0 "], %[" #R4 "]\n\t" /* R0 is zero now */
    __asm__(RED(r0, r1, r2, r3, r4) RED(r1, r2, r3, r4, r0) RED(r2, r3, r4, r0, r1) RED(r3, r4, r0, r1, r2)
        "addq %[t4], %[r4]\n\tadcq %[t5], %[r0]\n\tadcq %[t6], %[r1]\n\tadcq %[t7], %[r2]\n\t"
        "movq %[r4], %[lo]\n\tmovq %[r0], %[hi]\n\tmovq %[r1], %[r3]\n\tmovq %[r2], %%rdx\n\t"
        "subq %[p0], %[lo]\n\tsbbq %[p1], %[hi]\n\tsbbq %[p2], %[r3]\n\tsbbq %[p3], %%rdx\n\t"
        "cmovncq %[lo], %[r4]\n\tcmovncq %[hi], %[r0]\n\tcmovncq %[r3], %[r1]\n\tcmovncq %%rdx, %[r2]\n\t"
        : [r0] "+&r"(r0), [r1] "+&r"(r1), [r2] "+&r"(r2), [r3] "+&r"(r3), [r4] "+&r"(r4), [lo] "=&r"(lo), [hi] "=&r"(hi)
        : [t4] "rm"(t.w[4]), [t5] "rm"(t.w[5]), [t6] "rm"(t.w[6]), [t7] "rm"(t.w[7]),
          [p0] "m"(P[0]), [p1] "m"(P[1]), [p2] "m"(P[2]), [p3] "m"(P[3]), [inv] "rm"(PINV)
        : "rdx", "cc");
#undef RED
    zk_limbs4 r = { r4, r0, r1, r2 };
    return r;
}

/* a + b and a − b over 512 bits (one carry or borrow chain; the callers never wrap) */
#define CHAIN8(FIRST, REST) \
    FIRST " %[b0], %[a0]\n\t" REST " %[b1], %[a1]\n\t" REST " %[b2], %[a2]\n\t" REST " %[b3], %[a3]\n\t" \
    REST " %[b4], %[a4]\n\t" REST " %[b5], %[a5]\n\t" REST " %[b6], %[a6]\n\t" REST " %[b7], %[a7]\n\t" \
    : [a0] "+r"(a.w[0]), [a1] "+r"(a.w[1]), [a2] "+r"(a.w[2]), [a3] "+r"(a.w[3]), \
      [a4] "+r"(a.w[4]), [a5] "+r"(a.w[5]), [a6] "+r"(a.w[6]), [a7] "+r"(a.w[7]) \
    : [b0] "m"(b.w[0]), [b1] "m"(b.w[1]), [b2] "m"(b.w[2]), [b3] "m"(b.w[3]), \
      [b4] "m"(b.w[4]), [b5] "m"(b.w[5]), [b6] "m"(b.w[6]), [b7] "m"(b.w[7]) : "cc"
static inline __attribute__((always_inline)) limbs8 add8(limbs8 a, limbs8 b) { __asm__(CHAIN8("addq", "adcq")); return a; }
static inline __attribute__((always_inline)) limbs8 sub8(limbs8 a, limbs8 b) { __asm__(CHAIN8("subq", "sbbq")); return a; }
#undef CHAIN8
/* a + b as plain 256-bit integers (a, b < p < 2^254: no carry out) */
static inline __attribute__((always_inline)) zk_limbs4 add4(zk_limbs4 a, zk_limbs4 b) {
    zk_u128 s;
    s = (zk_u128)a.l0 + b.l0; a.l0 = (uint64_t)s;
    s = (zk_u128)a.l1 + b.l1 + (uint64_t)(s >> 64); a.l1 = (uint64_t)s;
    s = (zk_u128)a.l2 + b.l2 + (uint64_t)(s >> 64); a.l2 = (uint64_t)s;
    a.l3 = a.l3 + b.l3 + (uint64_t)(s >> 64);
    return a;
}
/* p², so that t0 + p² − t1 ≥ 0 for the real part */
static const limbs8 P_SQUARED = {{ 0x3b5458a2275d69b1ULL, 0xa602072d09eac101ULL, 0x4a50189c6d96cadcULL,
    0x04689e957a1242c8ULL, 0x26edfa5c34c6b38dULL, 0xb00b855116375606ULL, 0x599a6f7c0348d21cULL,
    0x0925c4b8763cbf9cULL }};

typedef struct { zk_limbs4 c0, c1; } fq2;

static inline __attribute__((always_inline)) fq2 fq2_karatsuba(fq2 a, fq2 b) {
    zk_limbs4 t0 = zk_mont_mul_adx(a.c0, b.c0, P, PINV), t1 = zk_mont_mul_adx(a.c1, b.c1, P, PINV);
    zk_limbs4 s = zk_mont_mul_adx(zk_mod_add_x86(a.c0, a.c1, P), zk_mod_add_x86(b.c0, b.c1, P), P, PINV);
    fq2 r = { zk_mod_sub_x86(t0, t1, P), zk_mod_sub_x86(zk_mod_sub_x86(s, t0, P), t1, P) };
    return r;
}
static inline __attribute__((always_inline)) fq2 fq2_lazy(fq2 a, fq2 b) {
    limbs8 t0 = mul_wide(a.c0, b.c0), t1 = mul_wide(a.c1, b.c1);
    limbs8 s = mul_wide(add4(a.c0, a.c1), add4(b.c0, b.c1));
    /* real part t0 − t1 + p² < 2p², imaginary s − t0 − t1 = a0b1 + a1b0 < 2p²: both < p·2^256 */
    fq2 r = { redc(sub8(add8(t0, P_SQUARED), t1)), redc(sub8(sub8(s, t0), t1)) };
    return r;
}

/* ---- four products at once in AVX2 ------------------------------------------------------ */

#if defined(__AVX2__)
#include "fq_avx2.h"

/* The same product as v4_mul_fixed (fq_avx2.h), with a rotating accumulator: after each row
 * it shifts down one limb. Which formulation a compiler schedules well differs: gcc 13 keeps
 * this one in registers (about 13 ns per product here, clang 21 about 30 ns), clang the
 * fixed-index one (about 14 ns; gcc about 34 ns). */
static inline __attribute__((always_inline)) v4fe v4_mul_rotating(const v4fe *a, const v4fe *b) {
    const __m256i mask = _mm256_set1_epi64x(M29), mask24 = _mm256_set1_epi64x((1 << 24) - 1);
    const __m256i pi = _mm256_set1_epi64x(pinv29), pi24 = _mm256_set1_epi64x(pinv24);
    __m256i t[9], pv[9];
    for (int j = 0; j < 9; j++) pv[j] = _mm256_set1_epi64x(p29[j]);
    for (int j = 0; j < 9; j++) t[j] = _mm256_mul_epu32(a->l[0], b->l[j]);
    for (int i = 0; i < 9; i++) {
        if (i > 0) for (int j = 0; j < 9; j++) t[j] = _mm256_add_epi64(t[j], _mm256_mul_epu32(a->l[i], b->l[j]));
        __m256i m = i < 8 ? _mm256_and_si256(_mm256_mul_epu32(t[0], pi), mask)
                          : _mm256_and_si256(_mm256_mul_epu32(t[0], pi24), mask24);
        for (int j = 0; j < 9; j++) t[j] = _mm256_add_epi64(t[j], _mm256_mul_epu32(m, pv[j]));
        if (i < 8) {
            __m256i c = _mm256_srli_epi64(t[0], 29);
            t[0] = _mm256_add_epi64(t[1], c);
            for (int j = 1; j < 8; j++) t[j] = t[j + 1];
            t[8] = _mm256_setzero_si256();
        }
    }
    /* normalise the carries, then divide by the last 2^24 */
    for (int j = 0; j < 8; j++) {
        __m256i c = _mm256_srli_epi64(t[j], 29);
        t[j] = _mm256_and_si256(t[j], mask);
        t[j + 1] = _mm256_add_epi64(t[j + 1], c);
    }
    v4fe r;
    for (int j = 0; j < 8; j++)
        r.l[j] = _mm256_or_si256(_mm256_srli_epi64(t[j], 24), _mm256_and_si256(_mm256_slli_epi64(t[j + 1], 5), mask));
    r.l[8] = _mm256_srli_epi64(t[8], 24);
    return r;
}


static int v4_check(void) {
    v4_setup(P, PINV);
    for (int trial = 0; trial < 2000; trial++) {
        zk_limbs4 x[4], y[4];
        uint64_t lx[4][9], ly[4][9];
        v4fe vx, vy;
        for (int l = 0; l < 4; l++) { x[l] = random_fq(); y[l] = random_fq(); to29(x[l], lx[l]); to29(y[l], ly[l]); }
        for (int j = 0; j < 9; j++) {
            vx.l[j] = _mm256_set_epi64x(lx[3][j], lx[2][j], lx[1][j], lx[0][j]);
            vy.l[j] = _mm256_set_epi64x(ly[3][j], ly[2][j], ly[1][j], ly[0][j]);
        }
        v4fe vr = v4_mul_rotating(&vx, &vy), vr2 = v4_mul_fixed(&vx, &vy);
        if (memcmp(&vr, &vr2, sizeof vr)) return 0;
        for (int l = 0; l < 4; l++) {
            uint64_t o[9];
            for (int j = 0; j < 9; j++) { o[j] = ((uint64_t *)&vr.l[j])[l]; if (o[j] >> 29) return 0; }
            zk_limbs4 w = from29(o);
            zk_limbs4 got = zk_reduce_once(w.l0, w.l1, w.l2, w.l3, P[0], P[1], P[2], P[3]);
            zk_limbs4 want = reference_mul(x[l], y[l]);
            if (memcmp(&got, &want, sizeof got)) return 0;
        }
    }
    return 1;
}
#endif

/* ---- timing ------------------------------------------------------------------------------ */

static double best_of(double (*f)(void)) {
    double best = 1e30;
    for (int r = 0; r < REPS; r++) { double t = f(); if (t < best) best = t; }
    return best;
}

static uint64_t sink;
static zk_limbs4 ya, yb, yc, yd;
static fq2 fa, fb, fc;
#if defined(__AVX2__)
static v4fe vx, vy, vz, vu;
#endif

static double t_mont(void) {
    zk_limbs4 a = ya, b = yb, c = yc, d = yd;
    double t0 = now();
    for (long i = 0; i < K; i++) { a = zk_mont_mul_adx(a, b, P, PINV); c = zk_mont_mul_adx(c, b, P, PINV); d = zk_mont_mul_adx(d, b, P, PINV); }
    double t1 = now();
    sink ^= a.l0 ^ c.l1 ^ d.l2;
    return (t1 - t0) / (3.0 * K);
}
static double t_rows(void) {
    zk_limbs4 a = ya, b = yb, c = yc, d = yd;
    double t0 = now();
    for (long i = 0; i < K; i++) { a = product_rows(a, b); c = product_rows(c, b); d = product_rows(d, b); }
    double t1 = now();
    sink ^= a.l0 ^ c.l1 ^ d.l2;
    return (t1 - t0) / (3.0 * K);
}
/* two independent chains of Fq2 products */
#define FQ2_TIMER(NAME, MUL) \
    static double NAME(void) { \
        fq2 a = fa, b = fb, c = fc; \
        double t0 = now(); \
        for (long i = 0; i < K / 4; i++) { a = MUL(a, b); c = MUL(c, b); } \
        double t1 = now(); \
        sink ^= a.c0.l0 ^ c.c1.l1; \
        return (t1 - t0) / (2.0 * (K / 4)); \
    }
FQ2_TIMER(t_fq2_karatsuba, fq2_karatsuba)
FQ2_TIMER(t_fq2_lazy, fq2_lazy)
#undef FQ2_TIMER
#if defined(__AVX2__)
static v4fe v4_random(void) {
    uint64_t l[4][9];
    for (int k = 0; k < 4; k++) to29(random_fq(), l[k]);
    v4fe v;
    for (int j = 0; j < 9; j++) v.l[j] = _mm256_set_epi64x(l[3][j], l[2][j], l[1][j], l[0][j]);
    return v;
}
/* three independent chains of four-lane products; ns per product */
#define V4_TIMER(NAME, MUL) \
    static double NAME(void) { \
        v4fe x = vx, y = vy, z = vz, u = vu; \
        double t0 = now(); \
        for (long i = 0; i < K / 4; i++) { x = MUL(&x, &y); z = MUL(&z, &y); u = MUL(&u, &y); } \
        double t1 = now(); \
        for (int j = 0; j < 9; j++) sink ^= ((uint64_t *)&x.l[j])[0] ^ ((uint64_t *)&z.l[j])[1] ^ ((uint64_t *)&u.l[j])[2]; \
        return (t1 - t0) / (12.0 * (K / 4)); \
    }
V4_TIMER(t_v4_rotating, v4_mul_rotating)
V4_TIMER(t_v4_fixed, v4_mul_fixed)
#undef V4_TIMER
#endif

static double clock_hz(void) {
    uint64_t x = 1, a = 0x123456789abcdefULL;
    const long n = 50000000;
    double t0 = now();
    for (long i = 0; i < n; i++) __asm__ volatile("imulq %1,%0\n\timulq %1,%0\n\timulq %1,%0\n\timulq %1,%0" : "+r"(x) : "r"(a));
    double t1 = now();
    sink ^= x;
    return 4.0 * n * 3 / (t1 - t0);
}

int main(void) {
    if (!__builtin_cpu_supports("bmi2") || !__builtin_cpu_supports("adx")) {
        printf("fq_mul_variants: this CPU lacks BMI2/ADX\n");
        return 0;
    }
    /* Fq2: lazy must equal Karatsuba, including at p − 1 */
    for (int i = 0; i < 100000; i++) {
        fq2 a = { random_fq(), random_fq() }, b = { random_fq(), random_fq() };
        if (i == 0) { a.c0 = (zk_limbs4){ P[0] - 1, P[1], P[2], P[3] }; a.c1 = a.c0; b = a; }
        fq2 x = fq2_karatsuba(a, b), y = fq2_lazy(a, b);
        if (memcmp(&x, &y, sizeof x)) { printf("fq2_lazy: mismatch at trial %d\n", i); return 1; }
    }
#if defined(__AVX2__)
    if (!v4_check()) { printf("avx2_4lane: mismatch against zk_mont_mul_adx\n"); return 1; }
    vx = v4_random(); vy = v4_random(); vz = v4_random(); vu = v4_random();
#endif
    ya = random_fq(); yb = random_fq(); yc = random_fq(); yd = random_fq();
    fa = (fq2){ random_fq(), random_fq() }; fb = (fq2){ random_fq(), random_fq() }; fc = (fq2){ random_fq(), random_fq() };
    const double hz = clock_hz();
    printf("clock_ghz %.2f\n", hz / 1e9);
    double s = best_of(t_mont);
    printf("mont_adx_ns %.2f\nmont_adx_cycles %.1f\n", s * 1e9, s * hz);
    s = best_of(t_rows);
    printf("product_rows_cycles %.1f\n", s * hz);
#if defined(__AVX2__)
    printf("avx2_4lane_rotating_ns %.2f\n", best_of(t_v4_rotating) * 1e9);
    printf("avx2_4lane_fixed_ns %.2f\n", best_of(t_v4_fixed) * 1e9);
#endif
    printf("fq2_karatsuba_ns %.2f\n", best_of(t_fq2_karatsuba) * 1e9);
    printf("fq2_lazy_ns %.2f\n", best_of(t_fq2_lazy) * 1e9);
    printf("checksum %016llx\n", (unsigned long long)sink);
    return 0;
}
#endif
