/**
 * The native kernels (native/) against float64 references and against the WebAssembly kernels, on
 * every instruction set this CPU runs (AVX-512, AVX2+FMA, baseline on x86-64): random shapes with
 * edge sizes (1, odd, not multiples of the micro-tile or vector width), strided operands, every
 * transpose case; the row kernels must match the WebAssembly ones bit for bit. Skipped where the
 * addon was not built, except in CI, where the build must have worked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../src/kernels/engine.js';
import { loadNative, type NativeKernels } from '../../src/kernels/native.js';
import { mulberry32 } from '../helpers.js';

const { addon, error } = await loadNative();
const skip = addon ? false : `native kernels unavailable: ${error}`;
const isas = addon?.isas() ?? [];

test("the native addon is built in CI and lists this CPU's instruction sets, best first", {
  skip: !process.env.CI && skip,
}, () => {
  assert.ok(addon, `CI must build the native kernels: ${error}`);
  assert.ok(isas.length >= 1 && isas.at(-1) === (process.arch === 'arm64' ? 'neon' : 'baseline'), isas.join(','));
});

/** A wasm-only engine whose heap both backends work in; `native(isa)` binds the addon to the same memory. */
async function bench(): Promise<{ e: Engine; native: (isa: string) => NativeKernels; work: number }> {
  const e = await Engine.create({ threads: 1, backend: 'wasm' });
  const native = (isa: string): NativeKernels => addon!.bind(new Uint8Array(e.heap.memory.buffer), isa);
  const bytes = Math.max(e.k.gemm_work_bytes(), ...isas.map((i) => native(i).gemm_work_bytes()));
  return { e, native, work: e.heap.alloc(bytes) };
}

test('native sgemm matches float64 and the WebAssembly sgemm: every ISA, transpose, edge size and stride', {
  skip,
}, async () => {
  const { e, native, work } = await bench();
  const rnd = mulberry32(11);
  // [M, N, K]: ones, odd sizes, around the micro-tiles (4x8, 6x16, 12x32, 8x12) and past a depth block.
  const shapes = [
    [1, 1, 1],
    [1, 33, 17],
    [2, 5, 3],
    [3, 47, 400],
    [7, 1, 9],
    [13, 17, 1],
    [12, 32, 16],
    [25, 65, 31],
    [37, 29, 300],
    [97, 130, 777],
    [150, 3, 40],
  ];
  try {
    for (const isa of isas) {
      const k = native(isa);
      for (const [M, N, K] of shapes)
        for (const tA of [0, 1])
          for (const tB of [0, 1]) {
            const pad = (rnd() * 3) | 0; // strided operands: leading dimensions past the matrix width
            const lda = (tA ? M : K) + pad,
              ldb = (tB ? K : N) + pad,
              ldc = N + pad;
            const A = e.heap.alloc((tA ? K : M) * lda * 4),
              B = e.heap.alloc((tB ? N : K) * ldb * 4);
            const C1 = e.heap.alloc(M * ldc * 4),
              C2 = e.heap.alloc(M * ldc * 4);
            const a = e.heap.f32(A, (tA ? K : M) * lda),
              b = e.heap.f32(B, (tB ? N : K) * ldb);
            a.forEach((_, i) => (a[i] = rnd() - 0.5));
            b.forEach((_, i) => (b[i] = rnd() - 0.5));
            const c1 = e.heap.f32(C1, M * ldc),
              c2 = e.heap.f32(C2, M * ldc);
            c1.forEach((_, i) => (c1[i] = rnd() - 0.5));
            c2.set(c1);
            const c0 = Float64Array.from(c1);
            const [alpha, beta] = [
              [1, 0],
              [0.5, 2],
              [-1.5, 1],
            ][(rnd() * 3) | 0];
            if (beta === 0)
              for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) c1[i * ldc + j] = c2[i * ldc + j] = NaN; // must not be read
            k.sgemm(tA, tB, M, N, K, alpha, A, lda, B, ldb, beta, C1, ldc, 0, M, work);
            e.k.sgemm(tA, tB, M, N, K, alpha, A, lda, B, ldb, beta, C2, ldc, 0, M, work);
            const what = `${isa} M${M} N${N} K${K} tA${tA} tB${tB} lda${lda} ldb${ldb} ldc${ldc} alpha${alpha} beta${beta}`;
            for (let i = 0; i < M; i++) {
              for (let j = 0; j < N; j++) {
                let s = 0;
                for (let q = 0; q < K; q++) s += a[tA ? q * lda + i : i * lda + q] * b[tB ? j * ldb + q : q * ldb + j];
                const want = alpha * s + (beta === 0 ? 0 : beta * c0[i * ldc + j]);
                const got = c1[i * ldc + j],
                  wasm = c2[i * ldc + j];
                assert.ok(Math.abs(got - want) <= 1e-5 * (1 + K), `${what} at (${i}, ${j}): ${got} vs float64 ${want}`);
                assert.ok(Math.abs(got - wasm) <= 2e-5 * (1 + K), `${what} at (${i}, ${j}): ${got} vs wasm ${wasm}`);
              }
              for (let j = N; j < ldc; j++)
                assert.equal(c1[i * ldc + j], Math.fround(c0[i * ldc + j]), `${what}: C past column N is untouched`);
            }
            for (const p of [A, B, C1, C2]) e.heap.release(p);
          }
    }
  } finally {
    await e.close();
  }
});

