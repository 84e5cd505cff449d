// Single-precision GEMM: C = alpha * op(A) * op(B) + beta * C on rows [m0, m1) of C.
// Goto/BLIS structure: B is packed into KC x NR micro-panels, A into MR x KC micro-panels, and a
// register-blocked micro-kernel (3 x 12 with FMA, 4 x 8 without; see below) does the multiply-adds.
// Row ranges let a thread pool split C by rows; every element is computed by the same sequence of
// operations whatever the split, so results do not depend on the thread count.

// Micro-tile MR x NR: 3 x 12 in the FMA (relaxed SIMD) build, 4 x 8 otherwise (see the kernels).
const MR: i32 = ASC_FEATURE_RELAXED_SIMD ? 3 : 4;
const NR: i32 = ASC_FEATURE_RELAXED_SIMD ? 12 : 8;
// Cache blocks (Zen 4: 32 KiB L1d, 1 MiB L2 per core): the kc x NR micro-panel of packed B (up to
// 30 KiB) is reused from L1 / streamed by the prefetcher while the MC x kc block of packed A
// (<= 300 KiB) stays in L2. K is cut into equal blocks of at most KC; a large KC means fewer passes
// over C (K = 624 is one block: measured ~4% faster than two blocks of 312). MC and NC are
// multiples of both micro-tiles, so only the last rows and columns of C can be edge tiles; NC
// covers the layer widths in one block (A is packed once).
const KC: i32 = 640;
const MC: i32 = 120;
const NC: i32 = 1008;

/** Bytes of scratch one thread needs for sgemm (packed A, packed B, edge tile). */
export function gemm_work_bytes(): i32 {
  return (MC * KC + KC * NC + MR * NR) << 2;
}

/**
 * Packs rows [i0, i0+mc) x columns [k0, k0+kc) of op(A) into MR x kc micro-panels: for each k, the
 * MR values of that column sit side by side. Rows past the edge are zero.
 */
function packA(tA: i32, A: usize, lda: i32, i0: i32, k0: i32, mc: i32, kc: i32, dst: usize): void {
  const lda4 = <usize>lda << 2;
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = min(MR, mc - ir);
    const i = i0 + ir;
    if (mr == MR && !tA) {
      // Row-major A: walk each of the MR rows along k, writing every MR-th float.
      let row = A + (<usize>(i * lda + k0) << 2);
      for (let r = 0; r < MR; r++) {
        let s = row, d = dst + (<usize>r << 2);
        const end = s + (<usize>kc << 2);
        while (s < end) {
          store<f32>(d, load<f32>(s));
          s += 4;
          d += MR << 2;
        }
        row += lda4;
      }
      dst += <usize>(MR * kc) << 2;
      continue;
    }
    if (mr == MR) {
      // Stored transposed: column k of op(A) is MR contiguous floats of stored row k.
      let s = A + (<usize>(k0 * lda + i) << 2);
      for (let k = 0; k < kc; k++) {
        for (let q: usize = 0; q < <usize>MR << 2; q += 4) store<f32>(dst + q, load<f32>(s + q));
        s += lda4;
        dst += MR << 2;
      }
      continue;
    }
    for (let k = 0; k < kc; k++) {
      for (let r = 0; r < MR; r++) {
        let v: f32 = 0;
        if (r < mr) {
          const kk = k0 + k;
          v = tA ? load<f32>(A + (<usize>(kk * lda + i + r) << 2)) : load<f32>(A + (<usize>((i + r) * lda + kk) << 2));
        }
        store<f32>(dst, v);
        dst += 4;
      }
    }
  }
}

/**
 * Packs rows [k0, k0+kc) x columns [j0, j0+nc) of op(B) into kc x NR micro-panels: for each k, the
 * NR values of that row are contiguous. Columns past the edge are zero.
 */
