import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { getEngine } from '../../src/kernels/engine.js';
import { CrossNet } from '../../src/nn/cross_net.js';
import { Rng } from '../../src/tensor/rng.js';
import { tidy } from '../../src/tensor/tensor.js';
import { gradcheck, randAway } from '../autograd/gradcheck.js';
import { affine, assertClose, row, vadd, vmap, type Vec } from './reference.js';

before(async () => {
  await getEngine();
});
const rng = new Rng(31);

/** Fresh non-zero biases, so the check covers them in the forward value too. */
function randomizeBiases(net: CrossNet): void {
  for (const b of net.biases) b.data.set(randAway([...b.shape], rng).data);
}

test('CrossNet v1 computes x0 * (x_l . w_l) + b_l + x_l layer by layer', () => {
  const net = new CrossNet(4, 2, rng);
  randomizeBiases(net);
  const x = randAway([3, 4], rng);
  tidy(() => {
    const got = net.forward(x);
    assert.deepEqual(got.shape, [3, 4]);
    for (let r = 0; r < 3; r++) {
      const x0 = row(x, r);
      let xl: Vec = x0;
      for (let l = 0; l < 2; l++) {
        const dot = affine(xl, net.weights[l])[0];
        xl = vadd(
          vadd(
            vmap(x0, (v) => v * dot),
            Array.from(net.biases[l].data),
          ),
          xl,
        );
      }
      assertClose(row(got, r), xl, `row ${r}`);
    }
  });
  assert.deepEqual(
    net.namedParams().map(([n]) => n),
    ['w0', 'b0', 'w1', 'b1'],
  );
});

test('CrossNet v1: gradient w.r.t. input and every parameter, including size-1 edges', () => {
  for (const [B, dim, L] of [
    [3, 4, 2],
    [1, 1, 1],
    [2, 1, 3],
    [1, 5, 1],
  ]) {
    const net = new CrossNet(dim, L, rng);
    randomizeBiases(net);
    gradcheck(`cross v1 B${B} d${dim} L${L}`, ([x]) => net.forward(x), [randAway([B, dim], rng), ...net.params()]);
  }
  tidy(() => assert.deepEqual(new CrossNet(3, 0, rng).forward(randAway([2, 3], rng)).shape, [2, 3]));
});
