/*
 * A plain C check of every ISA's sgemm against a double-precision reference, for targets where
 * Node cannot run the addon here (aarch64 under qemu-user, see test/kernels/native_cross.test.ts).
 * Prints one line per ISA and exits 1 on the first mismatch. `check interaction` prints only a
 * digest of the interaction kernels' outputs: every GCC clone (x86-64 under qemu's CPU models) and
 * aarch64 must print the same one.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../src/kernels.h"

static unsigned seed = 12345;
static float rnd(void) {
  seed = seed * 1103515245u + 12345u;
  return (float)((seed >> 8) & 0xffff) / 65536.0f - 0.5f;
}

/* Every ISA's gather_rows_q against level * scale, rounded, + offset, rounded: bit for bit. Returns the cases run, -1 on a mismatch. */
static int check_gather_q(const isa_kernels *isa) {
  static const int dims[] = {1, 3, 7, 8, 9, 16, 17, 33};
  enum { ROWS = 40, N = 30, PAD = 3, ID_STRIDE = 3 };
  int cases = 0;
  for (int bits = 8; bits >= 4; bits -= 4)
    for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++) {
      int dim = dims[d], rowBytes = bits == 8 ? dim : (dim + 1) / 2, outStride = dim + PAD;
      uint8_t *table = malloc((size_t)ROWS * rowBytes);
      float scales[ROWS], offsets[ROWS], *out = malloc(sizeof(float) * N * outStride);
      int32_t ids[N * ID_STRIDE];
      for (int i = 0; i < ROWS * rowBytes; i++) table[i] = (uint8_t)(rnd() * 65536);
      for (int r = 0; r < ROWS; r++) scales[r] = rnd() + 0.5f, offsets[r] = rnd() * 3;
      for (int i = 0; i < N * ID_STRIDE; i++) ids[i] = (int32_t)((rnd() + 0.5f) * ROWS) % ROWS;
      for (int i = 0; i < N * outStride; i++) out[i] = -7;
      isa->gather_rows_q(table, rowBytes, bits, dim, scales, offsets, ids, ID_STRIDE, N, out, outStride);
      for (int i = 0; i < N; i++)
        for (int j = 0; j < outStride; j++) {
          int id = ids[i * ID_STRIDE];
          uint8_t byte = table[(size_t)id * rowBytes + (bits == 8 ? j : j / 2)];
          float scaled = (float)(bits == 8 ? byte : j & 1 ? byte >> 4 : byte & 15) * scales[id];
          float want = j < dim ? scaled + offsets[id] : -7, got = out[i * outStride + j];
          if (memcmp(&want, &got, sizeof want) != 0) {
            printf("%s: gather_rows_q bits %d dim %d row %d element %d: %a vs %a\n", isa->name, bits, dim, i, j, got, want);
            return -1;
          }
        }
      free(table);
      free(out);
      cases++;
    }
  return cases;
}

/* FNV-1a over the bits of n floats, continuing from h. */
static unsigned digest(unsigned h, const float *x, size_t n) {
  const unsigned char *p = (const unsigned char *)x;
  for (size_t i = 0; i < n * sizeof(float); i++) h = (h ^ p[i]) * 16777619u;
  return h;
}

static float arena[1 << 20];
static size_t used;
/* n floats from the arena, at random times `scale`. */
static float *fill(size_t n, float scale) {
  float *x = arena + used;
  used += n;
  for (size_t i = 0; i < n; i++) x[i] = rnd() * scale;
  return x;
}