function packB(tB: i32, B: usize, ldb: i32, k0: i32, j0: i32, kc: i32, nc: i32, dst: usize): void {
  const ldb4 = <usize>ldb << 2;
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    const j = j0 + jr;
    if (nr == NR && !tB) {
      // Row-major B: each k contributes NR contiguous floats (whole v128s).
      let s = B + (<usize>(k0 * ldb + j) << 2);
      for (let k = 0; k < kc; k++) {
        for (let q: usize = 0; q < <usize>NR << 2; q += 16) v128.store(dst + q, v128.load(s + q));
        s += ldb4;
        dst += NR << 2;
      }
      continue;
    }
    if (nr == NR) {
      // Stored transposed: walk each of the NR stored rows along k, writing every NR-th float.
      let row = B + (<usize>(j * ldb + k0) << 2);
      for (let q = 0; q < NR; q++) {
        let s = row, d = dst + (<usize>q << 2);
        const end = s + (<usize>kc << 2);
        while (s < end) {
          store<f32>(d, load<f32>(s));
          s += 4;
          d += NR << 2;
        }
        row += ldb4;
      }
      dst += <usize>(NR * kc) << 2;
      continue;
    }
    for (let k = 0; k < kc; k++) {
      const kk = k0 + k;
      for (let c = 0; c < NR; c++) {
        let v: f32 = 0;
        if (c < nr) {
          v = tB ? load<f32>(B + (<usize>((j + c) * ldb + kk) << 2)) : load<f32>(B + (<usize>(kk * ldb + j + c) << 2));
        }
        store<f32>(dst, v);
        dst += 4;
      }
    }
  }
}

// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  // Fused multiply-add where the engine has relaxed SIMD (one instruction), else mul + add.
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** The 4 floats at c become alpha * x + beta * c (c is not read when beta is 0, as in BLAS). */
// @ts-ignore: decorator
@inline function update(c: usize, x: v128, va: v128, vb: v128, beta: f32): void {
  const ax = f32x4.mul(va, x);
  v128.store(c, beta == 0 ? ax : f32x4.add(f32x4.mul(vb, v128.load(c)), ax));
}

// The micro-kernels. V8 (x64) gives wasm 15 usable xmm registers, and TurboFan schedules all of a
// loop iteration's loads before its arithmetic, so accumulators + loaded values (+ a product
// temporary without FMA) must fit in 15 or accumulators spill to the stack. Per k step:
//   3x12 with FMA:     9 accumulators + 3 B vectors + 3 A broadcasts        = 15 (9 FMAs per 6 loads)
//   4x8 with mul+add:  8 accumulators + 2 B vectors + 4 A broadcasts + temp = 15 (8 madds per 6 loads)
// Both keep >= 8 independent accumulator chains, enough to cover the FMA latency on two pipes.
// Unrolling k (more loads per iteration) or larger tiles (6x8, 5x8, 4x12) spill and run slower;
// so does 3x12 without FMA (it needs a 16th register). Measured on Zen 4 / Node 20: 3x12 runs at
// ~95% of the FMA peak (the hot loop is 9 FMAs, 6 loads, 2 leas and 5 loop-control instructions).

/** C[3x12] = alpha * Apanel * Bpanel + beta * C, with C rows ldc4 bytes apart (FMA build). */
function kernel3x12(kc: i32, pa: usize, pb: usize, c: usize, ldc4: usize, alpha: f32, beta: f32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c22 = f32x4.splat(0);
  const end = pa + (<usize>(kc * 3) << 2);
  while (pa < end) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    const b2 = v128.load(pb, 32);
    let a = v128.load32_splat(pa);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01); c02 = madd(a, b2, c02);
    a = v128.load32_splat(pa, 4);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11); c12 = madd(a, b2, c12);
    a = v128.load32_splat(pa, 8);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21); c22 = madd(a, b2, c22);
    pa += 12;
    pb += 48;
  }
  const va = f32x4.splat(alpha), vb = f32x4.splat(beta);
  update(c, c00, va, vb, beta); update(c + 16, c01, va, vb, beta); update(c + 32, c02, va, vb, beta);
  c += ldc4;
  update(c, c10, va, vb, beta); update(c + 16, c11, va, vb, beta); update(c + 32, c12, va, vb, beta);
  c += ldc4;
  update(c, c20, va, vb, beta); update(c + 16, c21, va, vb, beta); update(c + 32, c22, va, vb, beta);
}

