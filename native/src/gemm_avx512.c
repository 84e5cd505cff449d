/* sgemm for x86-64 with AVX-512F: a 12 x 32 micro-tile (24 zmm accumulators, two B vectors, A broadcast). */
#include "kernels.h"
#if defined(__x86_64__)
#include <immintrin.h>
#include "isa.h"
ISA_BEGIN("avx512f,avx512vl,avx512dq,avx2,fma")

#define MR 12
#define NR 32
#define KC 384
#define MC 144
#ifndef DIRECT_B_ROWS
#define DIRECT_B_ROWS 20 /* at most this many rows of C: op(B) read in place, not packed (measured: faster up to 20) */
#endif
#define NC 2048
#define GEMM_FN sgemm_avx512
#define WORK_FN work_bytes_avx512
#define MADD(a, b, c) __builtin_fmaf((a), (b), (c))

/*
 * A's element (row r, depth k) of a tile is pa[k * ak + r * ar]: a packed micro-panel (ak = MR, ar = 1)
 * or A's rows read in place (ak = 1, ar = lda).
 */

/* acc[r][0] += A[r] B[:, 0:16) for the first R rows, over kc steps (`masked`: columns past mask m not read). */
static inline __attribute__((always_inline)) void sum16(const int R, int kc, const float *pa, int ak, int ar,
  const float *pb, int bstep, __mmask16 m, int masked, __m512 acc[MR][2]) {
  for (int k = 0; k < kc; k++, pa += ak, pb += bstep) {
    __m512 b0 = masked ? _mm512_maskz_loadu_ps(m, pb) : _mm512_loadu_ps(pb);
#pragma GCC unroll 12
    for (int r = 0; r < R; r++) acc[r][0] = _mm512_fmadd_ps(_mm512_set1_ps(pa[r * ar]), b0, acc[r][0]);
  }
}

/* acc[r][0..1] += A[r] B[:, 0:32) for the first R rows, over kc steps (`masked`: columns 16-31 read through m1). */
static inline __attribute__((always_inline)) void sum32(const int R, int kc, const float *pa, int ak, int ar,
  const float *pb, int bstep, __mmask16 m1, int masked, __m512 acc[MR][2]) {
  for (int k = 0; k < kc; k++, pa += ak, pb += bstep) {
    __m512 b0 = _mm512_loadu_ps(pb), b1 = masked ? _mm512_maskz_loadu_ps(m1, pb + 16) : _mm512_loadu_ps(pb + 16);
#pragma GCC unroll 12
    for (int r = 0; r < R; r++) {
      __m512 a = _mm512_set1_ps(pa[r * ar]);
      acc[r][0] = _mm512_fmadd_ps(a, b0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(a, b1, acc[r][1]);
    }
  }
}

/*
 * C = alpha * Apanel Bpanel + beta * C on the first mr rows and nr columns of a tile (C is not
 * read when beta is 0), through masks, so corner tiles need no tile aside; tiles at most 16 wide
 * skip the second column vector. C's rows are fetched first, to arrive while the products are summed.
 * B's rows are `bstep` floats apart: NR in a packed panel, or ldb straight from op(B) (columns past
 * nr are then not read).
 */
static inline __attribute__((always_inline)) void tile(const int R, int kc, const float *pa, int ak, int ar,
  const float *pb, int bstep, float *c, int ldc, float alpha, float beta, int mr, int nr) {
  __mmask16 mask[2] = {nr >= 16 ? 0xffff : (__mmask16)((1u << nr) - 1),
    nr >= 32 ? 0xffff : nr > 16 ? (__mmask16)((1u << (nr - 16)) - 1) : 0};
  __m512 acc[MR][2];
  for (int r = 0; r < R; r++) {
    acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    if (r < mr) {
      __builtin_prefetch(c + (size_t)r * ldc, 1, 3);
      __builtin_prefetch(c + (size_t)r * ldc + 16, 1, 3);
    }
  }
  /* One loop per case, so no branch or mask choice sits in a loop (that spilled the accumulators). */
  if (nr <= 16 && bstep == NR) sum16(R, kc, pa, ak, ar, pb, NR, 0xffff, 0, acc); /* a packed panel is zero-padded */
  else if (nr <= 16) sum16(R, kc, pa, ak, ar, pb, bstep, mask[0], 1, acc);
  else if (nr < 32) sum32(R, kc, pa, ak, ar, pb, bstep, mask[1], 1, acc);
  else sum32(R, kc, pa, ak, ar, pb, bstep, 0xffff, 0, acc);
  __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  /* All MR rows, each guarded: a loop bounded by mr would keep the accumulators in memory. */
#pragma GCC unroll 12
  for (int r = 0; r < R; r++, c += ldc) {
#pragma GCC unroll 2
    for (int h = 0; h < 2; h++) {
      if (r >= mr || !mask[h]) continue;
      __m512 t = _mm512_mul_ps(va, acc[r][h]);
      if (beta != 0) t = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mask[h], c + 16 * h), t);
      _mm512_mask_storeu_ps(c + 16 * h, mask[h], t);
    }
  }
}

