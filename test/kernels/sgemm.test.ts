import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../src/kernels/engine.js';
import { mulberry32 } from '../helpers.js';

function naive(tA: boolean, tB: boolean, M: number, N: number, K: number, a: Float32Array, b: Float32Array): Float64Array {
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[tA ? k * M + i : i * K + k] * b[tB ? j * K + k : k * N + j];
      out[i * N + j] = s;
    }
  return out;
}

const shapes: [number, number, number][] = [[1, 1, 1], [1, 7, 3], [5, 1, 9], [13, 17, 1], [37, 29, 300], [130, 70, 20], [64, 520, 33]];

for (const variant of ['relaxed-simd', 'simd128'] as const) {
  for (const threads of [1, 2]) {
    test(`sgemm matches a float64 reference (${variant}, ${threads} thread(s))`, async () => {
      const e = await Engine.create({ variant, threads });
      const rnd = mulberry32(7);
      try {
        for (const [M, N, K] of shapes) {
          for (const tA of [false, true]) for (const tB of [false, true]) {
            const A = e.heap.alloc(M * K * 4), B = e.heap.alloc(K * N * 4), C = e.heap.alloc(M * N * 4);
            const a = e.heap.f32(A, M * K), b = e.heap.f32(B, K * N), c = e.heap.f32(C, M * N);
            a.forEach((_, i) => (a[i] = rnd() - 0.5));
            b.forEach((_, i) => (b[i] = rnd() - 0.5));
            c.forEach((_, i) => (c[i] = rnd() - 0.5));
            const c0 = Float64Array.from(c);
            const ref = naive(tA, tB, M, N, K, a, b);
            e.sgemm(tA, tB, M, N, K, 0.5, A, tA ? M : K, B, tB ? K : N, 2, C, N);
            for (let i = 0; i < M * N; i++) {
              const want = 0.5 * ref[i] + 2 * c0[i];
              assert.ok(Math.abs(c[i] - want) <= 1e-5 * (1 + K), `M${M} N${N} K${K} tA${tA} tB${tB} at ${i}: ${c[i]} vs ${want}`);
            }
            e.heap.release(A); e.heap.release(B); e.heap.release(C);
          }
        }
      } finally {
        await e.close();
      }
    });
  }
}

test('sgemm gives bit-identical results on 1 and 2 threads', async () => {
  const M = 301, N = 97, K = 211;
  const outs: Float32Array[] = [];
  for (const threads of [1, 2]) {
    const e = await Engine.create({ threads });
    const rnd = mulberry32(3);
    const A = e.heap.alloc(M * K * 4), B = e.heap.alloc(K * N * 4), C = e.heap.alloc(M * N * 4);
    e.heap.f32(A, M * K).forEach((_, i, x) => (x[i] = rnd() - 0.5));
    e.heap.f32(B, K * N).forEach((_, i, x) => (x[i] = rnd() - 0.5));
    e.sgemm(false, true, M, N, K, 1, A, K, B, K, 0, C, N);
    outs.push(Float32Array.from(e.heap.f32(C, M * N)));
    await e.close();
  }
  assert.deepEqual(outs[0], outs[1]);
});