test("sgemm's bias and ReLU epilogue gives the bits of sgemm, add_row_vector and relu: every ISA and path, and WebAssembly", {
  skip,
}, async () => {
  const { e, native, work } = await bench();
  const rnd = mulberry32(13);
  // Packed tiles with corners, few rows (streamed), one column, and K = 0 (no product, epilogue only).
  const shapes = [
    [61, 45, 70],
    [3, 37, 50],
    [40, 1, 33],
    [9, 17, 0],
  ];
  try {
    for (const [M, N, K] of shapes) {
      const ldc = N + 2;
      const A = e.heap.alloc(Math.max(1, M * K) * 4),
        B = e.heap.alloc(Math.max(1, K * N) * 4),
        bias = e.heap.alloc(N * 4),
        C0 = e.heap.alloc(M * ldc * 4),
        C = e.heap.alloc(M * ldc * 4);
      e.heap.f32(A, M * K).forEach((_, i, x) => (x[i] = rnd() - 0.5));
      e.heap.f32(B, K * N).forEach((_, i, x) => (x[i] = rnd() - 0.5));
      e.heap.f32(bias, N).forEach((_, i, x) => (x[i] = rnd() - 0.5));
      const start = Float32Array.from({ length: M * ldc }, () => rnd() - 0.5);
      const kernels = [...isas.map((isa) => [isa, native(isa)] as const), ['wasm', e.k] as const];
      for (const [name, k] of kernels)
        for (const [m0, m1] of [
          [0, M],
          [1, M - 1],
        ])
          for (const act of [0, 1]) {
            // Reference: the product, then the bias and ReLU kernels row by row (C is strided).
            e.heap.f32(C0, M * ldc).set(start);
            k.sgemm(0, 0, M, N, K, 0.5, A, K, B, N, 0.25, C0, ldc, m0, m1, work);
            for (let i = m0; i < m1; i++) {
              e.k.add_row_vector(C0 + i * ldc * 4, bias, 1, N);
              if (act) e.k.relu(C0 + i * ldc * 4, C0 + i * ldc * 4, N);
            }
            e.heap.f32(C, M * ldc).set(start);
            k.sgemm(0, 0, M, N, K, 0.5, A, K, B, N, 0.25, C, ldc, m0, m1, work, bias, act);
            assert.deepEqual(
              e.heap.f32(C, M * ldc),
              e.heap.f32(C0, M * ldc),
              `${name} ${M}x${N}x${K} rows ${m0}-${m1} act ${act}`,
            );
          }
    }
  } finally {
    await e.close();
  }
});

