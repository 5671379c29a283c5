#include "gemm_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

static int zk_avx2 = 0;

/* Decide once, before main; __builtin_cpu_supports also checks that the OS saves ymm state. */
__attribute__((constructor)) static void zk_gemm_detect_cpu(void) {
    __builtin_cpu_init();
    zk_avx2 = __builtin_cpu_supports("avx2");
}

int zk_gemm_cpu_has_avx2(void) { return zk_avx2; }

#define ZK_AVX2 __attribute__((target("avx2")))
#define ZK_ALWAYS_INLINE static inline __attribute__((always_inline))

/* The register tile: ROWS x 16 int32 in 2*ROWS ymm accumulators (12 for 6 rows), two B
 * vectors and one broadcast A word per step, 15 of the 16 ymm registers. ROWS is a
 * constant after inlining, so the loops below unroll into straight-line code. */
ZK_ALWAYS_INLINE ZK_AVX2 void zk_tile(const int ROWS, const int32_t *a, const int32_t *b,
                                       intptr_t pairs, int32_t *tile) {
    __m256i c0[ZK_GEMM_MR], c1[ZK_GEMM_MR];
    for (int i = 0; i < ROWS; i++) { c0[i] = _mm256_setzero_si256(); c1[i] = _mm256_setzero_si256(); }
    for (intptr_t q = 0; q < pairs; q++) {
        const __m256i b0 = _mm256_loadu_si256((const __m256i *)b);
        const __m256i b1 = _mm256_loadu_si256((const __m256i *)(b + 8));
        for (int i = 0; i < ROWS; i++) {
            const __m256i ai = _mm256_set1_epi32(a[i]);
            c0[i] = _mm256_add_epi32(c0[i], _mm256_madd_epi16(ai, b0));
            c1[i] = _mm256_add_epi32(c1[i], _mm256_madd_epi16(ai, b1));
        }
        a += ROWS; b += ZK_GEMM_NR;
    }
    for (int i = 0; i < ROWS; i++) {
        _mm256_storeu_si256((__m256i *)(tile + i * ZK_GEMM_NR), c0[i]);
        _mm256_storeu_si256((__m256i *)(tile + i * ZK_GEMM_NR + 8), c1[i]);
    }
}

ZK_AVX2 void zk_gemm_tile_avx2(int rows, const int32_t *a, const int32_t *b, intptr_t pairs, int32_t *tile) {
    switch (rows) {
    case 1: zk_tile(1, a, b, pairs, tile); break;
    case 2: zk_tile(2, a, b, pairs, tile); break;
    case 3: zk_tile(3, a, b, pairs, tile); break;
    case 4: zk_tile(4, a, b, pairs, tile); break;
    case 5: zk_tile(5, a, b, pairs, tile); break;
    default: zk_tile(6, a, b, pairs, tile); break;
    }
}

/* v ^ (v >> 63) of one value: v for v >= 0, |v| - 1 for v < 0. */
ZK_ALWAYS_INLINE uint64_t zk_magnitude(int64_t v) { return (uint64_t)(v ^ (v >> 63)); }

/* One row of a group: 16 values (8 pairs) per step, narrowed with PACKSSDW (which only
 * differs from truncation for values beyond int16, when the packing is discarded anyway). */
