/* sgemm for x86-64 with AVX2 and FMA: a 6 x 16 micro-tile (12 ymm accumulators, two B vectors, A broadcast). */
#include "kernels.h"
#if defined(__x86_64__)
#include <immintrin.h>
#include "isa.h"
ISA_BEGIN("avx2,fma")

#define MR 6
#define NR 16
#define KC 256
#define MC 96
#define NC 2048
#define GEMM_FN sgemm_avx2
#define WORK_FN work_bytes_avx2
#define MADD(a, b, c) __builtin_fmaf((a), (b), (c))

static inline void micro(int kc, const float *pa, const float *pb, float *c, int ldc, float alpha, float beta) {
  __m256 acc[MR][2];
  for (int r = 0; r < MR; r++) {
    acc[r][0] = acc[r][1] = _mm256_setzero_ps();
    __builtin_prefetch(c + (size_t)r * ldc, 1, 3); /* C's tile arrives while the products are summed */
    __builtin_prefetch(c + (size_t)r * ldc + 8, 1, 3);
  }
  for (int k = 0; k < kc; k++, pa += MR, pb += NR) {
    __m256 b0 = _mm256_loadu_ps(pb), b1 = _mm256_loadu_ps(pb + 8);
#pragma GCC unroll 6
    for (int r = 0; r < MR; r++) {
      __m256 a = _mm256_broadcast_ss(pa + r);
      acc[r][0] = _mm256_fmadd_ps(a, b0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(a, b1, acc[r][1]);
    }
  }
  __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
  for (int r = 0; r < MR; r++, c += ldc) {
    for (int h = 0; h < 2; h++) {
      __m256 t = _mm256_mul_ps(va, acc[r][h]);
      _mm256_storeu_ps(c + 8 * h, beta == 0 ? t : _mm256_fmadd_ps(vb, _mm256_loadu_ps(c + 8 * h), t));
    }
  }
}

#include "gemm_driver.h"

static double fma_peak(double n) {
  __m256 acc[12], m = _mm256_set1_ps(0.999999f), d = _mm256_set1_ps(1e-7f);
  for (int r = 0; r < 12; r++) acc[r] = _mm256_set1_ps((float)r);
  for (double i = 0; i < n; i++)
#pragma GCC unroll 12
    for (int r = 0; r < 12; r++) acc[r] = _mm256_fmadd_ps(acc[r], m, d);
  float out[8];
  for (int r = 1; r < 12; r++) acc[0] = _mm256_add_ps(acc[0], acc[r]);
  _mm256_storeu_ps(out, acc[0]);
  peak_sink += out[0];
  return n * 12 * 8 * 2;
}
ISA_END

static int supported(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

const isa_kernels isa_avx2 = {"avx2", supported, sgemm_avx2, work_bytes_avx2, sgemm_avx2_packed_bytes, sgemm_avx2_pack_b, fma_peak, gather_rows_q_avx2};
#endif