test('native sgemm on a row range computes exactly those rows, as the whole call does', { skip }, async () => {
  const { e, native, work } = await bench();
  const rnd = mulberry32(12);
  const M = 61,
    N = 45,
    K = 70;
  const A = e.heap.alloc(M * K * 4),
    B = e.heap.alloc(K * N * 4),
    C1 = e.heap.alloc(M * N * 4),
    C2 = e.heap.alloc(M * N * 4);
  e.heap.f32(A, M * K).forEach((_, i, x) => (x[i] = rnd() - 0.5));
  e.heap.f32(B, K * N).forEach((_, i, x) => (x[i] = rnd() - 0.5));
  try {
    for (const isa of isas) {
      const k = native(isa);
      e.heap.f32(C1, M * N).fill(7);
      e.heap.f32(C2, M * N).fill(7);
      k.sgemm(0, 0, M, N, K, 1, A, K, B, N, 0, C1, N, 0, M, work);
      for (const [m0, m1] of [
        [0, 4],
        [4, 40],
        [40, 61],
      ])
        k.sgemm(0, 0, M, N, K, 1, A, K, B, N, 0, C2, N, m0, m1, work);
      assert.deepEqual(e.heap.f32(C2, M * N), e.heap.f32(C1, M * N), isa);
      k.sgemm(0, 0, M, N, K, 1, A, K, B, N, 0, C2, N, 10, 20, work);
      e.heap.f32(C2, M * N).fill(7);
      k.sgemm(0, 0, M, N, K, 1, A, K, B, N, 0, C2, N, 10, 20, work);
      const c2 = e.heap.f32(C2, M * N);
      for (let i = 0; i < M; i++)
        for (let j = 0; j < N; j++) {
          if (i < 10 || i >= 20) assert.equal(c2[i * N + j], 7, `${isa}: row ${i} outside [10, 20) untouched`);
        }
    }
  } finally {
    await e.close();
  }
});

test('native sgemm on 1 to 5 rows (streamed, not packed) gives those rows bit for bit as a many-row product does, on every ISA', {
  skip,
}, async () => {
  const { e, native, work } = await bench();
  const rnd = mulberry32(14);
  const M = 24;
  try {
    for (const isa of isas) {
      const k = native(isa);
      for (const [N, K] of [
        [403, 624],
        [45, 1300],
        [3, 5],
        [16, 1],
      ])
        for (const tA of [0, 1])
          for (const tB of [0, 1]) {
            const A = e.heap.alloc(M * K * 4),
              B = e.heap.alloc(K * N * 4),
              C = e.heap.alloc(M * N * 4),
              R = e.heap.alloc(M * N * 4);
            e.heap.f32(A, M * K).forEach((_, i, x) => (x[i] = rnd() - 0.5));
            e.heap.f32(B, K * N).forEach((_, i, x) => (x[i] = rnd() - 0.5));
            const c0 = e.heap.f32(C, M * N).map(() => rnd() - 0.5);
            e.heap.f32(C, M * N).set(c0);
            k.sgemm(tA, tB, M, N, K, 0.75, A, tA ? M : K, B, tB ? K : N, 0.3, C, N, 0, M, work);
            for (let rows = 1; rows <= 5; rows++) {
              // The first `rows` rows of op(A) as their own product (tA: stored K x rows).
              const A2 = e.heap.alloc(rows * K * 4),
                a = e.heap.f32(A, M * K),
                a2 = e.heap.f32(A2, rows * K);
              for (let q = 0; q < K; q++)
                for (let i = 0; i < rows; i++) a2[tA ? q * rows + i : i * K + q] = a[tA ? q * M + i : i * K + q];
              e.heap.f32(R, M * N).set(c0);
              k.sgemm(tA, tB, rows, N, K, 0.75, A2, tA ? rows : K, B, tB ? K : N, 0.3, R, N, 0, rows, work);
              assert.deepEqual(
                e.heap.f32(R, rows * N),
                e.heap.f32(C, rows * N),
                `${isa} N${N} K${K} tA${tA} tB${tB} rows ${rows}`,
              );
              e.heap.release(A2);
            }
            for (const p of [A, B, C, R]) e.heap.release(p);
          }
    }
  } finally {
    await e.close();
  }
});

