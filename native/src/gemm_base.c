/*
 * sgemm for any CPU: the compiler's 128-bit vectors (SSE2 on x86-64, which every x86-64 has) in a
 * 4 x 8 micro-tile, multiply then add (no FMA assumed).
 */
#include <string.h>
#include "kernels.h"

typedef float v4 __attribute__((vector_size(16)));

#define MR 4
#define NR 8
#define KC 256
#define MC 96
#define NC 2048
#define GEMM_FN sgemm_base
#define WORK_FN work_bytes_base
#define MADD(a, b, c) ((a) * (b) + (c))

static inline v4 load4(const float *p) {
  v4 v;
  memcpy(&v, p, sizeof v);
  return v;
}

static inline void store4(float *p, v4 v) {
  memcpy(p, &v, sizeof v);
}

static inline void micro(int kc, const float *pa, const float *pb, float *c, int ldc, float alpha, float beta) {
  v4 acc[MR][2] = {{{0}}};
  for (int k = 0; k < kc; k++, pa += MR, pb += NR) {
    v4 b0 = load4(pb), b1 = load4(pb + 4);
    for (int r = 0; r < MR; r++) {
      v4 a = {pa[r], pa[r], pa[r], pa[r]};
      acc[r][0] = acc[r][0] + a * b0;
      acc[r][1] = acc[r][1] + a * b1;
    }
  }
  v4 va = {alpha, alpha, alpha, alpha}, vb = {beta, beta, beta, beta};
  for (int r = 0; r < MR; r++, c += ldc) {
    for (int h = 0; h < 2; h++) {
      v4 t = va * acc[r][h];
      store4(c + 4 * h, beta == 0 ? t : vb * load4(c + 4 * h) + t);
    }
  }
}

#include "gemm_driver.h"

static double fma_peak(double n) {
  v4 acc[8], m = {0.999999f, 0.999999f, 0.999999f, 0.999999f}, d = {1e-7f, 1e-7f, 1e-7f, 1e-7f};
  for (int r = 0; r < 8; r++) acc[r] = m * (float)r;
  for (double i = 0; i < n; i++)
    for (int r = 0; r < 8; r++) acc[r] = acc[r] * m + d;
  for (int r = 1; r < 8; r++) acc[0] += acc[r];
  peak_sink += acc[0][0];
  return n * 8 * 4 * 2;
}

static int supported(void) {
  return 1;
}

const isa_kernels isa_base = {"baseline", supported, sgemm_base, work_bytes_base, sgemm_base_packed_bytes, sgemm_base_pack_b, fma_peak, gather_rows_q_base};
