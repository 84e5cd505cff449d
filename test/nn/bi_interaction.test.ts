import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { getEngine } from '../../src/kernels/engine.js';
import { biInteraction } from '../../src/nn/bi_interaction.js';
import { Rng } from '../../src/tensor/rng.js';
import { tidy } from '../../src/tensor/tensor.js';
import { gradcheck, randAway } from '../autograd/gradcheck.js';
import { assertClose } from './reference.js';

before(async () => {
  await getEngine();
});
const rng = new Rng(34);

test('bi-interaction pooling equals sum_{i<j} e_i ⊙ e_j per embedding dimension', () => {
  for (const [B, F, D] of [
    [3, 4, 2],
    [1, 1, 3],
    [2, 3, 1],
  ]) {
    const e = randAway([B, F, D], rng);
    tidy(() => {
      const got = biInteraction(e);
      assert.deepEqual(got.shape, [B, D]);
      const d = e.data,
        want: number[] = [];
      for (let b = 0; b < B; b++)
        for (let k = 0; k < D; k++) {
          let s = 0;
          for (let i = 0; i < F; i++)
            for (let j = i + 1; j < F; j++) s += d[(b * F + i) * D + k] * d[(b * F + j) * D + k];
          want.push(s);
        }
      assertClose(got.data, want, `B${B} F${F} D${D}`);
    });
  }
});

test('bi-interaction pooling: gradient, including size-1 edges', () => {
  for (const shape of [
    [3, 4, 2],
    [1, 1, 1],
    [1, 2, 1],
    [2, 1, 3],
  ]) {
    gradcheck(`bi-interaction ${shape}`, ([x]) => biInteraction(x), [randAway(shape, rng)]);
  }
});
