/*
 * A plain C check of every ISA's sgemm against a double-precision reference, for targets where
 * Node cannot run the addon here (aarch64 under qemu-user, see test/kernels/native_cross.test.ts).
 * Prints one line per ISA and exits 1 on the first mismatch.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "../src/kernels.h"

static unsigned seed = 12345;
static float rnd(void) {
  seed = seed * 1103515245u + 12345u;
  return (float)((seed >> 8) & 0xffff) / 65536.0f - 0.5f;
}

int main(void) {
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
        isa->sgemm(tA, tB, M, N, K, 0.7f, A, lda, B, ldb, 0.3f, C, ldc, 0, M, work);
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
  }
  return 0;
}