/* Attention, bilinear and cross forward and backward on fixed shapes (edge sizes, ranges past 0), every output hashed. */
static unsigned interaction_digest(void) {
  static const int shapes[][3] = {{1, 1, 1}, {3, 5, 2}, {17, 7, 3}, {16, 39, 2}, {70, 9, 1}, {7, 18, 1}}; /* dh (D), F, H */
  enum { B = 3 };
  unsigned h = 2166136261u;
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
    const int dh = shapes[s][0], F = shapes[s][1], H = shapes[s][2], P = F * (F - 1) / 2, n = B * F * dh;
    for (int res = 0; res < 2; res++) {
      used = 0;
      const int ld = (res ? 4 : 3) * H * dh, no = B * F * H * dh;
      float *qkv = fill((size_t)B * F * ld, 6), *out = fill(no, 1), *probs = fill((size_t)B * H * F * F, 1);
      float *g = fill(no, 1), *gq = fill((size_t)B * F * ld, 1), *scratch = fill((size_t)F * F, 1);
      attention_forward(qkv, H, dh, F, 0.4f, res, out, probs, 1, 1, B);
      attention_backward(qkv, H, dh, F, 0.4f, res, g, probs, gq, res, scratch, 0, B);
      h = digest(digest(digest(h, out, no), probs, (size_t)B * H * F * F), gq, (size_t)B * F * ld);
    }
    for (int mode = 0; mode < 3; mode++) {
      used = 0;
      const int rowsT = mode == 2 ? P : F, ldo = P * dh + 1;
      float *emb = fill(n, 1), *W = fill((size_t)(mode == 0 ? 1 : mode == 1 ? F : P) * dh * dh, 1);
      float *out = fill((size_t)B * ldo, 1), *gT = fill((size_t)B * rowsT * dh, 1), *gEmb = fill(n, 1);
      bilinear_forward(emb, W, mode, F, dh, out, ldo, 1, B);
      bilinear_backward(emb, W, mode, F, dh, out, ldo, gT, gEmb, 0, B);
      h = digest(digest(digest(h, out, (size_t)B * ldo), gT, (size_t)B * rowsT * dh), gEmb, n);
    }
    used = 0;
    const int d = F * dh;
    float *x0 = fill((size_t)B * d, 1), *x = fill((size_t)B * d, 1), *w = fill(d, 1), *bias = fill(d, 1);
    float *out = fill((size_t)B * d, 1), *gx0 = fill((size_t)B * d, 1), *gx = fill((size_t)B * d, 1), *gs = fill(B, 1);
    cross_forward(x0, x, w, bias, out, d, 1, B);
    cross_backward(x0, x, w, out, gx0, gx, gs, d, 0, B);
    cross_backward(x0, x, w, out, gx, gx, gs, d, 1, B);
    h = digest(digest(digest(digest(h, out, (size_t)B * d), gx0, (size_t)B * d), gx, (size_t)B * d), gs, B);
  }
  return h;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "interaction") == 0) {
    printf("interaction digest %08x\n", interaction_digest());
    return 0;
  }
  static const int shapes[][3] = {{1, 1, 1}, {2, 5, 3}, {7, 1, 9}, {13, 17, 1}, {12, 32, 16}, {25, 65, 31}, {37, 29, 300}, {97, 130, 777}};
  const isa_kernels *isas[8];
  int n = isa_list(isas, 8);
  for (int s = 0; s < n; s++) {
    const isa_kernels *isa = isas[s];
    float *work = aligned_alloc(64, (isa->gemm_work_bytes() + 63) / 64 * 64);
    int cases = 0;
    for (size_t c = 0; c < sizeof shapes / sizeof shapes[0]; c++) {
      int M = shapes[c][0], N = shapes[c][1], K = shapes[c][2];
      for (int t = 0; t < 4; t++) {
        int tA = t & 1, tB = t >> 1, lda = (tA ? M : K) + 1, ldb = (tB ? K : N) + 2, ldc = N + 1;
        float *A = malloc(sizeof(float) * (size_t)(tA ? K : M) * lda), *B = malloc(sizeof(float) * (size_t)(tB ? N : K) * ldb);
        float *C = malloc(sizeof(float) * (size_t)M * ldc), *C0 = malloc(sizeof(float) * (size_t)M * ldc);
        for (int i = 0; i < (tA ? K : M) * lda; i++) A[i] = rnd();
        for (int i = 0; i < (tB ? N : K) * ldb; i++) B[i] = rnd();
        for (int i = 0; i < M * ldc; i++) C[i] = C0[i] = rnd();
        isa->sgemm(tA, tB, M, N, K, 0.7f, A, lda, B, ldb, 0.3f, C, ldc, 0, M, work, NULL, 0, NULL);
        /* With op(B) packed whole beforehand: the same bits, rows split in two. */
        size_t pb = isa->packed_bytes(K, N);
        if (pb) {
          float *P = aligned_alloc(64, (pb + 63) / 64 * 64), *C2 = malloc(sizeof(float) * (size_t)M * ldc);
          memcpy(C2, C0, sizeof(float) * (size_t)M * ldc);
          isa->pack_b(tB, B, ldb, K, N, P);
          isa->sgemm(tA, tB, M, N, K, 0.7f, A, lda, B, ldb, 0.3f, C2, ldc, 0, M / 2, work, NULL, 0, P);
          isa->sgemm(tA, tB, M, N, K, 0.7f, A, lda, B, ldb, 0.3f, C2, ldc, M / 2, M, work, NULL, 0, P);
          if (memcmp(C, C2, sizeof(float) * (size_t)M * ldc) != 0) {
            printf("%s: M%d N%d K%d tA%d tB%d: sgemm with B packed beforehand differs\n", isa->name, M, N, K, tA, tB);
            return 1;
          }
          free(P);
          free(C2);
        }
        for (int i = 0; i < M; i++)
          for (int j = 0; j < N; j++) {
            double sum = 0;
            for (int k = 0; k < K; k++) sum += (double)A[tA ? k * lda + i : i * lda + k] * B[tB ? j * ldb + k : k * ldb + j];
            double want = 0.7 * sum + 0.3 * C0[i * ldc + j];
            if (fabs(C[i * ldc + j] - want) > 1e-5 * (1 + K)) {
              printf("%s: M%d N%d K%d tA%d tB%d at (%d, %d): %g vs %g\n", isa->name, M, N, K, tA, tB, i, j, C[i * ldc + j], want);
              return 1;
            }
          }
        cases++;
        free(A); free(B); free(C); free(C0);
      }
    }
    free(work);
    printf("%s: sgemm matches float64 on %d cases\n", isa->name, cases);
    int q = check_gather_q(isa);
    if (q < 0) return 1;
    printf("%s: gather_rows_q matches the reference on %d cases\n", isa->name, q);
  }
  return 0;
}
