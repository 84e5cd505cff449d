/*
 * The sgemm driver every ISA shares: C = alpha * op(A) op(B) + beta * C on rows [m0, m1) of C,
 * row-major, with the contract of the WebAssembly sgemm (assembly/gemm.ts). Included once per ISA
 * file, which first defines GEMM_FN, WORK_FN, the micro-tile MR x NR, the cache blocks KC, MC, NC
 * and `micro` (one full MR x NR tile: C = alpha * Apanel Bpanel + beta * C, C not read when beta
 * is 0) and MADD(a, b, c) = a * b + c, fused where the ISA has FMA; an ISA may also define
 * MICRO_EDGE and `micro_edge` (the same operations on an mr x nr corner of a tile, in place).
 * Goto/BLIS structure: op(B) is packed into kc x NR micro-panels, op(A) into MR x kc ones.
 *
 * Which path runs depends on the shape only (never on [m0, m1)), and every element of C gets the
 * same operations in the same order whatever the row split: results do not depend on threads.
 */
#include <string.h>

#define GEMM_CAT2(a, b) a##b
#define GEMM_CAT(a, b) GEMM_CAT2(a, b)

/* Depth blocks of at most KC, as even as possible, a multiple of 4: they depend on K only. */
static int depth_step(int K) {
  int kblocks = (K + KC - 1) / KC;
  int kstep = (K + kblocks - 1) / kblocks;
  kstep = (kstep + 3) & ~3;
  return kstep > KC ? KC : kstep;
}

/* Floats of one kc x nc block of op(B) packed (micro-panels NR wide, the last one zero-padded). */
static size_t packed_block(int kc, int nc) {
  return (size_t)kc * ((nc + NR - 1) / NR * NR);
}

size_t WORK_FN(void) {
  /* packed A, packed B, one edge tile; the small paths use the first max(N, M) floats */
  return (size_t)(MC * KC + KC * NC + MR * NR) * sizeof(float);
}

/* Rows [i0, i0+mc) x columns [k0, k0+kc) of op(A) into MR x kc micro-panels; rows past the edge are zero. */
static void pack_a(int tA, const float *A, int lda, int i0, int k0, int mc, int kc, float *dst) {
  for (int ir = 0; ir < mc; ir += MR) {
    int mr = mc - ir < MR ? mc - ir : MR;
    int i = i0 + ir;
    if (tA) {
      for (int k = 0; k < kc; k++, dst += MR) {
        const float *s = A + (size_t)(k0 + k) * lda + i;
        int r = 0;
        for (; r < mr; r++) dst[r] = s[r];
        for (; r < MR; r++) dst[r] = 0;
      }
    } else {
      /* Column by column (MR rows read side by side); meanwhile the next micro-panel's rows are
         fetched towards L2, a line per row every 16 columns, so packing rarely waits on memory. */
      const float *s[MR];
      for (int r = 0; r < MR; r++) s[r] = A + (size_t)(i + (r < mr ? r : 0)) * lda + k0;
      int ahead = ir + MR < mc ? MR : 0;
      for (int k = 0; k < kc; k++, dst += MR) {
        if ((k & 15) == 0)
          for (int r = 0; r < ahead; r++) __builtin_prefetch(s[r] + (size_t)MR * lda + k, 0, 2);
        for (int r = 0; r < MR; r++) dst[r] = r < mr ? s[r][k] : 0;
      }
    }
  }
}

