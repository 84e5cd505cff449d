import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { getEngine } from '../../src/kernels/engine.js';
import { SENet } from '../../src/nn/senet.js';
import { Rng } from '../../src/tensor/rng.js';
import { tidy } from '../../src/tensor/tensor.js';
import { gradcheck, randAway } from '../autograd/gradcheck.js';

before(async () => {
  await getEngine();
});
const rng = new Rng(41);

test('SENET squeezes by mean, excites through F -> F/r -> F with ReLU, and reweights fields', () => {
  const se = new SENet(6, 3, rng);
  assert.deepEqual(se.squeeze.W.shape, [6, 2]);
  assert.deepEqual(se.excite.W.shape, [2, 6]);
  assert.equal(se.namedParams().length, 2); // no biases
  const emb = randAway([2, 6, 3], rng);
  tidy(() => {
    const got = se.forward(emb).toArray();
    const e = emb.data,
      W1 = se.squeeze.W.data,
      W2 = se.excite.W.data;
    for (let b = 0; b < 2; b++) {
      const z = Array.from(
        { length: 6 },
        (_, f) => (e[(b * 6 + f) * 3] + e[(b * 6 + f) * 3 + 1] + e[(b * 6 + f) * 3 + 2]) / 3,
      );
      const h = [0, 1].map((r) =>
        Math.max(
          0,
          z.reduce((s, v, f) => s + v * W1[f * 2 + r], 0),
        ),
      );
      const a = Array.from({ length: 6 }, (_, f) => Math.max(0, h[0] * W2[f] + h[1] * W2[6 + f]));
      for (let f = 0; f < 6; f++)
        for (let d = 0; d < 3; d++) {
          const i = (b * 6 + f) * 3 + d;
          assert.ok(Math.abs(got[i] - a[f] * e[i]) < 1e-5, `entry ${i}: ${got[i]} vs ${a[f] * e[i]}`);
        }
    }
  });
});

test('SENET: gradient w.r.t. input and both excitation matrices, size-1 edges included', () => {
  for (const [shape, r] of [
    [[3, 4, 2], 2],
    [[1, 1, 1], 3],
    [[2, 3, 1], 1],
    [[1, 2, 3], 5],
  ] as [number[], number][]) {
    const se = new SENet(shape[1], r, rng);
    // Keep the ReLUs on the active side so a finite step does not straddle a kink.
    for (const w of se.params())
      w.data.forEach((v, i, d) => {
        d[i] = Math.abs(v) + 0.1;
      });
    const x = randAway(shape, rng, 0.2, 1);
    x.data.forEach((v, i, d) => {
      d[i] = Math.abs(v);
    });
    gradcheck(`senet ${shape} r=${r}`, ([e]) => se.forward(e), [x, ...se.params()], { eps: 1e-3 });
  }
  const se = new SENet(4, 2, rng);
  gradcheck('senet mixed signs', ([e]) => se.forward(e), [randAway([3, 4, 2], rng), ...se.params()], {
    eps: 1e-3,
    rtol: 5e-2,
  });
});
