/*
 * The lane order of the WebAssembly interaction kernels (assembly/vector.ts, simd128 build: every
 * multiply-add is a multiply then an add), for the C kernels that mirror them bit for bit: dot
 * products summed in four lanes over k, and GCC's clones for the loops that vectorise freely.
 */
#ifndef SLIMCTR_LANES_H
#define SLIMCTR_LANES_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * CLONES_AVX2 stops at AVX2: attention's 8-lane code ran about 1.3x slower in GCC 12's AVX-512
 * clone than in its AVX2 one (both on an AVX-512 Xeon, side by side).
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#define CLONES_AVX2 __attribute__((target_clones("avx2", "default")))
#else
#define CLONES
#define CLONES_AVX2
#endif
#define INLINE static inline __attribute__((always_inline))

/*
 * Four floats (one WebAssembly v128) and eight (one AVX2 or AVX-512 register, two SSE or NEON):
 * GCC splits a 64-byte vector badly (through the stack) below AVX-512, so none is wider than 8.
 */
typedef float v4 __attribute__((vector_size(16)));
typedef float v8 __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));

INLINE v4 load4(const float *p) {
  v4 v;
  memcpy(&v, p, sizeof v);
  return v;
}

/* a . b over n floats: lane l sums k = l mod 4 of the whole groups of 4, the lanes add up in order, then the tail. */
INLINE float dot(const float *a, const float *b, int n) {
  v4 l = {0, 0, 0, 0};
  int k = 0;
  for (; k + 4 <= n; k += 4) l = load4(a + k) * load4(b + k) + l;
  float s = l[0] + l[1] + l[2] + l[3];
  for (; k < n; k++) s = s + a[k] * b[k];
  return s;
}

/* r[i] = a . (row i of b, rows `stride` floats apart) for i < 4, each lane set added pairwise (0+2)+(1+3), then the tail. */
INLINE void dot4(const float *a, const float *b, size_t stride, int n, float r[4]) {
  v4 l0 = {0, 0, 0, 0}, l1 = l0, l2 = l0, l3 = l0;
  int k = 0;
  for (; k + 4 <= n; k += 4) {
    const v4 x = load4(a + k);
    l0 = x * load4(b + k) + l0;
    l1 = x * load4(b + stride + k) + l1;
    l2 = x * load4(b + 2 * stride + k) + l2;
    l3 = x * load4(b + 3 * stride + k) + l3;
  }
  r[0] = (l0[0] + l0[2]) + (l0[1] + l0[3]);
  r[1] = (l1[0] + l1[2]) + (l1[1] + l1[3]);
  r[2] = (l2[0] + l2[2]) + (l2[1] + l2[3]);
  r[3] = (l3[0] + l3[2]) + (l3[1] + l3[3]);
  for (; k < n; k++)
    for (int i = 0; i < 4; i++) r[i] = r[i] + a[k] * b[i * stride + k];
}

/*
 * dst[0..n) = (init, or 0) + sum_{c < m} w[c * ws] rows[c * rs + (0..n)], added in order of c for
 * each column (as the WebAssembly kernels' vectors do): 16 columns in registers at a time, then 8, 4, 1.
 */
INLINE void mix(float *dst, const float *init, const float *w, size_t ws, const float *rows, size_t rs, int m, int n) {
  int j = 0;
  for (; j + 16 <= n; j += 16) {
    v8 a0 = {0}, a1 = {0}, x0, x1;
    if (init) {
      memcpy(&a0, init + j, sizeof a0);
      memcpy(&a1, init + j + 8, sizeof a1);
    }
    for (int c = 0; c < m; c++) {
      const float p = w[c * ws];
      memcpy(&x0, rows + c * rs + j, sizeof x0);
      memcpy(&x1, rows + c * rs + j + 8, sizeof x1);
      a0 = p * x0 + a0;
      a1 = p * x1 + a1;
    }
    memcpy(dst + j, &a0, sizeof a0);
    memcpy(dst + j + 8, &a1, sizeof a1);
  }
  for (; j + 8 <= n; j += 8) {
    v8 acc = {0}, x;
    if (init) memcpy(&acc, init + j, sizeof acc);
    for (int c = 0; c < m; c++) {
      memcpy(&x, rows + c * rs + j, sizeof x);
      acc = w[c * ws] * x + acc;
    }
    memcpy(dst + j, &acc, sizeof acc);
  }
  for (; j + 4 <= n; j += 4) {
    v4 acc = init ? load4(init + j) : (v4){0, 0, 0, 0};
    for (int c = 0; c < m; c++) acc = w[c * ws] * load4(rows + c * rs + j) + acc;
    memcpy(dst + j, &acc, sizeof acc);
  }
  for (; j < n; j++) {
    float acc = init ? init[j] : 0;
    for (int c = 0; c < m; c++) acc = acc + w[c * ws] * rows[c * rs + j];
    dst[j] = acc;
  }
}

#endif
