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

#else
int zk_gemm_cpu_has_avx2(void) { return 0; }
void zk_gemm_tile_avx2(int rows, const int32_t *a, const int32_t *b, intptr_t pairs, int32_t *tile) {
    (void)rows; (void)a; (void)b; (void)pairs; (void)tile;
}
#endif