/* Rows [k0, k0+kc) x columns [j0, j0+nc) of op(B) into kc x NR micro-panels; columns past the edge are zero. */
static void pack_b(int tB, const float *B, int ldb, int k0, int j0, int kc, int nc, float *dst) {
  for (int jr = 0; jr < nc; jr += NR) {
    int nr = nc - jr < NR ? nc - jr : NR;
    int j = j0 + jr;
    if (!tB) {
      for (int k = 0; k < kc; k++, dst += NR) {
        const float *s = B + (size_t)(k0 + k) * ldb + j;
        /* Rows ldb apart defeat the hardware prefetcher: fetch this panel's row 8 ahead. */
        if (k + 8 < kc) {
          __builtin_prefetch(s + (size_t)8 * ldb, 0, 3);
          __builtin_prefetch(s + (size_t)8 * ldb + NR - 1, 0, 3);
        }
        int q = 0;
        for (; q < nr; q++) dst[q] = s[q];
        for (; q < NR; q++) dst[q] = 0;
      }
    } else {
      for (int q = 0; q < NR; q++) {
        if (q < nr) {
          const float *s = B + (size_t)(j + q) * ldb + k0;
          for (int k = 0; k < kc; k++) dst[k * NR + q] = s[k];
        } else {
          for (int k = 0; k < kc; k++) dst[k * NR + q] = 0;
        }
      }
      dst += (size_t)NR * kc;
    }
  }
}

/*
 * Bytes of op(B) (K x N) packed whole, block after block in the order the blocked loop reads them
 * (column blocks of NC, then depth blocks): a layer's weights packed once for many products. 0 when
 * products with this shape never read B packed (one column: gemm_col streams it).
 */
size_t GEMM_CAT(GEMM_FN, _packed_bytes)(int K, int N) {
  if (K <= 0 || N <= 1) return 0;
  size_t floats = 0;
  for (int jc = 0; jc < N; jc += NC) floats += packed_block(K, N - jc < NC ? N - jc : NC);
  return floats * sizeof(float);
}

void GEMM_CAT(GEMM_FN, _pack_b)(int tB, const float *B, int ldb, int K, int N, float *dst) {
  int kstep = depth_step(K);
  for (int jc = 0; jc < N; jc += NC) {
    int nc = N - jc < NC ? N - jc : NC;
    for (int pc = 0; pc < K; pc += kstep) {
      int kc = K - pc < kstep ? K - pc : kstep;
      pack_b(tB, B, ldb, pc, jc, kc, nc, dst);
      dst += packed_block(kc, nc);
    }
  }
}

/* dot(a, b) over n floats with 16 independent partial sums (vectorised for this file's ISA). */
static float dot16(const float *a, const float *b, int n) {
  float s[16] = {0};
  int k = 0;
  for (; k + 16 <= n; k += 16)
    for (int l = 0; l < 16; l++) s[l] = MADD(a[k + l], b[k + l], s[l]);
  for (int l = 8; l >= 1; l /= 2)
    for (int q = 0; q < l; q++) s[q] += s[q + l];
  float t = s[0];
  for (; k < n; k++) t = MADD(a[k], b[k], t);
  return t;
}

static void scale_rows(float *C, int ldc, int m0, int m1, int N, float beta) {
  if (beta == 1) return;
  for (int i = m0; i < m1; i++) {
    float *c = C + (size_t)i * ldc;
    if (beta == 0) memset(c, 0, (size_t)N * sizeof(float));
    else for (int j = 0; j < N; j++) c[j] *= beta;
  }
}

/*
 * Few rows of C (batch-1 inference): op(B) is streamed once per row instead of packed. Each element
 * gets the packed path's operations in its order (a sum from zero per depth block, alpha times it,
 * then beta times C added), so these rows are bit-identical to the same rows of a larger product.
 * acc holds N floats.
 */
static void gemm_rows(int tA, int tB, int N, int K, int kstep, float alpha, const float *A, int lda, const float *B, int ldb,
  float beta, float *C, int ldc, int m0, int m1, float *acc) {
  for (int i = m0; i < m1; i++) {
    const float *a = tA ? A + i : A + (size_t)i * lda; /* op(A)[i][k] = a[k * sa] */
    size_t sa = tA ? (size_t)lda : 1;
    float *c = C + (size_t)i * ldc;
    for (int pc = 0; pc < K; pc += kstep) {
      int k1 = K - pc < kstep ? K : pc + kstep;
      float kbeta = pc == 0 ? beta : 1;
      if (tB) {
        for (int j = 0; j < N; j++) {
          const float *b = B + (size_t)j * ldb;
          float s = 0;
          for (int k = pc; k < k1; k++) s = MADD(a[k * sa], b[k], s);
          acc[j] = s;
        }
      } else {
        memset(acc, 0, (size_t)N * sizeof(float));
        for (int k = pc; k < k1; k++) {
          const float x = a[k * sa], *b = B + (size_t)k * ldb;
          for (int j = 0; j < N; j++) acc[j] = MADD(x, b[j], acc[j]);
        }
      }
      if (kbeta == 0) for (int j = 0; j < N; j++) c[j] = alpha * acc[j];
      else for (int j = 0; j < N; j++) c[j] = MADD(kbeta, c[j], alpha * acc[j]);
    }
  }
}

