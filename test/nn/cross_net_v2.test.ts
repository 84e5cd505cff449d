import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { getEngine } from '../../src/kernels/engine.js';
import { Linear } from '../../src/nn/linear.js';
import { CrossNetMix } from '../../src/nn/cross_net_mix.js';
import { CrossNetV2 } from '../../src/nn/cross_net_v2.js';
import { Rng } from '../../src/tensor/rng.js';
import { tidy } from '../../src/tensor/tensor.js';
import { gradcheck, randAway } from '../autograd/gradcheck.js';
import { affine, assertClose, row, vadd, vmap, vmul, type Vec } from './reference.js';

before(async () => {
  await getEngine();
});
const rng = new Rng(32);

test('CrossNetV2 (full) computes x0 ⊙ (W_l x_l + b_l) + x_l', () => {
  const net = new CrossNetV2(3, 2, rng);
  const x = randAway([2, 3], rng);
  tidy(() => {
    const got = net.forward(x);
    for (let r = 0; r < 2; r++) {
      const x0 = row(x, r);
      let xl: Vec = x0;
      for (const layer of net.layers as Linear[]) xl = vadd(vmul(x0, affine(xl, layer.W, layer.b)), xl);
      assertClose(row(got, r), xl, `row ${r}`);
    }
  });
  assert.deepEqual(
    net.namedModules().map(([n]) => n),
    ['', 'layer0', 'layer1'],
  );
});

test('CrossNetV2 (full): gradient w.r.t. input and every parameter, including size-1 edges; replace', () => {
  for (const [B, dim, L] of [
    [3, 4, 2],
    [1, 1, 1],
    [2, 1, 2],
    [1, 3, 1],
  ]) {
    const net = new CrossNetV2(dim, L, rng);
    gradcheck(`cross v2 B${B} d${dim} L${L}`, ([x]) => net.forward(x), [randAway([B, dim], rng), ...net.params()]);
  }
  const net = new CrossNetV2(3, 2, rng);
  const l = new Linear(3, 3, rng);
  net.replace('layer1', l);
  assert.equal(net.layers[1], l);
});

/** Reference for one low-rank mixture layer. */
function mixLayerRef(net: CrossNetMix, l: number, x0: Vec, xl: Vec): Vec {
  const layer = net.layers[l];
  const logits = affine(xl, layer.gate.W);
  const m = Math.max(...logits);
  const ex = logits.map((v) => Math.exp(v - m));
  const z = ex.reduce((s, v) => s + v, 0);
  let mixed: Vec = xl.map(() => 0);
  layer.experts.forEach((e, k) => {
    const v = affine(xl, (e.V as Linear).W).map(Math.tanh);
    const c = affine(v, (e.C as Linear).W).map(Math.tanh);
    const u = affine(c, (e.U as Linear).W);
    mixed = vadd(
      mixed,
      vmap(u, (t) => (t * ex[k]) / z),
    );
  });
  return vadd(vmul(x0, vadd(mixed, Array.from(layer.bias.data))), xl);
}

test('CrossNetMix (low-rank experts) matches the DCN-V2 mixture formula', () => {
  const net = new CrossNetMix(4, 2, 2, 3, rng);
  for (const layer of net.layers) layer.bias.data.set(randAway([4], rng).data);
  const x = randAway([2, 4], rng);
  tidy(() => {
    const got = net.forward(x);
    for (let r = 0; r < 2; r++) {
      const x0 = row(x, r);
      let xl: Vec = x0;
      for (let l = 0; l < 2; l++) xl = mixLayerRef(net, l, x0, xl);
      assertClose(row(got, r), xl, `row ${r}`);
    }
  });
  assert.deepEqual(
    net
      .namedParams()
      .map(([n]) => n)
      .slice(0, 5),
    ['layer0.bias', 'layer0.expert0.V.W', 'layer0.expert0.C.W', 'layer0.expert0.U.W', 'layer0.expert1.V.W'],
  );
});

test('CrossNetMix: gradient w.r.t. input and every parameter, including size-1 edges', () => {
  for (const [B, dim, L, rank, K] of [
    [3, 4, 2, 2, 3],
    [1, 1, 1, 1, 1],
    [2, 3, 1, 1, 2],
    [1, 2, 2, 3, 1],
  ]) {
    const net = new CrossNetMix(dim, L, rank, K, rng);
    for (const layer of net.layers) layer.bias.data.set(randAway([dim], rng).data);
    gradcheck(`cross mix B${B} d${dim} L${L} r${rank} K${K}`, ([x]) => net.forward(x), [
      randAway([B, dim], rng),
      ...net.params(),
    ]);
  }
});
