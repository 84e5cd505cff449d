/*
 * Field-pair interactions: FiBiNET's bilinear products and the DCN cross layer, with the contracts
 * of assembly/bilinear.ts and assembly/cross.ts and their arithmetic as the simd128 WebAssembly
 * build runs it (multiply, then add), so results match that build bit for bit. Dot products keep
 * its four lanes (lanes.h); every other sum is per column, in the WebAssembly kernels' order, so
 * GCC's clones vectorise it with the widest vectors the CPU has.
 */
#include <string.h>

#include "kernels.h"
#include "lanes.h"

/* Columns worked on per pass. */
enum { COLS = 64 };

/* t[j] = sum_k e[k] M[k, c0 + j] for j < w (M is D x D), added in order of k. */
INLINE void row_times(const float *e, const float *M, int D, int c0, int w, float *t) {
  mix(t, NULL, e, 1, M + c0, D, D, w);
}

/* The pair's D x D weight: W (mode 0), W[i] (mode 1, by left field) or W[p] (mode 2, by pair). */
INLINE const float *weight_of(const float *W, int mode, int i, int p, int D) {
  return mode == 0 ? W : W + (size_t)(mode == 1 ? i : p) * D * D;
}

/* out[b, p] = (emb[b, i] W_p) ⊙ emb[b, j] for pairs p = (i, j), i < j, in order; rows of out `ldo` floats apart. */
CLONES void bilinear_forward(const float *emb, const float *W, int mode, int F, int D, float *out, int ldo, int b0,
  int b1) {
  for (int b = b0; b < b1; b++) {
    const float *e = emb + (size_t)b * F * D;
    float *o = out + (size_t)b * ldo;
    int p0 = 0;
    for (int i = 0; i < F - 1; i++) {
      const float *ei = e + (size_t)i * D;
      const int n = F - 1 - i;
      for (int c0 = 0; c0 < D; c0 += COLS) {
        const int w = D - c0 < COLS ? D - c0 : COLS;
        float t[COLS];
        if (mode != 2) row_times(ei, weight_of(W, mode, i, p0, D), D, c0, w, t);
        for (int q = 0; q < n; q++) {
          if (mode == 2) row_times(ei, weight_of(W, mode, i, p0 + q, D), D, c0, w, t);
          const float *ej = e + (size_t)(i + 1 + q) * D + c0;
          float *op = o + (size_t)(p0 + q) * D + c0;
          for (int j = 0; j < w; j++) op[j] = t[j] * ej[j];
        }
      }
      p0 += n;
    }
  }
}

/*
 * Backward for examples [b0, b1) from g (laid out as out): writes gT = dL/dt ([B, F, D] in modes 0
 * and 1, a left field's sum over its pairs, the last field's row zero; [B, P, D] in mode 2) and,
 * unless gEmb is NULL, accumulates dL/demb into gEmb.
 */
CLONES void bilinear_backward(const float *emb, const float *W, int mode, int F, int D, const float *g, int ldo,
  float *gT, float *gEmb, int b0, int b1) {
  const int rowsT = mode == 2 ? F * (F - 1) / 2 : F;
  for (int b = b0; b < b1; b++) {
    const float *e = emb + (size_t)b * F * D, *gb = g + (size_t)b * ldo;
    float *ge = gEmb ? gEmb + (size_t)b * F * D : NULL, *tb = gT + (size_t)b * rowsT * D;
    int p0 = 0;
    for (int i = 0; i < F - 1; i++) {
      const float *ei = e + (size_t)i * D;
      const int n = F - 1 - i;
      for (int c0 = 0; c0 < D; c0 += COLS) {
        const int w = D - c0 < COLS ? D - c0 : COLS;
        float t[COLS], acc[COLS];
        if (mode != 2) row_times(ei, weight_of(W, mode, i, p0, D), D, c0, w, t);
        for (int j = 0; j < w; j++) acc[j] = 0;
        for (int q = 0; q < n; q++) {
          const int p = p0 + q;
          const float *gp = gb + (size_t)p * D + c0, *ej = e + (size_t)(i + 1 + q) * D + c0;
          if (mode == 2) {
            for (int j = 0; j < w; j++) tb[(size_t)p * D + c0 + j] = gp[j] * ej[j];
            row_times(ei, weight_of(W, mode, i, p, D), D, c0, w, t);
          } else
            for (int j = 0; j < w; j++) acc[j] = acc[j] + gp[j] * ej[j];
          if (ge) {
            float *a = ge + (size_t)(i + 1 + q) * D + c0;
            for (int j = 0; j < w; j++) a[j] = a[j] + gp[j] * t[j];
          }
        }
        if (mode != 2) memcpy(tb + (size_t)i * D + c0, acc, (size_t)w * sizeof(float));
      }
      if (ge) {
        /* dL/demb[b, i] += gT W_p^T: entry k is the dot of gT's row with row k of W_p. */
        float *gi = ge + (size_t)i * D;
        for (int q = 0; q < (mode == 2 ? n : 1); q++) {
          const int p = p0 + q;
          const float *Wp = weight_of(W, mode, i, p, D), *tp = tb + (size_t)(mode == 2 ? p : i) * D;
          for (int k = 0; k < D; k++) gi[k] = gi[k] + dot(tp, Wp + (size_t)k * D, D);
        }
      }
      p0 += n;
    }
    if (mode != 2) memset(tb + (size_t)(F - 1) * D, 0, (size_t)D * sizeof(float));
  }
}

/* One DCN cross layer for rows [b0, b1) of d floats: out = x0 (x . w) + bias + x. */
CLONES void cross_forward(const float *x0, const float *x, const float *w, const float *bias, float *out, int d, int b0,
  int b1) {
  for (int b = b0; b < b1; b++) {
    const float *r0 = x0 + (size_t)b * d, *r = x + (size_t)b * d;
    float *o = out + (size_t)b * d;
    const float s = dot(r, w, d);
    for (int j = 0; j < d; j++) o[j] = r0[j] * s + bias[j] + r[j];
  }
}

/*
 * Backward for rows [b0, b1) from g: gs[b] = g_b . x0_b, then gx0 += g (x . w) and gx += g + gs w
 * (NULL skips one; gx0 may be gx). Whole groups of 4 add (g + gs w) to gx, the tail g then gs w, as in WebAssembly.
 */
CLONES void cross_backward(const float *x0, const float *x, const float *w, const float *g, float *gx0, float *gx,
  float *gs, int d, int b0, int b1) {
  const int d4 = d & ~3;
  for (int b = b0; b < b1; b++) {
    const float *r0 = x0 + (size_t)b * d, *gr = g + (size_t)b * d;
    const float gsb = dot(gr, r0, d);
    gs[b] = gsb;
    if (gx0) {
      const float s = dot(x + (size_t)b * d, w, d);
      float *o = gx0 + (size_t)b * d;
      for (int j = 0; j < d; j++) o[j] = o[j] + gr[j] * s;
    }
    if (gx) {
      float *o = gx + (size_t)b * d;
      for (int j = 0; j < d4; j++) o[j] = o[j] + (gr[j] + gsb * w[j]);
      for (int j = d4; j < d; j++) o[j] = o[j] + gr[j] + gsb * w[j];
    }
  }
}