/* One column of C (N == 1): each c[i] is a dot product of row i of op(A) with op(B). */
static void gemm_col(int tA, int tB, int K, float alpha, const float *A, int lda, const float *B, int ldb,
  float beta, float *C, int ldc, int m0, int m1, float *work) {
  const float *x = B;
  if (!tB && ldb != 1) {
    for (int k = 0; k < K; k++) work[k] = B[(size_t)k * ldb];
    x = work;
  }
  if (!tA) {
    for (int i = m0; i < m1; i++) {
      float *c = C + (size_t)i * ldc;
      float d = alpha * dot16(A + (size_t)i * lda, x, K);
      *c = beta == 0 ? d : MADD(beta, *c, d);
    }
    return;
  }
  /* op(A) = A^T: stream the stored rows, accumulating all of [m0, m1) at once. */
  float *acc = work + (x == work ? K : 0);
  int m = m1 - m0;
  memset(acc, 0, (size_t)m * sizeof(float));
  for (int k = 0; k < K; k++) {
    const float xk = x[k], *a = A + (size_t)k * lda + m0;
    for (int r = 0; r < m; r++) acc[r] = MADD(xk, a[r], acc[r]);
  }
  for (int r = 0; r < m; r++) {
    float *c = C + (size_t)(m0 + r) * ldc;
    *c = beta == 0 ? alpha * acc[r] : MADD(beta, *c, alpha * acc[r]);
  }
}

/*
 * The epilogue on rows [r0, r1) x columns [j0, j1) of finished C: the bias row added, then ReLU
 * (act 1), with the operations of add_row_vector and relu (elementwise.c), so a fused layer gives
 * the bits of the three separate kernels. Run on a tile row right after its last depth block, while
 * it is still in L1.
 */
static void epilogue(float *C, int ldc, int r0, int r1, int j0, int j1, const float *bias, int act) {
  for (int i = r0; i < r1; i++) {
    float *c = C + (size_t)i * ldc;
    if (bias)
      for (int j = j0; j < j1; j++) c[j] = c[j] + bias[j];
    if (act)
      for (int j = j0; j < j1; j++) c[j] = c[j] > 0 || c[j] != c[j] ? c[j] : 0.0f;
  }
}

