/*
 * batch_affine_avx2.c -- the MSM's batched affine bucket additions (Montgomery's trick: one
 * inversion per batch, then λ = Δy/Δx, x3 = λ² − x1 − x2, y3 = λ(x1 − x3) − y1), written twice:
 * with zkshard's scalar MULX/ADX kernels, and four additions at a time in AVX2 (radix 2^29,
 * values kept below 2p between operations, converted from and to 4×64-bit limbs at the
 * buckets). Both update the same random buckets from the same random operands; the buckets
 * must agree byte for byte after every batch. Coordinates are random field elements, not
 * curve points: the formulas and their cost do not depend on that.
 *
 * A third version interleaves one four-lane group with S scalar additions in every step, so
 * that the vector and the integer multipliers could work at once (S = 1…6); its buckets are
 * compared with the scalar version's the same way.
 *
 * Output: ns per addition for each, one Fermat inversion per batch of 512 included.
 * Build: cc -O3 -march=native -I<CFieldKernels/include> batch_affine_avx2.c
 */
#define _POSIX_C_SOURCE 200112L
#if defined(__AVX2__) && defined(__BMI2__) && defined(__ADX__)
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "field_kernels.h"
#include "fq_avx2.h"
int zk_has_adx = 1;
static const uint64_t *P = zk_bn254_fq_modulus;
static const uint64_t PINV = 0x87d20782e4866389ULL;
static uint64_t sub2p_bias[9][4] __attribute__((aligned(32)));  /* 2p, limbs biased so that a−b+bias ≥ 0 */
static uint64_t neg2p_bias[9][4] __attribute__((aligned(32)));  /* −2p (+ bias) for the conditional subtraction */
static uint64_t negp_bias[9][4] __attribute__((aligned(32)));
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static uint64_t seed=7; static uint64_t rnd(void){ seed = seed*6364136223846793005ULL+1442695040888963407ULL; return seed ^ (seed>>29);}
static zk_limbs4 rfe(void){ zk_limbs4 a={rnd(),rnd(),rnd(),rnd()%P[3]}; return a; }
#define LD(x) _mm256_load_si256((const __m256i *)(x))

/* t (limbs non-negative, value < 2^30·…) normalised; then t − q if that is ≥ 0, with q given as
 * biased negative limbs (−q + bias): result < q when t < 2q. */
