/*
 * Embedding rows: gather and sparse optimizer updates, with the contracts (and, operation for
 * operation, the arithmetic) of assembly/rows.ts and assembly/optim.ts, so results match the
 * WebAssembly kernels bit for bit. Rows are scattered over large tables, so most are cache misses:
 * the rows PREFETCH ids ahead are requested before they are needed, keeping many misses in flight.
 */
#include "kernels.h"
#include <math.h>
#include <string.h>

#define PREFETCH 16

/* A row of `n` floats: a call to memcpy costs more than the copy for the short rows of serving (1-16 floats). */
static inline void copy_row(float *restrict dst, const float *restrict src, int n) {
  if (n > 32) memcpy(dst, src, (size_t)n * sizeof(float));
  else
    for (int j = 0; j < n; j++) dst[j] = src[j];
}

static inline const float *row_of(const float *table, int stride, int lo, int hi, int id) {
  return id >= lo && id < hi ? table + (size_t)(id - lo) * stride : NULL;
}

/*
 * Requests the cache lines of `row` (NULL: none). Inline assembly, because GCC 12 at -O2 and above
 * drops these __builtin_prefetch calls from this file (checked with objdump); other compilers and
 * targets get the builtin.
 */
static inline void prefetch_row(const float *row, int floats, int write) {
  if (!row) return;
  for (int b = 0; b < floats; b += 16) {
#if defined(__GNUC__) && defined(__x86_64__)
    __asm__ volatile("prefetcht0 %0" : : "m"(row[b]));
#elif defined(__GNUC__) && defined(__aarch64__)
    if (write) __asm__ volatile("prfm pstl1keep, %0" : : "Q"(row[b]));
    else __asm__ volatile("prfm pldl1keep, %0" : : "Q"(row[b]));
#else
    if (write) __builtin_prefetch(row + b, 1, 3);
    else __builtin_prefetch(row + b, 0, 3);
#endif
  }
}

int gather_rows(const float *table, int stride, int dim, int lo, int hi, const int32_t *ids, int idStride, int n,
  float *out, int outStride) {
  int hits = 0;
  for (int i = 0; i < n; i++) {
    if (i + PREFETCH < n) prefetch_row(row_of(table, stride, lo, hi, ids[(size_t)(i + PREFETCH) * idStride]), dim, 0);
    const float *row = row_of(table, stride, lo, hi, ids[(size_t)i * idStride]);
    if (!row) continue;
    copy_row(out + (size_t)i * outStride, row, dim);
    hits++;
  }
  return hits;
}

void gather_fields(const uint8_t *heap, const int32_t *fields, int F, int dim, const int32_t *ids, int n, float *out) {
  for (int i = 0; i < n; i++)
    for (int f = 0; f < F; f++) {
      const int32_t *d = fields + 4 * (size_t)f;
      int id = ids[(size_t)i * F + f];
      if (id < d[2] || id >= d[3]) continue;
      const float *row = (const float *)(heap + (uint32_t)d[0]) + (size_t)(id - d[2]) * d[1];
      copy_row(out + ((size_t)i * F + f) * dim, row, dim);
    }
}

static void sgd(float *w, const float *g, int n, float lr, float wd) {
  for (int i = 0; i < n; i++) w[i] = w[i] - lr * (g[i] + wd * w[i]);
}

static void adagrad(float *w, const float *g, float *acc, int n, float lr, float eps, float wd) {
  for (int i = 0; i < n; i++) {
    float gv = g[i] + wd * w[i];
    float av = acc[i] + gv * gv;
    acc[i] = av;
    w[i] = w[i] - (lr * gv) / (sqrtf(av) + eps);
  }
}

static void adam(float *w, const float *g, float *m, float *v, int n, float lrt, float b1, float b2, float eps, float wd) {
  float c1 = 1 - b1, c2 = 1 - b2;
  int n4 = n & ~3; /* the WebAssembly kernel's scalar tail groups (1 - b2) * g * g the other way */
  for (int i = 0; i < n; i++) {
    float gv = g[i] + wd * w[i];
    float mv = b1 * m[i] + c1 * gv;
    float vv = b2 * v[i] + (i < n4 ? c2 * (gv * gv) : (c2 * gv) * gv);
    m[i] = mv;
    v[i] = vv;
    w[i] = w[i] - (lrt * mv) / (sqrtf(vv) + eps);
  }
}

void update_rows(int kind, float *table, int stride, int dim, int lo, int hi, const int32_t *ids, int n,
  const float *grads, float lr, float b1, float b2, float eps, float wd) {
  for (int i = 0; i < n; i++) {
    if (i + PREFETCH < n) prefetch_row(row_of(table, stride, lo, hi, ids[i + PREFETCH]), stride, 1);
    float *w = (float *)row_of(table, stride, lo, hi, ids[i]);
    if (!w) continue;
    const float *g = grads + (size_t)i * dim;
    if (kind == 0) sgd(w, g, dim, lr, wd);
    else if (kind == 1) adagrad(w, g, w + dim, dim, lr, eps, wd);
    else adam(w, g, w + dim, w + 2 * dim, dim, lr, b1, b2, eps, wd);
  }
}
