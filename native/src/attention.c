/*
 * Multi-head self-attention over fields (AutoInt): the contracts of assembly/attention.ts and its
 * arithmetic as the simd128 WebAssembly build runs it (multiply, then add), so results match that
 * build bit for bit. The score dot products keep its four lanes (lanes.h), the softmax its exp
 * (the same range reduction and polynomial, below) and lane sums; the weighted row sums are added
 * column by column in order of the rows, as its vectors do, which GCC's clones vectorise freely.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "kernels.h"
#include "lanes.h"

enum { COLS = 64 };

/* WebAssembly's f32.max: NaN if either is NaN, +0 over -0. */
INLINE float wasm_max(float a, float b) {
  if (a != a || b != b) return a + b;
  if (a == b) return signbit(a) ? b : a;
  return a > b ? a : b;
}

/* i32x4.trunc_sat_f32x4_s on one lane: NaN to 0, out of range to the nearest end. */
INLINE int32_t trunc_sat(float x) {
  if (x != x) return 0;
  if (x >= 2147483648.0f) return INT32_MAX;
  if (x < -2147483648.0f) return INT32_MIN;
  return (int32_t)x;
}

/* assembly/vector.ts vexp: 2^n e^r, n = round(x / ln 2), e^r by its degree-6 Taylor polynomial. */
INLINE float vexp(float x) {
  const float v = x < -87.0f ? -87.0f : x, n = rintf(v * 1.4426950408889634f);
  float r = v - n * 0.693145751953125f;
  r = r - n * 1.428606765330187e-6f;
  float p = 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  uint32_t bits;
  memcpy(&bits, &p, 4);
  bits += (uint32_t)trunc_sat(n) << 23;
  memcpy(&p, &bits, 4);
  return p;
}

/* Softmax in place over row[0..n): e^(x - max) / sum, the sum over four lanes, then the tail. */
INLINE void softmax_row(float *row, int n) {
  float mx = row[0];
  for (int c = 1; c < n; c++) mx = wasm_max(mx, row[c]);
  float l[4] = {0, 0, 0, 0};
  int c = 0;
  for (; c + 4 <= n; c += 4)
    for (int i = 0; i < 4; i++) {
      row[c + i] = vexp(row[c + i] - mx);
      l[i] = l[i] + row[c + i];
    }
  float sum = l[0] + l[1] + l[2] + l[3];
  for (; c < n; c++) {
    row[c] = vexp(row[c] - mx);
    sum = sum + row[c];
  }
  const float inv = 1.0f / sum;
  for (c = 0; c < n; c++) row[c] = row[c] * inv;
}

/* dst[c] = scale * (a . row c of B) for c < F (rows `stride` floats apart): four rows at a time, then one. */
INLINE void scores(float *dst, const float *a, const float *B, size_t stride, int F, int d, float scale) {
  int c = 0;
  for (; c + 4 <= F; c += 4) {
    float r[4];
    dot4(a, B + c * stride, stride, d, r);
    for (int i = 0; i < 4; i++) dst[c + i] = r[i] * scale;
  }
  for (; c < F; c++) dst[c] = dot(a, B + c * stride, d) * scale;
}

/* dst[0..n) = (init, or 0) + sum_{c < m} w[c * ws] rows[c * rs + (0..n)], added in order of c. */
INLINE void mix(float *dst, const float *init, const float *w, size_t ws, const float *rows, size_t rs, int m, int n) {
  for (int j0 = 0; j0 < n; j0 += COLS) {
    const int cols = n - j0 < COLS ? n - j0 : COLS;
    float acc[COLS];
    for (int j = 0; j < cols; j++) acc[j] = init ? init[j0 + j] : 0.0f;
    for (int c = 0; c < m; c++) {
      const float p = w[c * ws], *x = rows + c * rs + j0;
      for (int j = 0; j < cols; j++) acc[j] = acc[j] + p * x[j];
    }
    memcpy(dst + j0, acc, (size_t)cols * sizeof(float));
  }
}

CLONES void attention_forward(const float *qkv, int H, int dh, int F, float scale, int res, float *out, float *probs,
  int keep, int b0, int b1) {
  const size_t ldo = (size_t)H * dh, ld = (res ? 4 : 3) * ldo;
  for (int b = b0; b < b1; b++) {
    const float *base = qkv + (size_t)b * F * ld;
    float *ob = out + (size_t)b * F * ldo;
    for (int h = 0; h < H; h++) {
      const float *Q = base + (size_t)h * dh, *K = Q + ldo, *V = K + ldo;
      const float *R = res ? base + 3 * ldo + (size_t)h * dh : NULL;
      float *P = keep ? probs + ((size_t)b * H + h) * F * F : probs;
      for (int r = 0; r < F; r++) {
        scores(P + (size_t)r * F, Q + r * ld, K, ld, F, dh, scale);
        softmax_row(P + (size_t)r * F, F);
      }
      for (int r = 0; r < F; r++)
        mix(ob + r * ldo + (size_t)h * dh, R ? R + r * ld : NULL, P + (size_t)r * F, 1, V, ld, F, dh);
    }
  }
}

CLONES void attention_backward(const float *qkv, int H, int dh, int F, float scale, int res, const float *g,
  const float *probs, float *gqkv, int zero, float *scratch, int b0, int b1) {
  const size_t ldo = (size_t)H * dh, ld = (res ? 4 : 3) * ldo;
  for (int b = b0; b < b1; b++) {
    const float *base = qkv + (size_t)b * F * ld, *gb = g + (size_t)b * F * ldo;
    float *gbase = gqkv + (size_t)b * F * ld;
    if (zero) memset(gbase, 0, (size_t)F * ld * sizeof(float));
    if (res)
      for (int r = 0; r < F; r++) {
        float *dst = gbase + r * ld + 3 * ldo;
        const float *src = gb + r * ldo;
        for (size_t j = 0; j < ldo; j++) dst[j] = dst[j] + src[j];
      }
    for (int h = 0; h < H; h++) {
      const size_t hc = (size_t)h * dh;
      const float *Q = base + hc, *K = Q + ldo, *V = K + ldo, *G = gb + hc;
      float *gQ = gbase + hc, *gK = gQ + ldo, *gV = gK + ldo;
      const float *P = probs + ((size_t)b * H + h) * F * F;
      /* dS[r, c] = P[r, c] (dP[r, c] - sum_c' P[r, c'] dP[r, c']) scale, with dP = G V^T. */
      for (int r = 0; r < F; r++) {
        const float *pr = P + (size_t)r * F;
        float *sr = scratch + (size_t)r * F;
        scores(sr, G + r * ldo, V, ld, F, dh, 1);
        float s = 0;
        for (int c = 0; c < F; c++) s = s + pr[c] * sr[c];
        for (int c = 0; c < F; c++) sr[c] = pr[c] * (sr[c] - s) * scale;
      }
      /* dQ = dS K, dK = dS^T Q, dV = P^T G. */
      for (int r = 0; r < F; r++) {
        float *q = gQ + r * ld, *k = gK + r * ld, *v = gV + r * ld;
        mix(q, q, scratch + (size_t)r * F, 1, K, ld, F, dh);
        mix(k, k, scratch + r, F, Q, ld, F, dh);
        mix(v, v, P + r, F, G, ldo, F, dh);
      }
    }
  }
}