static inline __attribute__((always_inline)) v4fe vnorm_sub(__m256i t[9], uint64_t nq[9][4]) {
    const __m256i mask = _mm256_set1_epi64x(M29);
    __m256i u[9];
#pragma clang loop unroll(full)
    for (int j = 0; j < 8; j++) { __m256i c = _mm256_srli_epi64(t[j], 29); t[j] = _mm256_and_si256(t[j], mask); t[j + 1] = _mm256_add_epi64(t[j + 1], c); }
#pragma clang loop unroll(full)
    for (int j = 0; j < 9; j++) u[j] = _mm256_add_epi64(t[j], LD(nq[j]));
#pragma clang loop unroll(full)
    for (int j = 0; j < 8; j++) { __m256i c = _mm256_srli_epi64(u[j], 29); u[j] = _mm256_and_si256(u[j], mask); u[j + 1] = _mm256_add_epi64(u[j + 1], c); }
    /* top limb of u: (t − q)'s top plus the bias's top (−1 per borrowed …): negative iff t < q */
    __m256i neg = _mm256_cmpgt_epi64(_mm256_setzero_si256(), u[8]);
    v4fe r;
#pragma clang loop unroll(full)
    for (int j = 0; j < 9; j++) r.l[j] = _mm256_blendv_epi8(u[j], t[j], neg);
    return r;
}
static inline __attribute__((always_inline)) v4fe vsub(const v4fe *a, const v4fe *b) {  /* a − b mod, inputs < 2p, out < 2p */
    __m256i t[9];
#pragma clang loop unroll(full)
    for (int j = 0; j < 9; j++) t[j] = _mm256_add_epi64(_mm256_sub_epi64(a->l[j], b->l[j]), LD(sub2p_bias[j]));
    return vnorm_sub(t, neg2p_bias);
}
static inline __attribute__((always_inline)) v4fe vadd(const v4fe *a, const v4fe *b) {
    __m256i t[9];
#pragma clang loop unroll(full)
    for (int j = 0; j < 9; j++) t[j] = _mm256_add_epi64(a->l[j], b->l[j]);
    return vnorm_sub(t, neg2p_bias);
}
/* gather 4 field elements (32 bytes each) into limb form */
static inline __attribute__((always_inline)) v4fe vload4(const uint64_t *e0, const uint64_t *e1, const uint64_t *e2, const uint64_t *e3) {
    __m256i r0 = _mm256_loadu_si256((const __m256i *)e0), r1 = _mm256_loadu_si256((const __m256i *)e1);
    __m256i r2 = _mm256_loadu_si256((const __m256i *)e2), r3 = _mm256_loadu_si256((const __m256i *)e3);
    __m256i t0 = _mm256_unpacklo_epi64(r0, r1), t1 = _mm256_unpackhi_epi64(r0, r1);
    __m256i t2 = _mm256_unpacklo_epi64(r2, r3), t3 = _mm256_unpackhi_epi64(r2, r3);
    __m256i w0 = _mm256_permute2x128_si256(t0, t2, 0x20), w1 = _mm256_permute2x128_si256(t1, t3, 0x20);
    __m256i w2 = _mm256_permute2x128_si256(t0, t2, 0x31), w3 = _mm256_permute2x128_si256(t1, t3, 0x31);
    const __m256i m = _mm256_set1_epi64x(M29);
    v4fe v;
    v.l[0] = _mm256_and_si256(w0, m);
    v.l[1] = _mm256_and_si256(_mm256_srli_epi64(w0, 29), m);
    v.l[2] = _mm256_and_si256(_mm256_or_si256(_mm256_srli_epi64(w0, 58), _mm256_slli_epi64(w1, 6)), m);
    v.l[3] = _mm256_and_si256(_mm256_srli_epi64(w1, 23), m);
    v.l[4] = _mm256_and_si256(_mm256_or_si256(_mm256_srli_epi64(w1, 52), _mm256_slli_epi64(w2, 12)), m);
    v.l[5] = _mm256_and_si256(_mm256_srli_epi64(w2, 17), m);
    v.l[6] = _mm256_and_si256(_mm256_or_si256(_mm256_srli_epi64(w2, 46), _mm256_slli_epi64(w3, 18)), m);
    v.l[7] = _mm256_and_si256(_mm256_srli_epi64(w3, 11), m);
    v.l[8] = _mm256_srli_epi64(w3, 40);
    return v;
}
/* canonical (< p) and scattered back */
static inline __attribute__((always_inline)) void vstore4(v4fe v, uint64_t *e0, uint64_t *e1, uint64_t *e2, uint64_t *e3) {
    v = vnorm_sub(v.l, negp_bias);
    __m256i w0 = _mm256_or_si256(_mm256_or_si256(v.l[0], _mm256_slli_epi64(v.l[1], 29)), _mm256_slli_epi64(v.l[2], 58));
    __m256i w1 = _mm256_or_si256(_mm256_or_si256(_mm256_srli_epi64(v.l[2], 6), _mm256_slli_epi64(v.l[3], 23)), _mm256_slli_epi64(v.l[4], 52));
    __m256i w2 = _mm256_or_si256(_mm256_or_si256(_mm256_srli_epi64(v.l[4], 12), _mm256_slli_epi64(v.l[5], 17)), _mm256_slli_epi64(v.l[6], 46));
    __m256i w3 = _mm256_or_si256(_mm256_or_si256(_mm256_srli_epi64(v.l[6], 18), _mm256_slli_epi64(v.l[7], 11)), _mm256_slli_epi64(v.l[8], 40));
    __m256i t0 = _mm256_unpacklo_epi64(w0, w1), t1 = _mm256_unpackhi_epi64(w0, w1);
    __m256i t2 = _mm256_unpacklo_epi64(w2, w3), t3 = _mm256_unpackhi_epi64(w2, w3);
    _mm256_storeu_si256((__m256i *)e0, _mm256_permute2x128_si256(t0, t2, 0x20));
    _mm256_storeu_si256((__m256i *)e1, _mm256_permute2x128_si256(t1, t3, 0x20));
    _mm256_storeu_si256((__m256i *)e2, _mm256_permute2x128_si256(t0, t2, 0x31));
    _mm256_storeu_si256((__m256i *)e3, _mm256_permute2x128_si256(t1, t3, 0x31));
}
static void setup_consts(void) {
    v4_setup(P, PINV);
    /* 2p in 29-bit limbs (2p < 2^255: limb 8 up to 2^24) */
    int64_t p2[9]; uint64_t c=0; for(int j=0;j<9;j++){ uint64_t v=2*p29[j]+c; p2[j]=v&M29; c=v>>29; }
    /* bias: add 2^29 to limbs 0..7 as borrowed from the next: +2^29 at j, −1 at j+1 */
    int64_t b2[9]; for(int j=0;j<9;j++) b2[j]=p2[j]+(j<8?(1LL<<29):0)-(j>0?1:0);
    int64_t n2[9]; for(int j=0;j<9;j++) n2[j]=-p2[j]+(j<8?(1LL<<29):0)-(j>0?1:0);
    int64_t np[9]; for(int j=0;j<9;j++) np[j]=-(int64_t)p29[j]+(j<8?(1LL<<29):0)-(j>0?1:0);
    for(int j=0;j<9;j++) for(int l=0;l<4;l++){ sub2p_bias[j][l]=(uint64_t)b2[j]; neg2p_bias[j][l]=(uint64_t)n2[j]; negp_bias[j][l]=(uint64_t)np[j]; }
}
/* ---- scalar reference batch: the same algorithm as BatchAffineBuckets.applyQueue ---- */
static inline zk_limbs4 mm(zk_limbs4 a, zk_limbs4 b){ return zk_mont_mul_adx(a,b,P,PINV); }
static inline zk_limbs4 ms(zk_limbs4 a, zk_limbs4 b){ return zk_mod_sub_x86(a,b,P); }
static inline zk_limbs4 ma(zk_limbs4 a, zk_limbs4 b){ return zk_mod_add_x86(a,b,P); }
static zk_limbs4 inv_fermat(zk_limbs4 a){ /* a^(p-2), Montgomery */
  uint64_t e[4]={P[0]-2,P[1],P[2],P[3]}; zk_limbs4 r={0xd35d438dc58f0d9dULL,0x0a78eb28f5c70b3dULL,0x666ea36f7879462cULL,0x0e0a77c19a07df2fULL}; /* R mod p */
  for(int i=255;i>=0;i--){ r=mm(r,r); if((e[i/64]>>(i%64))&1) r=mm(r,a);} return r; }
