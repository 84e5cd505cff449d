import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { getEngine } from '../../src/kernels/engine.js';
import { GatedCrossNet } from '../../src/nn/gated_cross_net.js';
import { Linear } from '../../src/nn/linear.js';
import { Rng } from '../../src/tensor/rng.js';
import { tidy } from '../../src/tensor/tensor.js';
import { gradcheck, randAway } from '../autograd/gradcheck.js';
import { affine, assertClose, row, vadd, vmul, type Vec } from './reference.js';

before(async () => {
  await getEngine();
});
const rng = new Rng(33);

test('GatedCrossNet computes c0 ⊙ (W_l c_l + b_l) ⊙ sigmoid(W_g c_l) + c_l', () => {
  const net = new GatedCrossNet(3, 2, rng);
  const x = randAway([2, 3], rng);
  tidy(() => {
    const got = net.forward(x);
    for (let r = 0; r < 2; r++) {
      const c0 = row(x, r);
      let c: Vec = c0;
      for (let l = 0; l < 2; l++) {
        const W = net.crosses[l] as Linear,
          G = net.gates[l] as Linear;
        const gate = affine(c, G.W).map((v) => 1 / (1 + Math.exp(-v)));
        c = vadd(vmul(vmul(c0, affine(c, W.W, W.b)), gate), c);
      }
      assertClose(row(got, r), c, `row ${r}`);
    }
  });
  assert.deepEqual(
    net.namedParams().map(([n]) => n),
    ['cross0.W', 'cross0.b', 'gate0.W', 'cross1.W', 'cross1.b', 'gate1.W'],
  );
});

test('GatedCrossNet: gradient w.r.t. input and every parameter, including size-1 edges; replace', () => {
  for (const [B, dim, L] of [
    [3, 4, 2],
    [1, 1, 1],
    [2, 1, 2],
    [1, 3, 1],
  ]) {
    const net = new GatedCrossNet(dim, L, rng);
    gradcheck(`gdcn B${B} d${dim} L${L}`, ([x]) => net.forward(x), [randAway([B, dim], rng), ...net.params()]);
  }
  const net = new GatedCrossNet(3, 1, rng);
  const g = new Linear(3, 3, rng, false);
  net.replace('gate0', g);
  assert.equal(net.gates[0], g);
  assert.throws(() => net.replace('cross1', g), /no sub-module/);
});
