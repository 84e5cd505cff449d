import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HALF_MAX, halfAtLeast, halfAtMost, halfBits, halfValue } from '../../src/tensor/half.js';
import { mulberry32 } from '../helpers.js';

test('every one of the 63,488 finite half bit patterns reads back to itself', () => {
  let n = 0;
  for (let b = 0; b < 0x10000; b++) {
    if (((b >> 10) & 31) === 31) continue; // infinities and NaN
    const v = halfValue(b);
    assert.equal(halfBits(v), v === 0 ? b & 0x8000 : b, `bits ${b.toString(16)}`);
    n++;
  }
  assert.equal(n, 63488);
  assert.equal(halfValue(0x7bff), HALF_MAX);
});

test('halfAtMost / halfAtLeast are the nearest half values below and above', () => {
  const rnd = mulberry32(7);
  for (let i = 0; i < 20000; i++) {
    const x = (rnd() - 0.5) * 10 ** Math.floor(rnd() * 12 - 8);
    const lo = halfAtMost(x),
      hi = halfAtLeast(x);
    assert.ok(lo <= x && x <= hi, `${x}: ${lo} .. ${hi}`);
    assert.equal(halfValue(halfBits(lo)), lo);
    assert.equal(halfValue(halfBits(hi)), hi);
    // Adjacent: no half value strictly between them other than x itself.
    if (lo !== hi) {
      const next = halfValue(lo < 0 ? halfBits(lo) - 1 : halfBits(lo) + 1);
      assert.ok(next >= hi, `${x}: a half value ${next} lies between ${lo} and ${hi}`);
    }
  }
  assert.equal(halfAtMost(1), 1);
  assert.equal(halfAtLeast(1 + 2 ** -12), 1 + 2 ** -10);
});