/** C[4x8] = alpha * Apanel * Bpanel + beta * C, with C rows ldc4 bytes apart (mul + add build). */
function kernel4x8(kc: i32, pa: usize, pb: usize, c: usize, ldc4: usize, alpha: f32, beta: f32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const end = pa + (<usize>(kc * 4) << 2);
  while (pa < end) {
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
  const va = f32x4.splat(alpha), vb = f32x4.splat(beta);
  update(c, c00, va, vb, beta); update(c + 16, c01, va, vb, beta);
  c += ldc4;
  update(c, c10, va, vb, beta); update(c + 16, c11, va, vb, beta);
  c += ldc4;
  update(c, c20, va, vb, beta); update(c + 16, c21, va, vb, beta);
  c += ldc4;
  update(c, c30, va, vb, beta); update(c + 16, c31, va, vb, beta);
}

/** C[MR x NR] = alpha * Apanel * Bpanel + beta * C with this build's micro-kernel. */
// @ts-ignore: decorator
@inline function kernel(kc: i32, pa: usize, pb: usize, c: usize, ldc4: usize, alpha: f32, beta: f32): void {
  if (ASC_FEATURE_RELAXED_SIMD) kernel3x12(kc, pa, pb, c, ldc4, alpha, beta);
  else kernel4x8(kc, pa, pb, c, ldc4, alpha, beta);
}

function scaleRows(C: usize, ldc: i32, m0: i32, m1: i32, N: i32, beta: f32): void {
  if (beta == 1) return;
  for (let i = m0; i < m1; i++) {
    const row = C + (<usize>(i * ldc) << 2);
    if (beta == 0) memory.fill(row, 0, <usize>N << 2);
    else for (let j = 0; j < N; j++) store<f32>(row + (<usize>j << 2), beta * load<f32>(row + (<usize>j << 2)));
  }
}

// Matrix-vector products (N == 1, e.g. a layer with one output). The packed path would compute a
// whole NR-wide tile per output column, so these stream op(A) once instead. Each element of C still
// gets the same operations whatever the row split (gemvCols treats the last rows lane by lane
// with the same vector operation).

/** C[i] += alpha * dot(row i of A, x) for i in [m0, m1): A row-major, x contiguous (K floats). */
function gemvRows(m0: i32, m1: i32, K: i32, alpha: f32, A: usize, lda: i32, x: usize, C: usize, ldc: i32): void {
  const K16 = K & ~15;
  for (let i = m0; i < m1; i++) {
    const row = A + (<usize>(i * lda) << 2);
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    for (let k = 0; k < K16; k += 16) {
      const a = row + (<usize>k << 2), b = x + (<usize>k << 2);
      s0 = madd(v128.load(a), v128.load(b), s0);
      s1 = madd(v128.load(a, 16), v128.load(b, 16), s1);
      s2 = madd(v128.load(a, 32), v128.load(b, 32), s2);
      s3 = madd(v128.load(a, 48), v128.load(b, 48), s3);
    }
    const s = f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3));
    let dot = f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
    for (let k = K16; k < K; k++) dot += load<f32>(row + (<usize>k << 2)) * load<f32>(x + (<usize>k << 2));
    const c = C + (<usize>(i * ldc) << 2);
    store<f32>(c, load<f32>(c) + alpha * dot);
  }
}

