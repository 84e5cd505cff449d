/**
 * gather_rows_q on every kernel build: both WebAssembly variants and each native instruction set
 * this CPU runs (skipped where the addon was not built). Rows are gathered with strided ids and
 * outputs, as a lookup over [B, F] ids does, and must equal dequantizeRow bit for bit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine, type EngineOptions } from '../../src/kernels/engine.js';
import { loadNative } from '../../src/kernels/native.js';
import { dequantizeRow, quantizeRows, type RowBits } from '../../src/tensor/quantize.js';
import { mulberry32 } from '../helpers.js';

const { addon } = await loadNative();
const builds: [string, EngineOptions][] = [
  ['wasm relaxed-simd', { backend: 'wasm', variant: 'relaxed-simd' }],
  ['wasm simd128', { backend: 'wasm', variant: 'simd128' }],
  ...(addon?.isas() ?? []).map((isa): [string, EngineOptions] => [
    `native ${isa}`,
    { backend: 'native', nativeIsa: isa },
  ]),
];

for (const [name, opts] of builds) {
  test(`gather_rows_q (${name}): strided ids and rows equal dequantizeRow bit for bit, 8 and 4 bits, edge dims`, async () => {
    const e = await Engine.create({ ...opts, threads: 1 });
    const rnd = mulberry32(5);
    try {
      for (const bits of [8, 4] as RowBits[]) {
        for (const dim of [1, 3, 7, 8, 9, 16, 17, 33]) {
          const rows = 50,
            n = 40,
            idStride = 3,
            outStride = dim + 3;
          const x = Float32Array.from({ length: rows * dim }, () => (rnd() - 0.5) * 4);
          const q = quantizeRows(x, rows, dim, bits);
          const T = e.heap.alloc(q.data.length),
            S = e.heap.alloc(rows * 4),
            O = e.heap.alloc(rows * 4);
          const I = e.heap.alloc(n * idStride * 4),
            Y = e.heap.alloc(n * outStride * 4);
          new Uint8Array(e.heap.buffer, T, q.data.length).set(q.data);
          e.heap.f32(S, rows).set(q.scale);
          e.heap.f32(O, rows).set(q.offset);
          const ids = e.heap.i32(I, n * idStride);
          ids.forEach((_, i) => (ids[i] = Math.floor(rnd() * rows)));
          ids[(n - 1) * idStride] = rows - 1; // the last row, which ends the table
          const y = e.heap.f32(Y, n * outStride);
          y.fill(-7);
          e.k.gather_rows_q(T, q.rowBytes, bits, dim, S, O, I, idStride, n, Y, outStride);
          for (let i = 0; i < n; i++) {
            assert.deepEqual(
              y.slice(i * outStride, i * outStride + dim),
              dequantizeRow(q, ids[i * idStride]),
              `bits ${bits} dim ${dim} row ${i}`,
            );
            assert.deepEqual(
              [...y.slice(i * outStride + dim, (i + 1) * outStride)],
              [-7, -7, -7],
              'nothing written past the row',
            );
          }
          for (const p of [T, S, O, I, Y]) e.heap.release(p);
        }
      }
    } finally {
      await e.close();
    }
  });
}
