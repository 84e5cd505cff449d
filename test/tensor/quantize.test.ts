import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  dequantizeChannels,
  dequantizeRows,
  quantizeChannels,
  quantizeRows,
  rowLevel,
  type RowBits,
} from '../../src/tensor/quantize.js';
import { ShapeError } from '../../src/util/errors.js';
import { mulberry32 } from '../helpers.js';
import { halfBits, halfValue } from '../../src/tensor/half.js';

function randomMatrix(rows: number, cols: number, seed: number): Float32Array {
  const rnd = mulberry32(seed);
  // Rows on different scales, as embedding rows are (rare ids stay near their initial values).
  return Float32Array.from({ length: rows * cols }, (_, i) => (rnd() - 0.5) * 10 ** ((Math.floor(i / cols) % 4) - 2));
}

for (const bits of [8, 4] as RowBits[]) {
  test(`${bits}-bit rows: every element within half a step of its original, steps (max - min) / ${2 ** bits - 1} in half precision`, () => {
    for (const [rows, dim] of [
      [1, 1],
      [7, 3],
      [33, 16],
      [5, 17],
    ]) {
      const x = randomMatrix(rows, dim, rows * 31 + dim);
      const q = quantizeRows(x, rows, dim, bits);
      assert.equal(q.data.length, rows * (bits === 8 ? dim : Math.ceil(dim / 2)));
      const back = dequantizeRows(q);
      for (let r = 0; r < rows; r++) {
        const row = x.subarray(r * dim, (r + 1) * dim);
        const span = Math.max(...row) - Math.min(...row);
        // Scale and offset are half values (exact in 16 bits) that still span the row.
        assert.equal(halfValue(halfBits(q.scale[r])), q.scale[r]);
        assert.equal(halfValue(halfBits(q.offset[r])), q.offset[r]);
        assert.ok(q.offset[r] <= Math.min(...row));
        assert.ok(q.offset[r] + q.scale[r] * (2 ** bits - 1) >= Math.max(...row));
        assert.ok(q.scale[r] <= (span / (2 ** bits - 1)) * (1 + 2 ** -9) + 2 ** -23, `row ${r}: step ${q.scale[r]}`);
        for (let j = 0; j < dim; j++) {
          const err = Math.abs(back[r * dim + j] - row[j]);
          assert.ok(
            err <= q.scale[r] / 2 + 1e-6 * (1 + Math.abs(row[j])),
            `row ${r} col ${j}: error ${err}, step ${q.scale[r]}`,
          );
          assert.ok(rowLevel(q, r, j) >= 0 && rowLevel(q, r, j) < 2 ** bits);
        }
      }
    }
  });
}

test('4-bit rows pack two levels a byte, the lower nibble first; constant rows are exact', () => {
  const q = quantizeRows(Float32Array.from([0, 15, 5, 10, 2, 2, 2]), 1, 7, 4);
  assert.deepEqual([...q.data], [0xf0, 0xa5, 0x22, 0x02]);
  const c = quantizeRows(Float32Array.from([3.25, 3.25, 3.25]), 1, 3, 8);
  assert.equal(c.scale[0], 0);
  assert.deepEqual([...dequantizeRows(c)], [3.25, 3.25, 3.25]);
});

test('int8 channels: symmetric per output column, within half a step; zero columns stay zero', () => {
  const rows = 9,
    cols = 5;
  const w = randomMatrix(rows, cols, 3);
  for (let i = 0; i < rows; i++) w[i * cols + 4] = 0;
  const q = quantizeChannels(w, rows, cols);
  const back = dequantizeChannels(q);
  for (let c = 0; c < cols; c++) {
    let max = 0;
    for (let i = 0; i < rows; i++) max = Math.max(max, Math.abs(w[i * cols + c]));
    assert.ok(Math.abs(q.scale[c] - max / 127) <= 1e-7 * (1 + max));
    for (let i = 0; i < rows; i++) assert.ok(Math.abs(back[i * cols + c] - w[i * cols + c]) <= q.scale[c] / 2 + 1e-7);
  }
  assert.deepEqual([...Array.from({ length: rows }, (_, i) => back[i * cols + 4])], new Array(rows).fill(0));
});

test('NaN, infinities and wrong sizes are refused, not quantized', () => {
  assert.throws(
    () => quantizeRows(Float32Array.from([1, NaN]), 1, 2, 8),
    (e: unknown) => e instanceof ShapeError && /NaN at element 1/.test(e.message),
  );
  assert.throws(() => quantizeChannels(Float32Array.from([Infinity]), 1, 1), ShapeError);
  assert.throws(() => quantizeRows(new Float32Array(5), 2, 3, 4), /5 values is not 2 x 3/);
});

test('rows beyond half precision are refused, naming the row', () => {
  assert.throws(() => quantizeRows(Float32Array.from([0, 1, 7e4, 2]), 2, 2, 8), /row 1 holds values beyond/);
});