test('native gather_rows and update_rows (SGD, Adagrad, Adam) match the WebAssembly kernels bit for bit', {
  skip,
}, async () => {
  const { e, native } = await bench();
  const rnd = mulberry32(13);
  try {
    for (const dim of [1, 3, 4, 16, 17])
      for (const kind of [0, 1, 2]) {
        const slots = kind,
          stride = dim * (1 + slots),
          rows = 50,
          lo = 100,
          hi = lo + rows,
          n = 40;
        const T1 = e.heap.alloc(rows * stride * 4),
          T2 = e.heap.alloc(rows * stride * 4);
        const ids = e.heap.alloc(n * 4),
          G = e.heap.alloc(n * dim * 4),
          O1 = e.heap.alloc(n * (dim + 2) * 4),
          O2 = e.heap.alloc(n * (dim + 2) * 4);
        const t1 = e.heap.f32(T1, rows * stride);
        // Weights in [-0.5, 0.5); optimizer slots (accumulators, >= 0) zero on even rows as in a fresh table, else small.
        t1.forEach((_, i) => (t1[i] = i % stride < dim ? rnd() - 0.5 : ((i / stride) | 0) % 2 === 0 ? 0 : rnd() * 0.1));
        e.heap.f32(T2, rows * stride).set(t1);
        // Distinct ids, some outside this shard's [lo, hi).
        const idv = e.heap.i32(ids, n);
        const pool = Array.from({ length: rows + 20 }, (_, i) => lo - 10 + i);
        for (let i = 0; i < n; i++) idv[i] = pool.splice((rnd() * pool.length) | 0, 1)[0];
        e.heap.f32(G, n * dim).forEach((_, i, x) => (x[i] = rnd() - 0.5));
        const o1 = e.heap.f32(O1, n * (dim + 2)).fill(3),
          o2 = e.heap.f32(O2, n * (dim + 2)).fill(3);
        const what = `dim ${dim} kind ${kind}`;
        for (const isa of isas) {
          const k = native(isa);
          const hits = k.gather_rows(T1, stride, dim, lo, hi, ids, 1, n, O1, dim + 2);
          assert.equal(hits, e.k.gather_rows(T2, stride, dim, lo, hi, ids, 1, n, O2, dim + 2), what);
          assert.deepEqual(o1, o2, `${what} ${isa}: gather`);
          assert.ok(hits > 0 && hits < n, `${what}: ids both inside and outside the shard`);
          const hyper = [0.01, 0.9, 0.999, 1e-8, kind === 2 ? 0.001 : 0] as const;
          k.update_rows(kind, T1, stride, dim, lo, hi, ids, n, G, ...hyper);
          e.k.update_rows(kind, T2, stride, dim, lo, hi, ids, n, G, ...hyper);
          assert.deepEqual(e.heap.f32(T1, rows * stride), e.heap.f32(T2, rows * stride), `${what} ${isa}: update`);
        }
        for (const p of [T1, T2, ids, G, O1, O2]) e.heap.release(p);
      }
  } finally {
    await e.close();
  }
});

test('gather_fields (every field in one call) gives the rows of gather_rows per field, natively and in WebAssembly', {
  skip,
}, async () => {
  const { e, native } = await bench();
  const rnd = mulberry32(14);
  try {
    for (const dim of [1, 5, 16]) {
      const F = 3,
        n = 7,
        rows = 20;
      // Field f: a table of rows [lo, lo + rows) with stride dim * (1 + f) (optimizer slots after the weights).
      const tables = Array.from({ length: F }, (_, f) => {
        const stride = dim * (1 + f),
          ptr = e.heap.alloc(rows * stride * 4),
          lo = 10 * f;
        e.heap.f32(ptr, rows * stride).forEach((_, i, x) => (x[i] = rnd() - 0.5));
        return { ptr, stride, lo, hi: lo + rows };
      });
      const fields = e.heap.alloc(F * 16),
        ids = e.heap.alloc(n * F * 4),
        want = e.heap.alloc(n * F * dim * 4),
        got = e.heap.alloc(n * F * dim * 4);
      e.heap.i32(fields, F * 4).set(tables.flatMap((t) => [t.ptr, t.stride, t.lo, t.hi]));
      // Ids in range, plus some outside a field's range (left as they were, as gather_rows leaves them).
      e.heap.i32(ids, n * F).forEach((_, i, x) => (x[i] = tables[i % F].lo + ((rnd() * (rows + 4)) | 0) - 2));
      for (const k of [...isas.map((isa) => native(isa)), e.k]) {
        e.heap.f32(want, n * F * dim).fill(9);
        e.heap.f32(got, n * F * dim).fill(9);
        tables.forEach((t, f) =>
          e.k.gather_rows(t.ptr, t.stride, dim, t.lo, t.hi, ids + 4 * f, F, n, want + 4 * f * dim, F * dim),
        );
        k.gather_fields(fields, F, dim, ids, n, got);
        assert.deepEqual(e.heap.f32(got, n * F * dim), e.heap.f32(want, n * F * dim), `dim ${dim}`);
      }
    }
  } finally {
    await e.close();
  }
});