/** C[m0..m1) += alpha * sum_k x[k] * (row k of A)[m0..m1): A stored K x M (op(A) = A^T), C contiguous. */
function gemvCols(m0: i32, m1: i32, K: i32, alpha: f32, A: usize, lda: i32, x: usize, xstride: i32, C: usize): void {
  const n4 = (m1 - m0) & ~3;
  const c = C + (<usize>m0 << 2);
  for (let k = 0; k < K; k++) {
    const ax = f32x4.splat(alpha * load<f32>(x + (<usize>(k * xstride) << 2)));
    const a = A + (<usize>(k * lda + m0) << 2);
    for (let j = 0; j < n4; j += 4) {
      const p = <usize>j << 2;
      v128.store(c + p, madd(ax, v128.load(a + p), v128.load(c + p)));
    }
    // The last < 4 rows (only at the end of C) go through the same vector operation lane by lane.
    if (n4 < m1 - m0) {
      let va = f32x4.splat(0), vc = f32x4.splat(0);
      for (let j = n4; j < m1 - m0; j++) {
        va = f32x4.replace_lane(va, 0, load<f32>(a + (<usize>j << 2)));
        vc = f32x4.replace_lane(vc, 0, load<f32>(c + (<usize>j << 2)));
        store<f32>(c + (<usize>j << 2), f32x4.extract_lane(madd(ax, va, vc), 0));
      }
    }
  }
}

// Few rows (M below the micro-tile's MR, e.g. batch-1 inference): packing B and running MR-row
// micro-kernels with one useful row costs more than the multiply-adds. This streams B row by row
// instead, 16 columns of C at a time held in registers. Each element of C gets exactly the
// packed path's operations (madd over k in order from 0 within each depth block, then update()),
// so results do not depend on which path ran.

/** Four columns of C from their accumulators, as the micro-kernels' update() writes them. */
@inline function smallMStore(c: usize, acc: v128, alpha: f32, beta: f32): void {
  update(c, acc, f32x4.splat(alpha), f32x4.splat(beta), beta);
}

/** Rows [m0, m1) of C = alpha * op(A) B + beta * C, B row-major K x N (not transposed), depth blocks of kstep. */
function gemmFewRows(
  tA: i32, N: i32, K: i32, alpha: f32, A: usize, lda: i32, B: usize, ldb: i32, beta: f32, C: usize, ldc: i32,
  m0: i32, m1: i32, kstep: i32,
): void {
  const ldb4 = <usize>ldb << 2;
  const N16 = N & ~15, N4 = N & ~3;
  for (let i = m0; i < m1; i++) {
    const c = C + (<usize>(i * ldc) << 2);
    // a(k): element k of row i of op(A).
    const aBase = tA ? A + (<usize>i << 2) : A + (<usize>(i * lda) << 2);
    const aStep: usize = tA ? <usize>lda << 2 : 4;
    for (let pc = 0; pc < K; pc += kstep) {
      const kc = min(kstep, K - pc);
      const kbeta: f32 = pc == 0 ? beta : 1;
      const a0 = aBase + <usize>pc * aStep, b0 = B + <usize>pc * ldb4;
      for (let j = 0; j < N16; j += 16) {
        let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
        let a = a0, b = b0 + (<usize>j << 2);
        for (let k = 0; k < kc; k++) {
          const x = v128.load32_splat(a);
          s0 = madd(x, v128.load(b), s0);
          s1 = madd(x, v128.load(b, 16), s1);
          s2 = madd(x, v128.load(b, 32), s2);
          s3 = madd(x, v128.load(b, 48), s3);
          a += aStep;
          b += ldb4;
        }
        const cj = c + (<usize>j << 2);
        smallMStore(cj, s0, alpha, kbeta); smallMStore(cj + 16, s1, alpha, kbeta);
        smallMStore(cj + 32, s2, alpha, kbeta); smallMStore(cj + 48, s3, alpha, kbeta);
      }
      for (let j = N16; j < N4; j += 4) {
        let s0 = f32x4.splat(0);
        let a = a0, b = b0 + (<usize>j << 2);
        for (let k = 0; k < kc; k++) {
          s0 = madd(v128.load32_splat(a), v128.load(b), s0);
          a += aStep;
          b += ldb4;
        }
        smallMStore(c + (<usize>j << 2), s0, alpha, kbeta);
      }
      for (let q = N4; q < N; q++) {
        // The last < 4 columns one at a time: the same vector operations in lane 0.
        let s0 = f32x4.splat(0);
        let a = a0, b = b0 + (<usize>q << 2);
        for (let k = 0; k < kc; k++) {
          s0 = madd(v128.load32_splat(a), f32x4.replace_lane(f32x4.splat(0), 0, load<f32>(b)), s0);
          a += aStep;
          b += ldb4;
        }
        const t = f32x4.extract_lane(f32x4.mul(s0, f32x4.splat(alpha)), 0);
        const dst = c + (<usize>q << 2);
        store<f32>(dst, kbeta == 0 ? t : kbeta * load<f32>(dst) + t);
      }
    }
  }
}

