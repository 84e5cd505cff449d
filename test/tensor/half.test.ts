import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HALF_MAX, halfAtLeast, halfBits, halfValue } from '../../src/tensor/half.js';
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

test('halfAtLeast is the nearest half value at or above', () => {
  const rnd = mulberry32(7);
  for (let i = 0; i < 20000; i++) {
    const x = rnd() * 10 ** Math.floor(rnd() * 12 - 8);
    const hi = halfAtLeast(x);
    assert.ok(x <= hi, `${x} -> ${hi}`);
    assert.equal(halfValue(halfBits(hi)), hi);
    // The half value just below is below x: none lies between x and hi.
    if (hi > 0 && hi !== x) assert.ok(halfValue(halfBits(hi) - 1) < x, `${x}: ${halfValue(halfBits(hi) - 1)} .. ${hi}`);
  }
  assert.equal(halfAtLeast(1), 1);
  assert.equal(halfAtLeast(1 + 2 ** -12), 1 + 2 ** -10);
});
