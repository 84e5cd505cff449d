/*
 * Kernels over a batch's field vectors [B, F, D] (each example's F x D block contiguous): the
 * factorization machine's pairwise term and its gradient, and the per-field reconstruction of
 * low-rank embeddings. Contracts and arithmetic are those of assembly/fm.ts and assembly/project.ts,
 * operation for operation (the FM sums its columns in four lanes, as the WebAssembly kernel does),
 * so results match bit for bit; GCC's clones vectorise along D with the widest vectors the CPU has.
 */
#include "kernels.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CLONES
#endif

/* Columns summed per pass (a multiple of 4, so the lanes of a pass are those of the whole row). */
enum { COLS = 64 };

/* out[b] = 0.5 * sum_d ((sum_f e_fd)^2 - sum_f e_fd^2) for examples [b0, b1). */
CLONES void fm_forward(const float *emb, int F, int D, float *out, int b0, int b1) {
  const int D4 = D & ~3;
  for (int b = b0; b < b1; b++) {
    const float *e = emb + (size_t)b * F * D;
    float acc[4] = {0, 0, 0, 0}, tail = 0;
    for (int d0 = 0; d0 < D; d0 += COLS) {
      const int w = D - d0 < COLS ? D - d0 : COLS;
      float s[COLS], q[COLS];
      for (int j = 0; j < w; j++) s[j] = q[j] = 0;
      for (int f = 0; f < F; f++) {
        const float *r = e + (size_t)f * D + d0;
        for (int j = 0; j < w; j++) {
          s[j] = s[j] + r[j];
          q[j] = q[j] + r[j] * r[j];
        }
      }
      for (int j = 0; j < w; j++) {
        const float t = s[j] * s[j] - q[j];
        if (d0 + j < D4) acc[j & 3] = acc[j & 3] + t;
        else tail = tail + t;
      }
    }
    out[b] = 0.5f * (acc[0] + acc[1] + acc[2] + acc[3] + tail);
  }
}

/* gEmb[b] += g[b] * (column sums - e) for examples [b0, b1). */
CLONES void fm_backward(const float *emb, const float *g, int F, int D, float *gEmb, int b0, int b1) {
  for (int b = b0; b < b1; b++) {
    const float *e = emb + (size_t)b * F * D;
    float *ge = gEmb + (size_t)b * F * D;
    const float gb = g[b];
    for (int d0 = 0; d0 < D; d0 += COLS) {
      const int w = D - d0 < COLS ? D - d0 : COLS;
      float s[COLS];
      for (int j = 0; j < w; j++) s[j] = 0;
      for (int f = 0; f < F; f++)
        for (int j = 0; j < w; j++) s[j] = s[j] + e[(size_t)f * D + d0 + j];
      for (int f = 0; f < F; f++) {
        const float *r = e + (size_t)f * D + d0;
        float *q = ge + (size_t)f * D + d0;
        for (int j = 0; j < w; j++) q[j] = q[j] + gb * (s[j] - r[j]);
      }
    }
  }
}

/* out[b, f, :] = mu[f, :] + sum_c small[b, f, c] * P[f, c, :], the sum taken in order of c. */
/* 16 floats: one zmm (or 2 ymm, or 4 xmm, per clone); loads and stores need only float alignment. */
typedef float v16 __attribute__((vector_size(64), aligned(4)));

CLONES void field_project(const float *small, const float *P, const float *mu, float *out, int B, int F, int k, int D) {
  const int D16 = D & ~15;
  for (int b = 0; b < B; b++)
    for (int f = 0; f < F; f++) {
      const float *s = small + ((size_t)b * F + f) * k, *p = P + (size_t)f * k * D, *m = mu + (size_t)f * D;
      float *o = out + ((size_t)b * F + f) * D;
      /* Per column, mu then each c's product added in order (unfused), as the WebAssembly kernel does. */
      for (int j = 0; j < D16; j += 16) {
        v16 acc = *(const v16 *)(m + j);
        for (int c = 0; c < k; c++) acc = acc + s[c] * *(const v16 *)(p + (size_t)c * D + j);
        *(v16 *)(o + j) = acc;
      }
      for (int j = D16; j < D; j++) {
        float acc = m[j];
        for (int c = 0; c < k; c++) acc = acc + s[c] * p[(size_t)c * D + j];
        o[j] = acc;
      }
    }
}
