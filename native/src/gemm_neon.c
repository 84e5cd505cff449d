/* sgemm for aarch64 with NEON (always present there): an 8 x 12 micro-tile (24 q-register accumulators). */
#include "kernels.h"
#if defined(__aarch64__)
#include <arm_neon.h>

#define MR 8
#define NR 12
#define KC 256
#define MC 96
#define NC 2040
#define GEMM_FN sgemm_neon
#define WORK_FN work_bytes_neon
#define MADD(a, b, c) __builtin_fmaf((a), (b), (c))

static inline void micro(int kc, const float *pa, const float *pb, float *c, int ldc, float alpha, float beta) {
  float32x4_t acc[MR][3];
  for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = acc[r][2] = vdupq_n_f32(0);
  for (int k = 0; k < kc; k++, pa += MR, pb += NR) {
    float32x4_t b0 = vld1q_f32(pb), b1 = vld1q_f32(pb + 4), b2 = vld1q_f32(pb + 8);
    float32x4_t a03 = vld1q_f32(pa), a47 = vld1q_f32(pa + 4);
#define ROW(r, av, lane)                                        \
    acc[r][0] = vfmaq_laneq_f32(acc[r][0], b0, av, lane);       \
    acc[r][1] = vfmaq_laneq_f32(acc[r][1], b1, av, lane);       \
    acc[r][2] = vfmaq_laneq_f32(acc[r][2], b2, av, lane);
    ROW(0, a03, 0) ROW(1, a03, 1) ROW(2, a03, 2) ROW(3, a03, 3)
    ROW(4, a47, 0) ROW(5, a47, 1) ROW(6, a47, 2) ROW(7, a47, 3)
#undef ROW
  }
  float32x4_t va = vdupq_n_f32(alpha), vb = vdupq_n_f32(beta);
  for (int r = 0; r < MR; r++, c += ldc) {
    for (int h = 0; h < 3; h++) {
      float32x4_t t = vmulq_f32(va, acc[r][h]);
      vst1q_f32(c + 4 * h, beta == 0 ? t : vfmaq_f32(t, vb, vld1q_f32(c + 4 * h)));
    }
  }
}

#include "gemm_driver.h"

static double fma_peak(double n) {
  float32x4_t acc[24], m = vdupq_n_f32(0.999999f), d = vdupq_n_f32(1e-7f);
  for (int r = 0; r < 24; r++) acc[r] = vdupq_n_f32((float)r);
  for (double i = 0; i < n; i++)
    for (int r = 0; r < 24; r++) acc[r] = vfmaq_f32(d, acc[r], m);
  for (int r = 1; r < 24; r++) acc[0] = vaddq_f32(acc[0], acc[r]);
  peak_sink += vgetq_lane_f32(acc[0], 0);
  return n * 24 * 4 * 2;
}

static int supported(void) {
  return 1;
}

const isa_kernels isa_neon = {"neon", supported, sgemm_neon, work_bytes_neon, sgemm_neon_packed_bytes, sgemm_neon_pack_b, fma_peak, gather_rows_q_neon};
#endif
