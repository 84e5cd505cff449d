import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { getEngine } from '../../src/kernels/engine.js';
import { innerProducts, upperTriangle } from '../../src/nn/inner_product.js';
import { Rng } from '../../src/tensor/rng.js';
import { tidy } from '../../src/tensor/tensor.js';
import { gradcheck, randAway } from '../autograd/gradcheck.js';
import { assertClose } from './reference.js';

before(async () => {
  await getEngine();
});
const rng = new Rng(35);

test('inner products: <e_i, e_j> for i < j in row-major order', () => {
  assert.deepEqual([...upperTriangle(3)], [1, 2, 5]);
  assert.equal(upperTriangle(1).length, 0);
  for (const [B, F, D] of [
    [3, 4, 2],
    [1, 2, 1],
    [2, 5, 3],
  ]) {
    const e = randAway([B, F, D], rng);
    tidy(() => {
      const got = innerProducts(e);
      assert.deepEqual(got.shape, [B, (F * (F - 1)) / 2]);
      const d = e.data,
        want: number[] = [];
      for (let b = 0; b < B; b++)
        for (let i = 0; i < F; i++)
          for (let j = i + 1; j < F; j++) {
            let s = 0;
            for (let k = 0; k < D; k++) s += d[(b * F + i) * D + k] * d[(b * F + j) * D + k];
            want.push(s);
          }
      assertClose(got.data, want, `B${B} F${F} D${D}`);
    });
  }
});

test('inner products: gradient, including size-1 edges', () => {
  for (const shape of [
    [3, 4, 2],
    [1, 2, 1],
    [2, 3, 1],
    [1, 2, 4],
  ]) {
    gradcheck(`inner products ${shape}`, ([x]) => innerProducts(x), [randAway(shape, rng)]);
  }
});