static void micro(int kc, const float *pa, const float *pb, float *c, int ldc, float alpha, float beta) {
  tile(MR, kc, pa, MR, 1, pb, NR, c, ldc, alpha, beta, MR, NR);
}

/* A corner tile: rows past mr of the A panel are zeros, so a short edge sums 4 or 8 rows, not all 12. */
static inline __attribute__((always_inline)) void corner(int kc, const float *pa, const float *pb, int bstep, float *c,
  int ldc, float alpha, float beta, int mr, int nr) {
  if (mr <= 4) tile(4, kc, pa, MR, 1, pb, bstep, c, ldc, alpha, beta, mr, nr);
  else if (mr <= 8) tile(8, kc, pa, MR, 1, pb, bstep, c, ldc, alpha, beta, mr, nr);
  else tile(MR, kc, pa, MR, 1, pb, bstep, c, ldc, alpha, beta, mr, nr);
}

#define MICRO_EDGE
static void micro_edge(int kc, const float *pa, const float *pb, float *c, int ldc, float alpha, float beta, int mr, int nr) {
  corner(kc, pa, pb, NR, c, ldc, alpha, beta, mr, nr);
}

#define MICRO_DIRECT_B
static void micro_direct(int kc, const float *pa, const float *b, int ldb, float *c, int ldc, float alpha, float beta,
  int mr, int nr) {
  if (mr == MR && nr == NR) tile(MR, kc, pa, MR, 1, b, ldb, c, ldc, alpha, beta, MR, NR);
  else corner(kc, pa, b, ldb, c, ldc, alpha, beta, mr, nr);
}

/* A full MR-row tile whose A rows are read in place (lda apart) rather than from a packed panel; any nr. */
#define MICRO_DIRECT_A
static void micro_rows(int kc, const float *a, int lda, const float *pb, float *c, int ldc, float alpha, float beta, int nr) {
  if (nr == NR) tile(MR, kc, a, 1, lda, pb, NR, c, ldc, alpha, beta, MR, NR);
  else tile(MR, kc, a, 1, lda, pb, NR, c, ldc, alpha, beta, MR, nr);
}

#include "gemm_driver.h"

static double fma_peak(double n) {
  __m512 acc[24], m = _mm512_set1_ps(0.999999f), d = _mm512_set1_ps(1e-7f);
  for (int r = 0; r < 24; r++) acc[r] = _mm512_set1_ps((float)r);
  for (double i = 0; i < n; i++)
#pragma GCC unroll 24
    for (int r = 0; r < 24; r++) acc[r] = _mm512_fmadd_ps(acc[r], m, d);
  for (int r = 1; r < 24; r++) acc[0] = _mm512_add_ps(acc[0], acc[r]);
  peak_sink += _mm512_reduce_add_ps(acc[0]);
  return n * 24 * 16 * 2;
}
ISA_END

static int supported(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
    __builtin_cpu_supports("fma");
}

const isa_kernels isa_avx512 = {"avx512", supported, sgemm_avx512, work_bytes_avx512, sgemm_avx512_packed_bytes, sgemm_avx512_pack_b, fma_peak, gather_rows_q_avx512};
#endif