void GEMM_FN(int tA, int tB, int M, int N, int K, float alpha, const float *A, int lda, const float *B, int ldb,
  float beta, float *C, int ldc, int m0, int m1, float *work, const float *bias, int act, const float *packed) {
  if (m1 > M) m1 = M;
  if (m0 >= m1 || N <= 0) return;
  int fused = bias != NULL || act != 0;
  if (K <= 0 || alpha == 0) {
    scale_rows(C, ldc, m0, m1, N, beta);
    if (fused) epilogue(C, ldc, m0, m1, 0, N, bias, act);
    return;
  }
  if (N == 1 && K + M <= MC * KC) {
    gemm_col(tA, tB, K, alpha, A, lda, B, ldb, beta, C, ldc, m0, m1, work);
    if (fused) epilogue(C, ldc, m0, m1, 0, N, bias, act);
    return;
  }
  int kstep = depth_step(K);
  if (M < MR / 2 && N <= MC * KC) {
    gemm_rows(tA, tB, N, K, kstep, alpha, A, lda, B, ldb, beta, C, ldc, m0, m1, work);
    if (fused) epilogue(C, ldc, m0, m1, 0, N, bias, act);
    return;
  }
  /* Few rows against a stored K x N op(B) (a layer's weights at serving batch sizes): packing B
     would cost as much as the product, so an ISA with micro_direct reads its rows in place. */
  /* `packed` (op(B) packed whole by _pack_b) stands in for packing B here; the operations are the same. */
#ifdef MICRO_DIRECT_B
  int direct = !packed && !tB && M <= DIRECT_B_ROWS;
#else
  const int direct = 0;
#endif
  /* Full MR-row tiles of a stored A read in place, where the ISA can, for a narrow B or a few blocks
     of rows (serving batches): there packing A costs as much as a good part of the product (measured:
     N = 13 at 128 rows took 27 us packed, 16 in place). Large products amortize packing over many
     panels and read packed panels faster. Only the last, partial tile is packed. */
#ifdef MICRO_DIRECT_A
  int directA = !tA && !direct && (M <= 4 * MC || N <= 2 * NR);
#else
  const int directA = 0;
#endif
  float *pA = work, *tile = work + MC * KC + KC * NC;
  const float *next = packed;
  for (int jc = 0; jc < N; jc += NC) {
    int nc = N - jc < NC ? N - jc : NC;
    for (int pc = 0; pc < K; pc += kstep) {
      int kc = K - pc < kstep ? K - pc : kstep;
      float kbeta = pc == 0 ? beta : 1; /* beta goes with the first depth block */
      const float *pB = next ? next : work + MC * KC;
      if (next) next += packed_block(kc, nc);
      else if (!direct) pack_b(tB, B, ldb, pc, jc, kc, nc, work + MC * KC);
      for (int ic = m0; ic < m1; ic += MC) {
        int mc = m1 - ic < MC ? m1 - ic : MC;
        int inPlace = directA ? mc / MR * MR : 0; /* rows [ic, ic + inPlace) read in place */
        if (inPlace < mc) pack_a(tA, A, lda, ic + inPlace, pc, mc - inPlace, kc, pA + (size_t)inPlace * kc);
        /* An A micro-panel stays in L1 while the packed B panels stream past it from L2. */
        for (int ir = 0; ir < mc; ir += MR) {
          int mr = mc - ir < MR ? mc - ir : MR;
          const float *pa = pA + (size_t)ir * kc;
          for (int jr = 0; jr < nc; jr += NR) {
            int nr = nc - jr < NR ? nc - jr : NR;
            const float *pb = pB + (size_t)jr * kc;
            float *c = C + (size_t)(ic + ir) * ldc + jc + jr;
#ifdef MICRO_DIRECT_A
            if (ir < inPlace) {
              micro_rows(kc, A + (size_t)(ic + ir) * lda + pc, lda, pb, c, ldc, alpha, kbeta, nr);
              continue;
            }
#endif
#ifdef MICRO_DIRECT_B
            if (direct) {
              micro_direct(kc, pa, B + (size_t)pc * ldb + jc + jr, ldb, c, ldc, alpha, kbeta, mr, nr);
              continue;
            }
#endif
            if (mr == MR && nr == NR) {
              micro(kc, pa, pb, c, ldc, alpha, kbeta);
              continue;
            }
#ifdef MICRO_EDGE
            micro_edge(kc, pa, pb, c, ldc, alpha, kbeta, mr, nr);
            continue;
#endif
            /* Edge: the whole tile aside, then the part inside C updated as `micro` would. */
            micro(kc, pa, pb, tile, NR, alpha, 0);
            for (int r = 0; r < mr; r++)
              for (int q = 0; q < nr; q++) {
                float *d = c + (size_t)r * ldc + q, t = tile[r * NR + q];
                *d = kbeta == 0 ? t : MADD(kbeta, *d, t);
              }
          }
          if (fused && pc + kc >= K) epilogue(C, ldc, ic + ir, ic + ir + mr, jc, jc + nc, bias, act);
        }
      }
    }
  }
}