test('native elementwise kernels (bias add and gradient, ReLU and its gradient, row axpy and copy, products, scaled vectors) match the WebAssembly ones bit for bit', {
  skip,
}, async () => {
  const { e, native } = await bench();
  const rnd = mulberry32(16);
  try {
    for (const [rows, cols] of [
      [1, 1],
      [3, 5],
      [7, 16],
      [33, 67],
      [130, 400],
    ]) {
      const n = rows * cols;
      const fill = (p: number): void =>
        e.heap.f32(p, n).forEach((_, i, x) => (x[i] = i % 29 === 3 ? -0 : i % 31 === 5 ? 0 : rnd() - 0.5));
      const X = e.heap.alloc(n * 4),
        G = e.heap.alloc(n * 4),
        V = e.heap.alloc(cols * 4);
      fill(X);
      fill(G);
      e.heap.f32(V, cols).forEach((_, i, x) => (x[i] = rnd() - 0.5));
      e.heap.f32(X, n)[n - 1] = NaN;
      const outs: Float32Array[] = [];
      for (const k of [...isas.map((isa) => native(isa)), e.k]) {
        // Each kernel writes its own output (started from G where it accumulates: G holds -0s).
        const [A, B, C, D, M, P, Q, S] = [n, n, n, n, n, n, n, cols].map((m) => e.heap.alloc(m * 4));
        for (const p of [A, C, D, M, P, Q]) e.heap.f32(p, n).set(e.heap.f32(G, n));
        e.heap.f32(S, cols).set(e.heap.f32(V, cols));
        k.add_row_vector(A, V, rows, cols);
        k.sum_rows(G, rows, cols, S);
        k.relu(X, B, n);
        k.relu_backward(B, X, C, n);
        k.axpy_rows(D, cols, X, cols, rows, cols - (cols > 1 ? 1 : 0), 0.37);
        k.axpy_rows(D, 1, X, 2, Math.floor(n / 2), 1, 1);
        k.mul_span(M, G, X, n - 1, 1);
        k.mul_span(A, M, G, n, 0);
        k.copy_rows(P, cols, X, cols, rows, cols - (cols > 1 ? 1 : 0));
        k.copy_rows(P + 4, 1, G, 2, Math.floor((n - 1) / 2), 1);
        // rows x N values times N vectors of width cols / N, into rows of Q (the last column left as it was when N > 1).
        const N = cols > 2 ? 2 : 1,
          w = Math.floor(cols / N);
        k.scale_vectors(Q, cols, X, V, rows, N, w);
        outs.push(
          Float32Array.from(
            [A, B, C, D, M, P, Q].flatMap((p) => [...e.heap.f32(p, n)]).concat([...e.heap.f32(S, cols)]),
          ),
        );
        for (const p of [A, B, C, D, M, P, Q, S]) e.heap.release(p);
      }
      for (let i = 0; i < isas.length; i++) {
        const [got, want] = [new Uint32Array(outs[i].buffer), new Uint32Array(outs.at(-1)!.buffer)];
        const at = got.findIndex(
          (v, j) => v !== want[j] && !(Number.isNaN(outs[i][j]) && Number.isNaN(outs.at(-1)![j])),
        );
        assert.equal(
          at,
          -1,
          `${isas[i]} rows ${rows} cols ${cols}: element ${at}: ${outs[i][at]} vs wasm ${outs.at(-1)![at]}`,
        );
      }
      for (const p of [X, G, V]) e.heap.release(p);
    }
  } finally {
    await e.close();
  }
});