ZK_ALWAYS_INLINE ZK_AVX2 uint64_t zk_pack_row(const int64_t *row, intptr_t k, int32_t *d, intptr_t step) {
    const intptr_t full = k / 2;
    const __m256i zero = _mm256_setzero_si256();
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    __m256i bits = zero;
    intptr_t q = 0;
    for (; q + 8 <= full; q += 8) {
        const int64_t *s = row + 2 * q;
        const __m256i v0 = _mm256_loadu_si256((const __m256i *)s);
        const __m256i v1 = _mm256_loadu_si256((const __m256i *)(s + 4));
        const __m256i v2 = _mm256_loadu_si256((const __m256i *)(s + 8));
        const __m256i v3 = _mm256_loadu_si256((const __m256i *)(s + 12));
        bits = _mm256_or_si256(bits, _mm256_xor_si256(v0, _mm256_cmpgt_epi64(zero, v0)));
        bits = _mm256_or_si256(bits, _mm256_xor_si256(v1, _mm256_cmpgt_epi64(zero, v1)));
        bits = _mm256_or_si256(bits, _mm256_xor_si256(v2, _mm256_cmpgt_epi64(zero, v2)));
        bits = _mm256_or_si256(bits, _mm256_xor_si256(v3, _mm256_cmpgt_epi64(zero, v3)));
        /* Low dwords, per 128-bit lane: values 0 1 4 5 | 2 3 6 7 and 8 9 12 13 | 10 11 14 15. */
        const __m256i lo01 = _mm256_castps_si256(_mm256_shuffle_ps(_mm256_castsi256_ps(v0), _mm256_castsi256_ps(v1), 0x88));
        const __m256i lo23 = _mm256_castps_si256(_mm256_shuffle_ps(_mm256_castsi256_ps(v2), _mm256_castsi256_ps(v3), 0x88));
        /* int16 pairs as words: (0,1) (4,5) (8,9) (12,13) | (2,3) (6,7) (10,11) (14,15), then in order. */
        const __m256i words = _mm256_permutevar8x32_epi32(_mm256_packs_epi32(lo01, lo23), order);
        int32_t w[8];
        _mm256_storeu_si256((__m256i *)w, words);
        int32_t *o = d + q * step;
        o[0] = w[0]; o[step] = w[1]; o[2 * step] = w[2]; o[3 * step] = w[3];
        o[4 * step] = w[4]; o[5 * step] = w[5]; o[6 * step] = w[6]; o[7 * step] = w[7];
    }
    uint64_t lanes[4];
    _mm256_storeu_si256((__m256i *)lanes, bits);
    uint64_t b = lanes[0] | lanes[1] | lanes[2] | lanes[3];
    for (; q < full; q++) {
        const int64_t v0 = row[2 * q], v1 = row[2 * q + 1];
        b |= zk_magnitude(v0) | zk_magnitude(v1);
        d[q * step] = (int32_t)(((uint32_t)v0 & 0xFFFF) | ((uint32_t)v1 << 16));
    }
    if (full * 2 < k) {
        const int64_t v0 = row[k - 1];
        b |= zk_magnitude(v0);
        d[full * step] = (int32_t)((uint32_t)v0 & 0xFFFF);
    }
    return b;
}

ZK_AVX2 uint64_t zk_gemm_pack_a_i64_avx2(const int64_t *src, intptr_t rows, intptr_t k, intptr_t ld, int32_t *dst) {
    const intptr_t pairs = (k + 1) / 2;
    uint64_t bits = 0;
    for (intptr_t g0 = 0; g0 < rows; g0 += ZK_GEMM_MR) {
        const intptr_t r = rows - g0 < ZK_GEMM_MR ? rows - g0 : ZK_GEMM_MR;
        for (intptr_t i = 0; i < r; i++)
            bits |= zk_pack_row(src + (g0 + i) * ld, k, dst + g0 * pairs + i, r);
    }
    return bits;
}

#else
int zk_gemm_cpu_has_avx2(void) { return 0; }
uint64_t zk_gemm_pack_a_i64_avx2(const int64_t *src, intptr_t rows, intptr_t k, intptr_t ld, int32_t *dst) {
    (void)src; (void)rows; (void)k; (void)ld; (void)dst;
    return ~(uint64_t)0;
}
void zk_gemm_tile_avx2(int rows, const int32_t *a, const int32_t *b, intptr_t pairs, int32_t *tile) {
    (void)rows; (void)a; (void)b; (void)pairs; (void)tile;
}
#endif
