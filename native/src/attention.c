/*
 * Multi-head self-attention over fields (AutoInt): the contracts of assembly/attention.ts and its
 * arithmetic as the simd128 WebAssembly build runs it (multiply, then add), so results match that
 * build bit for bit. The score dot products keep its four lanes (lanes.h), the softmax its exp
 * (the same range reduction and polynomial, below) and lane sums; the weighted row sums are added
 * column by column in order of the rows, as its vectors do, which GCC's clones vectorise freely.
 */
#include <stdint.h>
#include <string.h>

#include "kernels.h"
#include "lanes.h"

/*
 * The largest of row[0..n), in four chains. It may differ from WebAssembly's f32.max fold only in
 * the sign of a zero or in which NaN: neither changes what softmax_row computes from it (x - max
 * gives the same numbers, or NaN throughout the row either way).
 */
INLINE float row_max(const float *row, int n) {
  float m[4] = {row[0], row[0], row[0], row[0]};
  for (int c = 1; c < n; c++) m[c & 3] = row[c] > m[c & 3] ? row[c] : m[c & 3];
  const float a = m[1] > m[0] ? m[1] : m[0], b = m[3] > m[2] ? m[3] : m[2];
  return b > a ? b : a;
}

/*
 * assembly/vector.ts vexp on 8 floats x - mx at p, in place: 2^n e^r with n = round(x / ln 2) to
 * even (by adding and taking away 1.5 * 2^23, exact for the |x / ln 2| < 2^22 that softmax's
 * x - max <= 0, clamped at -87, gives), e^r by its degree-6 Taylor polynomial, n added to the
 * exponent bits (NaN lanes add 0, as trunc_sat makes them). T is v8 (vexp8) or float (vexp1).
 */
#define VEXP(T, TI, p, mx)                                      \
  do {                                                          \
    T x_, v_, n_, r_, q_;                                       \
    memcpy(&x_, p, sizeof x_);                                  \
    x_ = x_ - (mx);                                             \
    v_ = CLAMP(x_);                                             \
    n_ = (v_ * 1.4426950408889634f + 12582912.0f) - 12582912.0f; \
    r_ = v_ - n_ * 0.693145751953125f;                          \
    r_ = r_ - n_ * 1.428606765330187e-6f;                       \
    q_ = r_ * (1.0f / 720.0f) + 1.0f / 120.0f;                  \
    q_ = q_ * r_ + 1.0f / 24.0f;                                \
    q_ = q_ * r_ + 1.0f / 6.0f;                                 \
    q_ = q_ * r_ + 0.5f;                                        \
    q_ = q_ * r_ + 1.0f;                                        \
    q_ = q_ * r_ + 1.0f;                                        \
    TI bits_;                                                   \
    memcpy(&bits_, &q_, sizeof q_);                             \
    bits_ = bits_ + (TRUNC(TI, n_) << 23);                      \
    memcpy(p, &bits_, sizeof bits_);                            \
  } while (0)

/* Lanes below -87 set to -87 (NaN stays), as f32x4.max(x, -87); trunc_sat for integral n, NaN to 0. */
#define CLAMP(x) ((v8)((((x) < -87.0f) & (v8i)((v8){0} - 87.0f)) | (~((x) < -87.0f) & (v8i)(x))))
#define TRUNC(TI, n) (__builtin_convertvector(n, TI) & (n == n))
INLINE void vexp8(float *p, float mx) {
  VEXP(v8, v8i, p, mx);
}
#undef CLAMP
#undef TRUNC

#define CLAMP(x) ((x) < -87.0f ? -87.0f : (x))
#define TRUNC(TI, n) (n == n ? (TI)n : 0)
INLINE void vexp1(float *p, float mx) {
  VEXP(float, int32_t, p, mx);
}
#undef CLAMP
#undef TRUNC

/* Softmax in place over row[0..n): e^(x - max) / sum, the sum over four lanes, then the tail. */
INLINE void softmax_row(float *row, int n) {
  const float mx = row_max(row, n);
  int c = 0;
  for (; c + 8 <= n; c += 8) vexp8(row + c, mx);
  for (; c < n; c++) vexp1(row + c, mx);
  v4 l = {0, 0, 0, 0};
  for (c = 0; c + 4 <= n; c += 4) l = l + load4(row + c);
  float sum = l[0] + l[1] + l[2] + l[3];
  for (; c < n; c++) sum = sum + row[c];
  const float inv = 1.0f / sum;
  for (c = 0; c < n; c++) row[c] = row[c] * inv;
}