test('native FM term (forward and gradient) and per-field projection match the WebAssembly kernels bit for bit', {
  skip,
}, async () => {
  const { e, native } = await bench();
  const rnd = mulberry32(17);
  try {
    for (const [B, F, D, k] of [
      [1, 1, 1, 1],
      [3, 2, 5, 2],
      [5, 39, 16, 6],
      [4, 3, 70, 3],
      [2, 7, 130, 9],
    ]) {
      const random = (n: number): number => {
        const p = e.heap.alloc(n * 4);
        e.heap.f32(p, n).forEach((_, i, x) => (x[i] = rnd() - 0.5));
        return p;
      };
      const emb = random(B * F * D),
        g = random(B),
        small = random(B * F * k),
        P = random(F * k * D),
        mu = random(F * D),
        start = random(B * F * D);
      const outs: Float32Array[] = [];
      for (const kk of [...isas.map((isa) => native(isa)), e.k]) {
        const out = e.heap.alloc(B * 4),
          gEmb = e.heap.alloc(B * F * D * 4),
          proj = e.heap.alloc(B * F * D * 4);
        e.heap.f32(gEmb, B * F * D).set(e.heap.f32(start, B * F * D));
        kk.fm_forward(emb, F, D, out, 0, B);
        kk.fm_backward(emb, g, F, D, gEmb, 1, B);
        kk.field_project(small, P, mu, proj, B, F, k, D);
        outs.push(Float32Array.from([out, gEmb, proj].flatMap((p, i) => [...e.heap.f32(p, i ? B * F * D : B)])));
        for (const p of [out, gEmb, proj]) e.heap.release(p);
      }
      const want = outs.at(-1)!;
      assert.deepEqual(
        want.subarray(B, B + F * D),
        e.heap.f32(start, F * D),
        'the gradient of example 0 is left alone',
      );
      for (let i = 0; i < isas.length; i++) assert.deepEqual(outs[i], want, `${isas[i]} B ${B} F ${F} D ${D} k ${k}`);
      for (const p of [emb, g, small, P, mu, start]) e.heap.release(p);
    }
  } finally {
    await e.close();
  }
});

test('native lookup_unique and accumulate_unique match the WebAssembly kernels bit for bit', { skip }, async () => {
  const { e, native } = await bench();
  const rnd = mulberry32(15);
  try {
    // [n ids, distinct values they take, dim, id stride]; ids up to 2^22 take two radix passes.
    for (const [n, span, dim, idStride] of [
      [1, 1, 16, 1],
      [7, 3, 1, 2],
      [300, 40, 17, 3],
      [4096, 4_000_000, 16, 26],
      [2000, 2, 4, 1],
    ]) {
      const rows = 64,
        lo = 0,
        hi = rows,
        outStride = dim + 1;
      const T = e.heap.alloc(rows * dim * 4),
        ids = e.heap.alloc(n * idStride * 4);
      e.heap.f32(T, rows * dim).forEach((_, i, x) => (x[i] = rnd() - 0.5));
      const idv = e.heap.i32(ids, n * idStride);
      for (let i = 0; i < n * idStride; i++)
        idv[i] = span <= rows ? (rnd() * span) | 0 : rnd() < 0.5 ? (rnd() * rows) | 0 : (rnd() * span) | 0;
      const got: Int32Array[] = [],
        outs: Float32Array[] = [],
        sums: Float32Array[] = [];
      for (const k of [...isas.map((isa) => native(isa)), e.k]) {
        const scratch = e.heap.alloc(k.lookup_scratch_bytes(n, dim));
        const uniq = e.heap.alloc(n * 4),
          inverse = e.heap.alloc(n * 4),
          count = e.heap.alloc(12),
          out = e.heap.alloc(n * outStride * 4);
        e.heap.f32(out, n * outStride).fill(9);
        const u = k.lookup_unique(T, dim, dim, lo, hi, ids, idStride, n, out, outStride, scratch, uniq, inverse, count);
        got.push(Int32Array.from([u, ...e.heap.i32(count, 3), ...e.heap.i32(uniq, u), ...e.heap.i32(inverse, n)]));
        outs.push(Float32Array.from(e.heap.f32(out, n * outStride)));
        const G = e.heap.alloc(n * outStride * 4),
          grads = e.heap.alloc(u * dim * 4);
        const gv = e.heap.f32(G, n * outStride);
        for (let i = 0; i < gv.length; i++) gv[i] = Math.sin(i * 0.37);
        e.heap.f32(grads, u * dim).fill(5);
        k.accumulate_unique(G, outStride, inverse, n, dim, grads, u);
        sums.push(Float32Array.from(e.heap.f32(grads, u * dim)));
        for (const p of [scratch, uniq, inverse, count, out, G, grads]) e.heap.release(p);
      }
      const what = `n ${n} span ${span} dim ${dim}`;
      for (let i = 0; i < isas.length; i++) {
        assert.deepEqual(got[i], got.at(-1), `${what} ${isas[i]}: distinct ids, count, range, inverse`);
        assert.deepEqual(outs[i], outs.at(-1), `${what} ${isas[i]}: rows out`);
        assert.deepEqual(sums[i], sums.at(-1), `${what} ${isas[i]}: gradient sums`);
      }
      assert.ok(got.at(-1)![0] <= Math.min(n, span));
      e.heap.release(T);
      e.heap.release(ids);
    }
  } finally {
    await e.close();
  }
});

