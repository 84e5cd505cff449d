// Single-precision GEMM: C = alpha * op(A) * op(B) + beta * C on rows [m0, m1) of C.
// Goto/BLIS structure: B is packed into KC x NR micro-panels, A into MR x KC micro-panels, and a
// 4 x 8 register-blocked micro-kernel (8 v128 accumulators: V8 spills beyond that) does the multiply-adds.
// Row ranges let a thread pool split C by rows; every element is computed by the same sequence of
// operations whatever the split, so results do not depend on the thread count.

const MR: i32 = 4;
const NR: i32 = 8;
const KC: i32 = 256;
const MC: i32 = 128;
const NC: i32 = 512;

/** Bytes of scratch one thread needs for sgemm (packed A, packed B, edge tile). */
export function gemm_work_bytes(): i32 {
  return (MC * KC + KC * NC + MR * NR) << 2;
}

function packA(tA: i32, A: usize, lda: i32, i0: i32, k0: i32, mc: i32, kc: i32, dst: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = min(MR, mc - ir);
    for (let k = 0; k < kc; k++) {
      for (let r = 0; r < MR; r++) {
        let v: f32 = 0;
        if (r < mr) {
          const i = i0 + ir + r;
          const kk = k0 + k;
          v = tA ? load<f32>(A + (<usize>(kk * lda + i) << 2)) : load<f32>(A + (<usize>(i * lda + kk) << 2));
        }
        store<f32>(dst, v);
        dst += 4;
      }
    }
  }
}

function packB(tB: i32, B: usize, ldb: i32, k0: i32, j0: i32, kc: i32, nc: i32, dst: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    if (!tB && nr == NR) {
      let src = B + (<usize>(k0 * ldb + j0 + jr) << 2);
      const stride = <usize>ldb << 2;
      for (let k = 0; k < kc; k++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        src += stride;
        dst += 32;
      }
      continue;
    }
    for (let k = 0; k < kc; k++) {
      const kk = k0 + k;
      for (let c = 0; c < NR; c++) {
        let v: f32 = 0;
        if (c < nr) {
          const j = j0 + jr + c;
          v = tB ? load<f32>(B + (<usize>(j * ldb + kk) << 2)) : load<f32>(B + (<usize>(kk * ldb + j) << 2));
        }
        store<f32>(dst, v);
        dst += 4;
      }
    }
  }
}

// @ts-ignore: decorator
@inline function acc2(c: usize, x0: v128, x1: v128, va: v128): void {
  v128.store(c, f32x4.add(v128.load(c), f32x4.mul(va, x0)));
  v128.store(c, f32x4.add(v128.load(c, 16), f32x4.mul(va, x1)), 16);
}

// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  // Fused multiply-add where the engine has relaxed SIMD (one instruction), else mul + add.
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** C[4x8] += alpha * Apanel * Bpanel, with C rows ldc4 bytes apart. */
function kernel(kc: i32, pa: usize, pb: usize, c: usize, ldc4: usize, alpha: f32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = v128.load32_splat(pa, 4);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    a = v128.load32_splat(pa, 8);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    a = v128.load32_splat(pa, 12);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    pa += 16;
    pb += 32;
  }
  const va = f32x4.splat(alpha);
  acc2(c, c00, c01, va); c += ldc4;
  acc2(c, c10, c11, va); c += ldc4;
  acc2(c, c20, c21, va); c += ldc4;
  acc2(c, c30, c31, va);
}

function scaleRows(C: usize, ldc: i32, m0: i32, m1: i32, N: i32, beta: f32): void {
  if (beta == 1) return;
  for (let i = m0; i < m1; i++) {
    const row = C + (<usize>(i * ldc) << 2);
    if (beta == 0) memory.fill(row, 0, <usize>N << 2);
    else for (let j = 0; j < N; j++) store<f32>(row + (<usize>j << 2), beta * load<f32>(row + (<usize>j << 2)));
  }
}

export function sgemm(
  tA: i32, tB: i32, M: i32, N: i32, K: i32, alpha: f32,
  A: usize, lda: i32, B: usize, ldb: i32, beta: f32, C: usize, ldc: i32,
  m0: i32, m1: i32, work: usize,
): void {
  if (m1 > M) m1 = M;
  if (m0 >= m1 || N <= 0) return;
  scaleRows(C, ldc, m0, m1, N, beta);
  if (K <= 0 || alpha == 0) return;
  const pA = work;
  const pB = work + (<usize>(MC * KC) << 2);
  const tile = pB + (<usize>(KC * NC) << 2);
  const ldc4 = <usize>ldc << 2;
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      packB(tB, B, ldb, pc, jc, kc, nc, pB);
      for (let ic = m0; ic < m1; ic += MC) {
        const mc = min(MC, m1 - ic);
        packA(tA, A, lda, ic, pc, mc, kc, pA);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const pb = pB + (<usize>(jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const pa = pA + (<usize>(ir * kc) << 2);
            const c = C + (<usize>((ic + ir) * ldc + jc + jr) << 2);
            if (mr == MR && nr == NR) {
              kernel(kc, pa, pb, c, ldc4, alpha);
            } else {
              memory.fill(tile, 0, <usize>(MR * NR) << 2);
              kernel(kc, pa, pb, tile, <usize>NR << 2, alpha);
              for (let r = 0; r < mr; r++) {
                for (let q = 0; q < nr; q++) {
                  const dst = c + (<usize>(r * ldc + q) << 2);
                  store<f32>(dst, load<f32>(dst) + load<f32>(tile + (<usize>(r * NR + q) << 2)));
                }
              }
            }
          }
        }
      }
    }
  }
}