export function sgemm(
  tA: i32, tB: i32, M: i32, N: i32, K: i32, alpha: f32,
  A: usize, lda: i32, B: usize, ldb: i32, beta: f32, C: usize, ldc: i32,
  m0: i32, m1: i32, work: usize,
): void {
  if (m1 > M) m1 = M;
  if (m0 >= m1 || N <= 0) return;
  if (K <= 0 || alpha == 0) {
    scaleRows(C, ldc, m0, m1, N, beta);
    return;
  }
  const xContiguous = tB || ldb == 1;
  if (N == 1 && !tA && (xContiguous || K <= (gemm_work_bytes() >> 2))) {
    // x = op(B) as K contiguous floats (B is K x 1 with stride ldb, or 1 x K); copied if strided.
    let x = B;
    if (!xContiguous) {
      x = work;
      for (let k = 0; k < K; k++) store<f32>(x + (<usize>k << 2), load<f32>(B + (<usize>(k * ldb) << 2)));
    }
    scaleRows(C, ldc, m0, m1, N, beta);
    gemvRows(m0, m1, K, alpha, A, lda, x, C, ldc);
    return;
  }
  if (N == 1 && ldc == 1) {
    scaleRows(C, ldc, m0, m1, N, beta);
    gemvCols(m0, m1, K, alpha, A, lda, B, tB ? 1 : ldb, C);
    return;
  }
  // Depth blocks of at most KC, as even as possible (624 = 312 + 312 rather than 400 + 224). They
  // depend on K only, so every element of C sums its products in the same order on any thread.
  const kblocks = (K + KC - 1) / KC;
  const kstep = min(KC, (((K + kblocks - 1) / kblocks) + 3) & ~3);
  if (M < MR && !tB) {
    gemmFewRows(tA, N, K, alpha, A, lda, B, ldb, beta, C, ldc, m0, m1, kstep);
    return;
  }
  const pA = work;
  const pB = work + (<usize>(MC * KC) << 2);
  const tile = pB + (<usize>(KC * NC) << 2);
  const ldc4 = <usize>ldc << 2;
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += kstep) {
      const kc = min(kstep, K - pc);
      const kbeta: f32 = pc == 0 ? beta : 1; // beta is applied with the first depth block
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
              kernel(kc, pa, pb, c, ldc4, alpha, kbeta);
            } else {
              // Edge: compute the full tile aside (alpha * A * B), then update the part inside C with
              // the same operations as update().
              kernel(kc, pa, pb, tile, <usize>NR << 2, alpha, 0);
              for (let r = 0; r < mr; r++) {
                for (let q = 0; q < nr; q++) {
                  const dst = c + (<usize>(r * ldc + q) << 2);
                  const t = load<f32>(tile + (<usize>(r * NR + q) << 2));
                  store<f32>(dst, kbeta == 0 ? t : kbeta * load<f32>(dst) + t);
                }
              }
            }
          }
        }
      }
    }
  }
}