test('a native engine gives bit-identical sgemm results on 1 and 2 threads, with B packed beforehand or not, for every ISA', {
  skip,
}, async () => {
  const cases: [boolean, boolean, number, number, number][] = [
    [false, true, 301, 97, 211],
    [false, false, 1001, 1, 700],
    [true, false, 603, 1, 900],
    [true, true, 97, 301, 211],
    [false, false, 250, 130, 1100],
  ];
  for (const nativeIsa of isas)
    for (const [tA, tB, M, N, K] of cases) {
      const outs: Float32Array[] = [];
      for (const threads of [1, 2]) {
        const e = await Engine.create({ threads, backend: 'native', nativeIsa });
        assert.equal(e.backend.isa, nativeIsa);
        const rnd = mulberry32(3);
        const A = e.heap.alloc(M * K * 4),
          B = e.heap.alloc(K * N * 4),
          C = e.heap.alloc(M * N * 4);
        e.heap.f32(A, M * K).forEach((_, i, x) => (x[i] = rnd() - 0.5));
        e.heap.f32(B, K * N).forEach((_, i, x) => (x[i] = rnd() - 0.5));
        e.heap.f32(C, M * N).forEach((_, i, x) => (x[i] = rnd() - 0.5));
        const C0 = Float32Array.from(e.heap.f32(C, M * N));
        // alpha and beta that round (not powers of two), so edge tiles must update C exactly as full ones do.
        e.sgemm(tA, tB, M, N, K, 0.7, A, tA ? M : K, B, tB ? K : N, 0.3, C, N);
        outs.push(Float32Array.from(e.heap.f32(C, M * N)));
        const packed = e.packB(tB, K, N, B, tB ? K : N);
        assert.equal(packed === null, N === 1, 'one column is never read packed');
        if (packed !== null) {
          e.heap.f32(C, M * N).set(C0);
          e.sgemm(tA, tB, M, N, K, 0.7, A, tA ? M : K, B, tB ? K : N, 0.3, C, N, undefined, packed);
          assert.deepEqual(e.heap.f32(C, M * N), outs.at(-1), `${nativeIsa} ${threads} thread(s): B packed beforehand`);
        }
        await e.close();
      }
      assert.deepEqual(outs[0], outs[1], `${nativeIsa} tA${tA} tB${tB} M${M} N${N} K${K}`);
    }
});

test('native kernels keep working on a heap that grew after they were bound (shared memory grows in place)', {
  skip,
}, async () => {
  const e = await Engine.create({ threads: 2, backend: 'native' });
  try {
    const before = e.heap.memory.buffer.byteLength;
    const n = 1 << 16;
    const far = e.heap.alloc(64 << 20),
      X = e.heap.alloc(n * 4),
      Y = e.heap.alloc(n * 4); // past the first size
    assert.ok(e.heap.memory.buffer.byteLength > before && X > before, 'the heap grew');
    e.heap.f32(X, n).forEach((_, i, x) => (x[i] = i - 100));
    e.k.relu(X, Y, n);
    const y = e.heap.f32(Y, n);
    assert.deepEqual([y[0], y[100], y[101], y[n - 1]], [0, 0, 1, n - 101]);
    e.heap.release(far);
    e.heap.release(X);
    e.heap.release(Y);
  } finally {
    await e.close();
  }
});

test('backend choice: wasm never loads native kernels; native uses them on the pool; a bad name is a config error', {
  skip,
}, async () => {
  const w = await Engine.create({ threads: 2, backend: 'wasm' });
  assert.deepEqual([w.backend.name, w.backend.isa], ['wasm', null]);
  await w.close();
  const n = await Engine.create({ threads: 2, backend: 'native' });
  assert.deepEqual([n.backend.name, n.backend.isa], ['native', isas[0]]);
  assert.equal(
    n.k.gemm_work_bytes(),
    addon!.bind(new Uint8Array(n.heap.memory.buffer)).gemm_work_bytes(),
    'the engine calls the native sgemm',
  );
  await n.close();
  await assert.rejects(Engine.create({ backend: 'gpu' as 'wasm' }), /backend: 'gpu' is not one of auto, native, wasm/);
  await assert.rejects(Engine.create({ backend: 'native', nativeIsa: 'sse9' }), /does not run native ISA 'sse9'/);
});
