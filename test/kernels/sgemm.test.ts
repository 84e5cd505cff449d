import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../src/kernels/engine.js';
import { mulberry32 } from '../helpers.js';

function naive(
  tA: boolean,
  tB: boolean,
  M: number,
  N: number,
  K: number,
  a: Float32Array,
  b: Float32Array,
): Float64Array {
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[tA ? k * M + i : i * K + k] * b[tB ? j * K + k : k * N + j];
      out[i * N + j] = s;
    }
  return out;
}

const shapes: [number, number, number][] = [
  [1, 1, 1],
  [1, 7, 3],
  [2, 45, 700],
  [1, 403, 624],
  [5, 1, 9],
  [13, 17, 1],
  [37, 29, 300],
  [130, 70, 20],
  [64, 520, 33],
  [39, 1, 37],
  [250, 13, 40],
];

for (const variant of ['relaxed-simd', 'simd128'] as const) {
  for (const threads of [1, 2]) {
    test(`sgemm matches a float64 reference (${variant}, ${threads} thread(s))`, async () => {
      const e = await Engine.create({ variant, threads });
      const rnd = mulberry32(7);
      try {
        for (const [M, N, K] of shapes) {
          for (const tA of [false, true])
            for (const tB of [false, true]) {
              const A = e.heap.alloc(M * K * 4),
                B = e.heap.alloc(K * N * 4),
                C = e.heap.alloc(M * N * 4);
              const a = e.heap.f32(A, M * K),
                b = e.heap.f32(B, K * N),
                c = e.heap.f32(C, M * N);
              a.forEach((_, i) => (a[i] = rnd() - 0.5));
              b.forEach((_, i) => (b[i] = rnd() - 0.5));
              c.forEach((_, i) => (c[i] = rnd() - 0.5));
              const c0 = Float64Array.from(c);
              const ref = naive(tA, tB, M, N, K, a, b);
              e.sgemm(tA, tB, M, N, K, 0.5, A, tA ? M : K, B, tB ? K : N, 2, C, N);
              for (let i = 0; i < M * N; i++) {
                const want = 0.5 * ref[i] + 2 * c0[i];
                assert.ok(
                  Math.abs(c[i] - want) <= 1e-5 * (1 + K),
                  `M${M} N${N} K${K} tA${tA} tB${tB} at ${i}: ${c[i]} vs ${want}`,
                );
              }
              e.heap.release(A);
              e.heap.release(B);
              e.heap.release(C);
            }
        }
      } finally {
        await e.close();
      }
    });
  }
}

test('sgemm with N = 1 and strided B and C matches a float64 reference', async () => {
  // Matrix-vector products take their own path; here op(B) and C are columns with a stride.
  const e = await Engine.create({ threads: 1 });
  const rnd = mulberry32(5);
  try {
    const M = 21,
      K = 45,
      ldb = 3,
      ldc = 2;
    for (const tA of [false, true]) {
      const A = e.heap.alloc(M * K * 4),
        B = e.heap.alloc(K * ldb * 4),
        C = e.heap.alloc(M * ldc * 4);
      const a = e.heap.f32(A, M * K),
        b = e.heap.f32(B, K * ldb),
        c = e.heap.f32(C, M * ldc);
      a.forEach((_, i) => (a[i] = rnd() - 0.5));
      b.forEach((_, i) => (b[i] = rnd() - 0.5));
      c.forEach((_, i) => (c[i] = rnd() - 0.5));
      const c0 = Float64Array.from(c);
      e.sgemm(tA, false, M, 1, K, 1.5, A, tA ? M : K, B, ldb, -1, C, ldc);
      for (let i = 0; i < M; i++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += a[tA ? k * M + i : i * K + k] * b[k * ldb];
        assert.ok(Math.abs(c[i * ldc] - (1.5 * s - c0[i * ldc])) <= 1e-5 * (1 + K), `tA${tA} row ${i}`);
        assert.equal(c[i * ldc + 1], Math.fround(c0[i * ldc + 1]), 'C outside the column is untouched');
      }
      e.heap.release(A);
      e.heap.release(B);
      e.heap.release(C);
    }
  } finally {
    await e.close();
  }
});

