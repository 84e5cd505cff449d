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
  test(`${bits}-bit rows: every element within half a step of its original, steps max |x| / ${2 ** (bits - 1) - 1} in half precision`, () => {
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
        const top = 2 ** (bits - 1) - 1;
        const max = Math.max(...row.map(Math.abs));
        // The scale is a half value (exact in 16 bits), the smallest at or above max |x| / top; the offset follows from it.
        assert.equal(halfValue(halfBits(q.scale[r])), q.scale[r]);
        assert.ok(
          q.scale[r] * top >= max && q.scale[r] <= (max / top) * (1 + 2 ** -9) + 2 ** -24,
          `row ${r}: ${q.scale[r]}`,
        );
        assert.equal(q.offset[r], -(top + 1) * q.scale[r]);
        for (let j = 0; j < dim; j++) {
          const err = Math.abs(back[r * dim + j] - row[j]);
          assert.ok(err <= q.scale[r] / 2, `row ${r} col ${j}: error ${err}, step ${q.scale[r]}`);
          assert.ok(rowLevel(q, r, j) >= 1 && rowLevel(q, r, j) < 2 ** bits);
        }
      }
    }
  });
}

test('4-bit rows pack two levels a byte, the lower nibble first, level 8 for zero; zero rows are exact', () => {
  // Scale 14 / 7 = 2: levels 8 + round(x / 2).
  const q = quantizeRows(Float32Array.from([0, 14, -14, 5, 2.9, -1, 3]), 1, 7, 4);
  assert.equal(q.scale[0], 2);
  assert.deepEqual([...q.data], [0xf8, 0xb1, 0x89, 0x0a]);
  assert.deepEqual([...dequantizeRows(q)], [0, 14, -14, 6, 2, 0, 4]);
  const z = quantizeRows(new Float32Array(3), 1, 3, 8);
  assert.equal(z.scale[0], 0);
  assert.deepEqual([...dequantizeRows(z)], [0, 0, 0]);
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

test('rows beyond half precision are refused, naming the row; at the limit, scale and offset are both half values', () => {
  const edge = quantizeRows(Float32Array.from([64992, -1]), 1, 2, 8);
  assert.equal(halfValue(halfBits(edge.scale[0])), edge.scale[0]);
  assert.equal(halfValue(halfBits(edge.offset[0])), edge.offset[0]);
  assert.throws(() => quantizeRows(Float32Array.from([65000, 0]), 1, 2, 8), /row 0 holds values beyond \+-64992/);
  assert.throws(() => quantizeRows(Float32Array.from([0, 1, 1e6, 2]), 2, 2, 4), /row 1 holds values beyond/);
});
