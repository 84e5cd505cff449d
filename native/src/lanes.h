/*
 * The lane order of the WebAssembly interaction kernels (assembly/vector.ts, simd128 build: every
 * multiply-add is a multiply then an add), for the C kernels that mirror them bit for bit: dot
 * products summed in four lanes over k, and GCC's clones for the loops that vectorise freely.
 */
#ifndef SLIMCTR_LANES_H
#define SLIMCTR_LANES_H
#include <stddef.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CLONES
#endif
#define INLINE static inline __attribute__((always_inline))

/* a . b over n floats: lane l sums k = l mod 4 of the whole groups of 4, the lanes add up in order, then the tail. */
INLINE float dot(const float *a, const float *b, int n) {
  float l[4] = {0, 0, 0, 0};
  int k = 0;
  for (; k + 4 <= n; k += 4)
    for (int i = 0; i < 4; i++) l[i] = l[i] + a[k + i] * b[k + i];
  float s = l[0] + l[1] + l[2] + l[3];
  for (; k < n; k++) s = s + a[k] * b[k];
  return s;
}

/* r[i] = a . (row i of b, rows `stride` floats apart) for i < 4, each lane set added pairwise (0+2)+(1+3), then the tail. */
INLINE void dot4(const float *a, const float *b, size_t stride, int n, float r[4]) {
  float l[4][4] = {{0}};
  int k = 0;
  for (; k + 4 <= n; k += 4)
    for (int i = 0; i < 4; i++)
      for (int j = 0; j < 4; j++) l[i][j] = l[i][j] + a[k + j] * b[i * stride + k + j];
  for (int i = 0; i < 4; i++) r[i] = (l[i][0] + l[i][2]) + (l[i][1] + l[i][3]);
  for (; k < n; k++)
    for (int i = 0; i < 4; i++) r[i] = r[i] + a[k] * b[i * stride + k];
}

#endif