for (const variant of ['relaxed-simd', 'simd128'] as const) {
  test(`sgemm on 1 or 2 rows (their own path) gives those rows bit for bit as a many-row product does (${variant})`, async () => {
    const e = await Engine.create({ variant, threads: 1 });
    const rnd = mulberry32(11);
    try {
      for (const [N, K] of [
        [403, 624],
        [45, 1300],
        [3, 5],
        [16, 1],
      ]) {
        for (const tA of [false, true]) {
          const M = 8;
          const A = e.heap.alloc(M * K * 4),
            B = e.heap.alloc(K * N * 4),
            C = e.heap.alloc(M * N * 4),
            R = e.heap.alloc(2 * N * 4),
            R2 = e.heap.alloc(2 * K * 4);
          const a = e.heap.f32(A, M * K),
            b = e.heap.f32(B, K * N),
            c = e.heap.f32(C, M * N),
            r = e.heap.f32(R, 2 * N),
            row = e.heap.f32(R2, 2 * K);
          a.forEach((_, i) => (a[i] = rnd() - 0.5));
          b.forEach((_, i) => (b[i] = rnd() - 0.5));
          c.forEach((_, i) => (c[i] = rnd() - 0.5));
          // The first two rows of op(A), laid out the same way (tA: K x 2 with leading dimension 2).
          for (let k = 0; k < K; k++)
            for (let i = 0; i < 2; i++) row[tA ? k * 2 + i : i * K + k] = a[tA ? k * M + i : i * K + k];
          for (const rows of [1, 2]) {
            r.set(c.subarray(0, 2 * N));
            e.sgemm(tA, false, rows, N, K, 0.75, R2, tA ? 2 : K, B, N, 1.5, R, N);
            const few = Float32Array.from(r.subarray(0, rows * N));
            r.set(c.subarray(0, 2 * N));
            const c0 = Float32Array.from(c);
            e.sgemm(tA, false, M, N, K, 0.75, A, tA ? M : K, B, N, 1.5, C, N);
            assert.deepEqual(few, c.slice(0, rows * N), `N${N} K${K} tA${tA} rows ${rows}`);
            c.set(c0);
          }
          for (const p of [A, B, C, R, R2]) e.heap.release(p);
        }
      }
    } finally {
      await e.close();
    }
  });
}

test('sgemm with beta = 0 does not read C', async () => {
  const e = await Engine.create({ threads: 1 });
  const rnd = mulberry32(9);
  try {
    for (const [M, N, K] of [
      [37, 29, 300],
      [8, 1, 5],
      [13, 17, 1],
    ]) {
      const A = e.heap.alloc(M * K * 4),
        B = e.heap.alloc(K * N * 4),
        C = e.heap.alloc(M * N * 4);
      const a = e.heap.f32(A, M * K),
        b = e.heap.f32(B, K * N),
        c = e.heap.f32(C, M * N);
      a.forEach((_, i) => (a[i] = rnd() - 0.5));
      b.forEach((_, i) => (b[i] = rnd() - 0.5));
      c.fill(NaN);
      e.sgemm(false, false, M, N, K, 1, A, K, B, N, 0, C, N);
      const ref = naive(false, false, M, N, K, a, b);
      for (let i = 0; i < M * N; i++)
        assert.ok(Math.abs(c[i] - ref[i]) <= 1e-5 * (1 + K), `M${M} N${N} K${K} at ${i}: ${c[i]}`);
      e.heap.release(A);
      e.heap.release(B);
      e.heap.release(C);
    }
  } finally {
    await e.close();
  }
});

test('sgemm gives bit-identical results on 1 and 2 threads', async () => {
  // [tA, tB, M, N, K]: large enough to run on both threads; N = 1 covers the matrix-vector paths.
  const cases: [boolean, boolean, number, number, number][] = [
    [false, true, 301, 97, 211],
    [false, false, 1001, 1, 700],
    [true, false, 603, 1, 900],
    [true, false, 97, 301, 211],
    [false, false, 250, 130, 1100],
    // One or two rows against a wide B: the threads split the columns.
    [false, false, 1, 403, 624],
    [false, false, 2, 400, 400],
  ];
  for (const [tA, tB, M, N, K] of cases) {
    const outs: Float32Array[] = [];
    for (const threads of [1, 2]) {
      const e = await Engine.create({ threads });
      const rnd = mulberry32(3);
      const A = e.heap.alloc(M * K * 4),
        B = e.heap.alloc(K * N * 4),
        C = e.heap.alloc(M * N * 4);
      e.heap.f32(A, M * K).forEach((_, i, x) => (x[i] = rnd() - 0.5));
      e.heap.f32(B, K * N).forEach((_, i, x) => (x[i] = rnd() - 0.5));
      e.heap.f32(C, M * N).forEach((_, i, x) => (x[i] = rnd() - 0.5));
      // The few-row cases also add a bias row then ReLU (each thread's columns of it).
      const bias = M <= 2 ? e.heap.alloc(N * 4) : 0;
      if (bias) e.heap.f32(bias, N).forEach((_, i, x) => (x[i] = rnd() - 0.5));
      e.sgemm(tA, tB, M, N, K, 1, A, tA ? M : K, B, tB ? K : N, K > 1000 ? 0.5 : 1, C, N, { bias, relu: bias !== 0 });
      outs.push(Float32Array.from(e.heap.f32(C, M * N)));
      await e.close();
    }
    assert.deepEqual(outs[0], outs[1], `tA${tA} tB${tB} M${M} N${N} K${K}`);
  }
});
