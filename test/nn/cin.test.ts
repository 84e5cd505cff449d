import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { getEngine } from '../../src/kernels/engine.js';
import { CIN } from '../../src/nn/cin.js';
import { Rng } from '../../src/tensor/rng.js';
import { tidy, type Tensor } from '../../src/tensor/tensor.js';
import { gradcheck, randAway } from '../autograd/gradcheck.js';

before(async () => {
  await getEngine();
});
const rng = new Rng(31);

/** The paper's formula with plain loops: X^k_o = sum_{i,j} W_{(i,j),o} X^{k-1}_i ⊙ X^0_j + b_o, pooled over D. */
function reference(cin: CIN, emb: Tensor): number[][] {
  const [B, F, D] = emb.shape;
  const e = emb.data;
  return Array.from({ length: B }, (_, b) => {
    const x0 = Array.from({ length: F }, (_, f) => Array.from({ length: D }, (_, d) => e[(b * F + f) * D + d]));
    let prev = x0;
    const pooled: number[] = [];
    cin.convs.forEach((conv, k) => {
      const W = conv.namedParams().find(([n]) => n === 'W')![1].data,
        bias = conv.namedParams().find(([n]) => n === 'b')![1].data;
      const H = prev.length,
        out = conv.outDim;
      const maps = Array.from({ length: out }, (_, o) =>
        Array.from({ length: D }, (_, d) => {
          let s = bias[o];
          for (let i = 0; i < H; i++) for (let j = 0; j < F; j++) s += W[(i * F + j) * out + o] * prev[i][d] * x0[j][d];
          return s;
        }),
      );
      const next = cin.carried[k];
      const direct = next === out ? maps : maps.slice(next);
      for (const m of direct) pooled.push(m.reduce((a, v) => a + v, 0));
      prev = maps.slice(0, next);
    });
    return pooled;
  });
}

test('CIN matches the paper formula, with and without split_half (odd sizes too)', () => {
  for (const [layers, splitHalf] of [
    [[4, 3, 2], true],
    [[3, 2], false],
    [[5, 3], true],
  ] as [number[], boolean][]) {
    const cin = new CIN(3, { layers, splitHalf }, rng);
    const want = splitHalf
      ? layers.slice(0, -1).reduce((s, h) => s + h - Math.floor(h / 2), 0) + layers[layers.length - 1]
      : layers.reduce((s, h) => s + h, 0);
    assert.equal(cin.outDim, want);
    const emb = randAway([2, 3, 4], rng);
    tidy(() => {
      const got = cin.forward(emb);
      assert.deepEqual(got.shape, [2, cin.outDim]);
      const ref = reference(cin, emb).flat();
      got
        .toArray()
        .forEach((v, i) =>
          assert.ok(Math.abs(v - ref[i]) < 1e-4 * (1 + Math.abs(ref[i])), `${layers} entry ${i}: ${v} vs ${ref[i]}`),
        );
    });
  }
});

test('CIN: gradient w.r.t. input and every parameter, size-1 edges included', () => {
  const cases: [number[], number[], boolean][] = [
    [[2, 3, 2], [1, 4, 2], false],
    [[1, 3, 2], [4, 3], true],
    [[2, 1, 1], [2, 2], false],
    [[1, 1, 1], [1], true],
    [[2, 2, 3], [3, 2], true],
  ];
  for (const [shape, layers, splitHalf] of cases) {
    const cin = new CIN(shape[1], { layers, splitHalf }, rng);
    gradcheck(`cin ${shape} ${layers} ${splitHalf}`, ([x]) => cin.forward(x), [randAway(shape, rng), ...cin.params()], {
      maxEntries: 24,
    });
  }
  assert.throws(() => new CIN(3, { layers: [1, 2] }, rng), /split/);
});