typedef struct { zk_limbs4 x, y; } pt;
static inline zk_limbs4 one_mont(void){ zk_limbs4 r={0xd35d438dc58f0d9dULL,0x0a78eb28f5c70b3dULL,0x666ea36f7879462cULL,0x0e0a77c19a07df2fULL}; return r; }
/* B ← B + (x2, ±y2) given 1/(x2 − x1); for −y2, λ' = (y2 + y1)/(x2 − x1) = −λ and y3 = λ'(x3 − x1) − y1 */
static inline __attribute__((always_inline)) void scalar_apply(pt *b, const pt *s, uint8_t neg, zk_limbs4 di) {
  zk_limbs4 x1=b->x,y1=b->y,x2=s->x,y2=s->y;
  zk_limbs4 lam = neg? mm(ma(y2,y1),di) : mm(ms(y2,y1),di);
  zk_limbs4 x3 = ms(ms(mm(lam,lam),x1),x2);
  zk_limbs4 y3 = neg? ms(mm(lam,ms(x3,x1)),y1) : ms(mm(lam,ms(x1,x3)),y1);
  b->x=x3; b->y=y3;
}
static void batch_scalar(int k, pt **bk, pt **src, const uint8_t *neg, zk_limbs4 *den, zk_limbs4 *pre) {
  zk_limbs4 acc=one_mont();
  for(int i=0;i<k;i++){ den[i]=ms(src[i]->x,bk[i]->x); pre[i]=acc; acc=mm(acc,den[i]); }
  zk_limbs4 inv=inv_fermat(acc);
  for(int i=k-1;i>=0;i--){ zk_limbs4 di=mm(inv,pre[i]); inv=mm(inv,den[i]); scalar_apply(bk[i],src[i],neg[i],di); }
}
/* Each step does one vector group (4 additions) and S scalar additions, so that the vector and
 * integer multipliers can work at once; S = 0 is the plain four-lane batch. Entries [0, 4G)
 * go to the vector lanes, [4G, 4G + S·G) to the scalar chain. */
