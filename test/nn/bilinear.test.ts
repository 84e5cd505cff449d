import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { getEngine } from '../../src/kernels/engine.js';
import { BILINEAR_TYPES, BilinearInteraction } from '../../src/nn/bilinear.js';
import { Rng } from '../../src/tensor/rng.js';
import { tidy } from '../../src/tensor/tensor.js';
import { gradcheck, randAway } from '../autograd/gradcheck.js';

before(async () => {
  await getEngine();
});
const rng = new Rng(51);

test('bilinear interaction: p_ij = (v_i W) ⊙ v_j for i < j, for each weight-sharing type', () => {
  const [B, F, D] = [2, 4, 3];
  for (const type of BILINEAR_TYPES) {
    const bi = new BilinearInteraction(F, D, type, rng);
    assert.deepEqual(bi.W.shape, type === 'field_all' ? [D, D] : [type === 'field_each' ? F - 1 : 6, D, D]);
    const emb = randAway([B, F, D], rng);
    tidy(() => {
      const out = bi.forward(emb);
      assert.deepEqual(out.shape, [B, 6, D]);
      const got = out.toArray(),
        e = emb.data,
        W = bi.W.data;
      let p = 0;
      for (let i = 0; i < F; i++)
        for (let j = i + 1; j < F; j++, p++) {
          const m = type === 'field_all' ? 0 : type === 'field_each' ? i : p;
          for (let b = 0; b < B; b++)
            for (let d = 0; d < D; d++) {
              let viW = 0;
              for (let c = 0; c < D; c++) viW += e[(b * F + i) * D + c] * W[(m * D + c) * D + d];
              const want = viW * e[(b * F + j) * D + d],
                at = (b * 6 + p) * D + d;
              assert.ok(Math.abs(got[at] - want) < 1e-5, `${type} pair (${i},${j}) b${b} d${d}: ${got[at]} vs ${want}`);
            }
        }
    });
  }
});

test('bilinear interaction: gradient w.r.t. input and weights, size-1 edges included', () => {
  for (const type of BILINEAR_TYPES) {
    for (const shape of [
      [2, 3, 2],
      [1, 2, 1],
      [3, 4, 1],
      [1, 2, 3],
    ]) {
      const bi = new BilinearInteraction(shape[1], shape[2], type, rng);
      gradcheck(`bilinear ${type} ${shape}`, ([x]) => bi.forward(x), [randAway(shape, rng), bi.W], { maxEntries: 24 });
    }
  }
  assert.throws(() => new BilinearInteraction(1, 4, 'field_all', rng), /2 fields/);
});
