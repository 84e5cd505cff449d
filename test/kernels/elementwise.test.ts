import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../src/kernels/engine.js';
import { mulberry32 } from '../helpers.js';

for (const variant of ['relaxed-simd', 'simd128'] as const) {
  test(`axpy_rows and mul_span match plain loops, tails included (${variant})`, async () => {
    const e = await Engine.create({ variant, threads: 1 });
    const rnd = mulberry32(3);
    try {
      for (const [rows, cols, ds, ss, alpha] of [
        [1, 1, 0, 0, 1],
        [3, 7, 9, 7, 1],
        [5, 16, 16, 0, 0.5],
        [4, 13, 20, 30, -1],
        [1, 1027, 0, 0, 2.5],
      ]) {
        const D = e.heap.alloc((rows * Math.max(ds, cols) + cols) * 4),
          S = e.heap.alloc((rows * Math.max(ss, cols) + cols) * 4);
        const d = e.heap.f32(D, rows * Math.max(ds, cols) + cols),
          s = e.heap.f32(S, rows * Math.max(ss, cols) + cols);
        d.forEach((_, i) => (d[i] = rnd() - 0.5));
        s.forEach((_, i) => (s[i] = rnd() - 0.5));
        const want = Float32Array.from(d);
        for (let r = 0; r < rows; r++)
          for (let j = 0; j < cols; j++) want[r * ds + j] += Math.fround(alpha * s[r * ss + j]);
        e.k.axpy_rows(D, ds, S, ss, rows, cols, alpha);
        for (let i = 0; i < want.length; i++)
          assert.ok(Math.abs(d[i] - want[i]) < 1e-6, `axpy ${rows}x${cols} at ${i}`);
        e.heap.release(S);
        e.heap.release(D);
      }
      for (const n of [0, 1, 3, 4, 17, 1000]) {
        const A = e.heap.alloc(n * 4 + 4),
          B = e.heap.alloc(n * 4 + 4),
          O = e.heap.alloc(n * 4 + 4);
        const a = e.heap.f32(A, n),
          b = e.heap.f32(B, n),
          o = e.heap.f32(O, n);
        a.forEach((_, i) => (a[i] = rnd() - 0.5));
        b.forEach((_, i) => (b[i] = rnd() - 0.5));
        e.k.mul_span(O, A, B, n, 0);
        for (let i = 0; i < n; i++) assert.equal(o[i], Math.fround(a[i] * b[i]));
        e.k.mul_span(O, A, B, n, 1);
        for (let i = 0; i < n; i++) assert.ok(Math.abs(o[i] - 2 * a[i] * b[i]) < 1e-6);
        for (const p of [O, B, A]) e.heap.release(p);
      }
    } finally {
      await e.close();
    }
  });
}
