import { before, test } from 'node:test';
import { getEngine } from '../../src/kernels/engine.js';
import { Linear } from '../../src/nn/linear.js';
import { MLP } from '../../src/nn/mlp.js';
import { fmPairs } from '../../src/autograd/index.js';
import { Rng } from '../../src/tensor/rng.js';
import { gradcheck, randAway } from '../autograd/gradcheck.js';
import assert from 'node:assert/strict';
import { tidy, Tensor } from '../../src/tensor/tensor.js';

before(async () => {
  await getEngine();
});
const rng = new Rng(21);

test('Linear: gradient w.r.t. input, weight and bias', () => {
  const l = new Linear(5, 3, rng);
  gradcheck('linear', ([x]) => l.forward(x), [randAway([4, 5], rng), l.W, l.b!]);
});

test('MLP with batch norm: gradient w.r.t. input and every parameter', () => {
  const m = new MLP(6, { hidden: [5, 4], out: 1, batchNorm: true }, rng);
  // A small step: batch norm makes outputs sit near ReLU's kink, where a 1e-2 step straddles it.
  gradcheck('mlp', ([x]) => m.forward(x), [randAway([8, 6], rng), ...m.params()], {
    eps: 1e-3,
    rtol: 5e-2,
    maxEntries: 12,
  });
  assert.equal(m.namedParams().length, 2 * 3 + 2 * 2);
});

test('FM pairwise term equals the sum of pairwise dot products and has the right gradient', () => {
  const e = randAway([3, 4, 2], rng);
  tidy(() => {
    const got = fmPairs(e).toArray();
    const d = e.data;
    for (let b = 0; b < 3; b++) {
      let want = 0;
      for (let i = 0; i < 4; i++)
        for (let j = i + 1; j < 4; j++)
          for (let k = 0; k < 2; k++) want += d[(b * 4 + i) * 2 + k] * d[(b * 4 + j) * 2 + k];
      assert.ok(Math.abs(got[b] - want) < 1e-5, `row ${b}: ${got[b]} vs ${want}`);
    }
  });
  gradcheck('fm', ([x]) => fmPairs(x), [e]);
});

test('Module tree: named params, replace, train/eval', () => {
  const m = new MLP(3, { hidden: [2], out: 1 }, rng);
  assert.deepEqual(
    m.namedParams().map(([n]) => n),
    ['layer0.W', 'layer0.b', 'out.W', 'out.b'],
  );
  const l = new Linear(3, 2, rng);
  m.replace('layer0', l);
  assert.equal(m.layers[0], l);
  m.eval();
  assert.equal(
    m.namedModules().every(([, x]) => !x.training),
    true,
  );
  tidy(() => assert.deepEqual(m.forward(Tensor.zeros([1, 3])).shape, [1, 1]));
});
