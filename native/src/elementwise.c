/*
 * Elementwise and row-wise kernels (bias add, ReLU and its gradient, bias gradient, scaled row
 * adds, products) with the contracts and, operation for operation, the arithmetic of
 * assembly/elementwise.ts, so results match the WebAssembly kernels bit for bit. No multiply-add
 * is fused (the build uses -ffp-contract=off), so every instruction set gives the same bits, and
 * GCC's function clones pick the widest vectors the CPU has.
 */
#include <string.h>

#include "kernels.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CLONES
#endif

CLONES void add_row_vector(float *x, const float *v, int rows, int cols) {
  for (int r = 0; r < rows; r++) {
    float *row = x + (size_t)r * cols;
    for (int j = 0; j < cols; j++) row[j] = row[j] + v[j];
  }
}

/* out[j] += the sum of column j over rows, summed from zero in row order. */
CLONES void sum_rows(const float *x, int rows, int cols, float *out) {
  enum { W = 64 };
  for (int j0 = 0; j0 < cols; j0 += W) {
    int w = cols - j0 < W ? cols - j0 : W;
    float acc[W] = {0};
    for (int r = 0; r < rows; r++) {
      const float *row = x + (size_t)r * cols + j0;
      for (int j = 0; j < w; j++) acc[j] += row[j];
    }
    for (int j = 0; j < w; j++) out[j0 + j] += acc[j];
  }
}

/* y = max(x, 0); NaN stays NaN (as WebAssembly's max). */
CLONES void relu(const float *x, float *y, int n) {
  for (int i = 0; i < n; i++) y[i] = x[i] > 0 || x[i] != x[i] ? x[i] : 0.0f;
}

/* gx += g where y > 0: whole groups of 4 add a masked g (+0 elsewhere), the tail adds only where y > 0. */
CLONES void relu_backward(const float *y, const float *g, float *gx, int n) {
  int n4 = n & ~3;
  for (int i = 0; i < n4; i++) gx[i] = gx[i] + (y[i] > 0 ? g[i] : 0.0f);
  for (int i = n4; i < n; i++)
    if (y[i] > 0) gx[i] = gx[i] + g[i];
}

CLONES void axpy_rows(float *dst, int dstStride, const float *src, int srcStride, int rows, int cols, float alpha) {
  for (int r = 0; r < rows; r++) {
    float *d = dst + (size_t)r * dstStride;
    const float *s = src + (size_t)r * srcStride;
    if (alpha == 1) for (int j = 0; j < cols; j++) d[j] = d[j] + s[j];
    else for (int j = 0; j < cols; j++) d[j] = d[j] + s[j] * alpha;
  }
}

CLONES void mul_span(float *out, const float *a, const float *b, int n, int acc) {
  if (acc) for (int i = 0; i < n; i++) out[i] = out[i] + a[i] * b[i];
  else for (int i = 0; i < n; i++) out[i] = a[i] * b[i];
}

void copy_rows(float *dst, int dstStride, const float *src, int srcStride, int rows, int cols) {
  for (int r = 0; r < rows; r++) memcpy(dst + (size_t)r * dstStride, src + (size_t)r * srcStride, (size_t)cols * sizeof(float));
}

CLONES void scale_vectors(float *out, int outStride, const float *values, const float *vectors, int B, int N, int D) {
  for (int b = 0; b < B; b++)
    for (int n = 0; n < N; n++) {
      const float v = values[(size_t)b * N + n], *p = vectors + (size_t)n * D;
      float *q = out + (size_t)b * outStride + (size_t)n * D;
      for (int d = 0; d < D; d++) q[d] = v * p[d];
    }
}