/* dst[c] = scale * (a . row c of B) for c < F (rows `stride` floats apart): four rows at a time (dot4), then one (dot). */
INLINE void scores(float *dst, const float *a, const float *B, size_t stride, int F, int d, float scale) {
  int c = 0;
  for (; c + 4 <= F; c += 4) {
    float r[4];
    dot4(a, B + c * stride, stride, d, r);
    for (int i = 0; i < 4; i++) dst[c + i] = r[i] * scale;
  }
  for (; c < F; c++) dst[c] = dot(a, B + c * stride, d) * scale;
}

/* Largest d and F whose scores go 8 rows of A at a time (A's block and the scores transposed on the stack). */
enum { WIDE_D = 128, WIDE_F = 256 };

/*
 * S[r, c] = scale * (row r of A . row c of B) for r, c < F (rows la and lb floats apart, d floats
 * each): each dot product in the lanes `scores` gives it (dot4's for c in whole groups of 4, dot's
 * for the rest), computed for 8 rows r at once, one per vector lane, from A's block transposed,
 * into a transposed block of scores (whole vectors in and out of memory).
 */
INLINE void score_rows(float *S, const float *A, size_t la, const float *B, size_t lb, int F, int d, float scale) {
  int r0 = 0;
  if (d <= WIDE_D && F <= WIDE_F) {
    float at[8 * WIDE_D], st[8 * WIDE_F];
    const int d4 = d & ~3, F4 = F & ~3;
    for (; r0 + 8 <= F; r0 += 8) {
      for (int i = 0; i < 8; i++)
        for (int k = 0; k < d; k++) at[k * 8 + i] = A[(r0 + i) * la + k];
      for (int c = 0; c < F; c++) {
        const float *bc = B + c * lb;
        v8 l0 = {0}, l1 = {0}, l2 = {0}, l3 = {0}, x, s;
        for (int k = 0; k < d4; k += 4) {
          memcpy(&x, at + k * 8, sizeof x);
          l0 = x * bc[k] + l0;
          memcpy(&x, at + (k + 1) * 8, sizeof x);
          l1 = x * bc[k + 1] + l1;
          memcpy(&x, at + (k + 2) * 8, sizeof x);
          l2 = x * bc[k + 2] + l2;
          memcpy(&x, at + (k + 3) * 8, sizeof x);
          l3 = x * bc[k + 3] + l3;
        }
        s = c < F4 ? (l0 + l2) + (l1 + l3) : ((l0 + l1) + l2) + l3;
        for (int k = d4; k < d; k++) {
          memcpy(&x, at + k * 8, sizeof x);
          s = s + x * bc[k];
        }
        s = s * scale;
        memcpy(st + c * 8, &s, sizeof s);
      }
      for (int i = 0; i < 8; i++)
        for (int c = 0; c < F; c++) S[(size_t)(r0 + i) * F + c] = st[c * 8 + i];
    }
  }
  for (; r0 < F; r0++) scores(S + (size_t)r0 * F, A + r0 * la, B, lb, F, d, scale);
}

CLONES_AVX2 void attention_forward(const float *qkv, int H, int dh, int F, float scale, int res, float *out, float *probs,
  int keep, int b0, int b1) {
  const size_t ldo = (size_t)H * dh, ld = (res ? 4 : 3) * ldo;
  for (int b = b0; b < b1; b++) {
    const float *base = qkv + (size_t)b * F * ld;
    float *ob = out + (size_t)b * F * ldo;
    for (int h = 0; h < H; h++) {
      const float *Q = base + (size_t)h * dh, *K = Q + ldo, *V = K + ldo;
      const float *R = res ? base + 3 * ldo + (size_t)h * dh : NULL;
      float *P = keep ? probs + ((size_t)b * H + h) * F * F : probs;
      score_rows(P, Q, ld, K, ld, F, dh, scale);
      for (int r = 0; r < F; r++) softmax_row(P + (size_t)r * F, F);
      for (int r = 0; r < F; r++)
        mix(ob + r * ldo + (size_t)h * dh, R ? R + r * ld : NULL, P + (size_t)r * F, 1, V, ld, F, dh);
    }
  }
}

CLONES_AVX2 void attention_backward(const float *qkv, int H, int dh, int F, float scale, int res, const float *g,
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
      score_rows(scratch, G, ldo, V, ld, F, dh, 1);
      for (int r = 0; r < F; r++) {
        const float *pr = P + (size_t)r * F;
        float *sr = scratch + (size_t)r * F;
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