static void batch_hybrid(int G, int S, pt **bk, pt **src, const uint8_t *neg, v4fe *den, v4fe *pre, zk_limbs4 *sden, zk_limbs4 *spre) {
  zk_limbs4 sacc=one_mont();
  v4fe acc=vload4(&sacc.l0,&sacc.l0,&sacc.l0,&sacc.l0);
  pt **sbk=bk+4*G, **ssrc=src+4*G; const uint8_t *sneg=neg+4*G;
  for(int q=0;q<G;q++){ pt **b=bk+4*q, **s=src+4*q;
    v4fe x1=vload4(&b[0]->x.l0,&b[1]->x.l0,&b[2]->x.l0,&b[3]->x.l0), x2=vload4(&s[0]->x.l0,&s[1]->x.l0,&s[2]->x.l0,&s[3]->x.l0);
    den[q]=vsub(&x2,&x1); pre[q]=acc; acc=v4_mul_fixed(&acc,&den[q]);
    for(int u=0;u<S;u++){ int i=q*S+u; sden[i]=ms(ssrc[i]->x,sbk[i]->x); spre[i]=sacc; sacc=mm(sacc,sden[i]); }
  }
  uint64_t tmp[4][4]; vstore4(acc,tmp[0],tmp[1],tmp[2],tmp[3]);
  zk_limbs4 a0={tmp[0][0],tmp[0][1],tmp[0][2],tmp[0][3]},a1={tmp[1][0],tmp[1][1],tmp[1][2],tmp[1][3]},a2={tmp[2][0],tmp[2][1],tmp[2][2],tmp[2][3]},a3={tmp[3][0],tmp[3][1],tmp[3][2],tmp[3][3]};
  zk_limbs4 a01=mm(a0,a1),a23=mm(a2,a3),a03=mm(a01,a23),all=inv_fermat(mm(a03,sacc));
  zk_limbs4 sinv=mm(all,a03), i03=mm(all,sacc);
  zk_limbs4 i01=mm(i03,a23), i23=mm(i03,a01);
  zk_limbs4 i0=mm(i01,a1),i1=mm(i01,a0),i2=mm(i23,a3),i3=mm(i23,a2);
  v4fe inv=vload4(&i0.l0,&i1.l0,&i2.l0,&i3.l0);
  const __m256i zero=_mm256_setzero_si256();
  for(int q=G-1;q>=0;q--){ pt **b=bk+4*q, **s=src+4*q; const uint8_t *n=neg+4*q;
    v4fe di=v4_mul_fixed(&inv,&pre[q]); inv=v4_mul_fixed(&inv,&den[q]);
    v4fe x1=vload4(&b[0]->x.l0,&b[1]->x.l0,&b[2]->x.l0,&b[3]->x.l0), y1=vload4(&b[0]->y.l0,&b[1]->y.l0,&b[2]->y.l0,&b[3]->y.l0);
    v4fe x2=vload4(&s[0]->x.l0,&s[1]->x.l0,&s[2]->x.l0,&s[3]->x.l0), y2=vload4(&s[0]->y.l0,&s[1]->y.l0,&s[2]->y.l0,&s[3]->y.l0);
    __m256i nm=_mm256_cmpgt_epi64(_mm256_set_epi64x(n[3],n[2],n[1],n[0]),zero);
    v4fe zy; for(int j=0;j<9;j++) zy.l[j]=zero;
    v4fe ny=vsub(&zy,&y2); for(int j=0;j<9;j++) y2.l[j]=_mm256_blendv_epi8(y2.l[j],ny.l[j],nm);
    v4fe dy=vsub(&y2,&y1), lam=v4_mul_fixed(&dy,&di);
    for(int u=S-1;u>=0;u--){ int i=q*S+u;
      zk_limbs4 dd=mm(sinv,spre[i]); sinv=mm(sinv,sden[i]); scalar_apply(sbk[i],ssrc[i],sneg[i],dd); }
    v4fe l2=v4_mul_fixed(&lam,&lam);
    v4fe t=vsub(&l2,&x1), x3=vsub(&t,&x2), d13=vsub(&x1,&x3), m=v4_mul_fixed(&lam,&d13), y3=vsub(&m,&y1);
    vstore4(x3,&b[0]->x.l0,&b[1]->x.l0,&b[2]->x.l0,&b[3]->x.l0); vstore4(y3,&b[0]->y.l0,&b[1]->y.l0,&b[2]->y.l0,&b[3]->y.l0);
  }
}
int main(){
  setup_consts();
  const int NB=4096, K=512, ROUNDS=400;
  /* points: random field elements as coordinates (the formulas don't need curve points for timing/equality) */
  pt *buckA=aligned_alloc(64,NB*sizeof(pt)), *buckB=aligned_alloc(64,NB*sizeof(pt)); int NP=1<<17; pt *pts=aligned_alloc(64,NP*sizeof(pt));
  for(int i=0;i<NB;i++){ buckA[i].x=rfe(); buckA[i].y=rfe(); } memcpy(buckB,buckA,NB*sizeof(pt));
  for(int i=0;i<NP;i++){ pts[i].x=rfe(); pts[i].y=rfe(); }
  pt **bkA=malloc(K*sizeof(pt*)), **bkB=malloc(K*sizeof(pt*)), **sr=malloc(K*sizeof(pt*)); uint8_t *ng=malloc(K);
  zk_limbs4 *den=malloc(K*sizeof(zk_limbs4)), *pre=malloc(K*sizeof(zk_limbs4));
  v4fe *vden=aligned_alloc(32,K/4*sizeof(v4fe)), *vpre=aligned_alloc(32,K/4*sizeof(v4fe));
  /* equality check over several batches: distinct buckets per batch */
  double ts=0, tv=0; int pidx=0;
  for(int r=0;r<ROUNDS;r++){
    int start=(int)(rnd()%(NB-K));
    for(int i=0;i<K;i++){ int bi=(start+i*7)%NB; /* distinct: 7 coprime to 4096 and K<NB */ bkA[i]=&buckA[bi]; bkB[i]=&buckB[bi]; sr[i]=&pts[pidx]; pidx=(pidx+1)%NP; ng[i]=rnd()&1; }
    double t0=now(); batch_scalar(K,bkA,sr,ng,den,pre); double t1=now(); batch_hybrid(K/4,0,bkB,sr,ng,vden,vpre,NULL,NULL); double t2=now();
    ts+=t1-t0; tv+=t2-t1;
    if (memcmp(buckA,buckB,NB*sizeof(pt))) { printf("MISMATCH round %d\n", r); return 1; }
  }
  printf("batch_affine_scalar_ns %.1f\nbatch_affine_avx2_ns %.1f\n", ts*1e9/(ROUNDS*K), tv*1e9/(ROUNDS*K));
  for (int S=1; S<=6; S++) {
    int G = K/(4+S), KK = G*(4+S);
    zk_limbs4 *sden=malloc(K*sizeof(zk_limbs4)), *spre=malloc(K*sizeof(zk_limbs4));
    double th=0, tsc=0;
    for(int r=0;r<ROUNDS;r++){
      int start=(int)(rnd()%(NB-K));
      for(int i=0;i<KK;i++){ int bi=(start+i*7)%NB; bkA[i]=&buckA[bi]; bkB[i]=&buckB[bi]; sr[i]=&pts[pidx]; pidx=(pidx+1)%NP; ng[i]=rnd()&1; }
      double t0=now(); batch_scalar(KK,bkA,sr,ng,den,pre); double t1=now(); batch_hybrid(G,S,bkB,sr,ng,vden,vpre,sden,spre); double t2=now();
      tsc+=t1-t0; th+=t2-t1;
      if (memcmp(buckA,buckB,NB*sizeof(pt))) { printf("hybrid MISMATCH S=%d round %d\n", S, r); return 1; }
    }
    printf("batch_affine_hybrid_s%d_ns %.1f (scalar in the same rounds %.1f)\n", S, th*1e9/(ROUNDS*KK), tsc*1e9/(ROUNDS*KK));
    free(sden); free(spre);
  }
  return 0;
  printf("ok: scalar %.1f ns/add, vector %.1f ns/add (incl. one Fermat inversion per batch)\n", ts*1e9/(ROUNDS*K), tv*1e9/(ROUNDS*K));
}
#else
#include <stdio.h>
int main(void) { printf("batch_affine_avx2: needs x86-64 with AVX2, BMI2 and ADX (build with -march=native)\n"); return 0; }
#endif
