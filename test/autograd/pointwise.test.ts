import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as ag from '../../src/autograd/index.js';
import { getEngine } from '../../src/kernels/engine.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor, tidy } from '../../src/tensor/tensor.js';
import { gradcheck, randAway } from './gradcheck.js';

before(async () => {
  await getEngine();
});
const rng = new Rng(4321);
const R = (...shape: number[]): Tensor => randAway(shape, rng);
/** Positive values in [0.5, 2] (for log, sqrt and the base of pow). */
const P = (...shape: number[]): Tensor => {
  const t = R(...shape);
  t.data.forEach((v, i) => {
    t.data[i] = 0.5 + Math.abs(v) * 1.5;
  });
  return t;
};

test('exp, log, sqrt, abs, leakyRelu: values and gradients', () => {
  for (const shape of [[3, 4], [1], [2, 1, 3]]) {
    gradcheck(`exp ${shape}`, ([a]) => ag.exp(a), [R(...shape)]);
    gradcheck(`log ${shape}`, ([a]) => ag.log(a), [P(...shape)]);
    gradcheck(`sqrt ${shape}`, ([a]) => ag.sqrt(a), [P(...shape)]);
    gradcheck(`abs ${shape}`, ([a]) => ag.abs(a), [R(...shape)]);
    gradcheck(`leakyRelu ${shape}`, ([a]) => ag.leakyRelu(a, 0.1), [R(...shape)]);
  }
  tidy(() => {
    const x = Tensor.from([-2, 0.25, 4]);
    assert.deepEqual(
      [...ag.leakyRelu(x, 0.1).data].map((v) => +v.toFixed(6)),
      [-0.2, 0.25, 4],
    );
    assert.deepEqual([...ag.sqrt(Tensor.from([4, 9])).data], [2, 3]);
    assert.deepEqual([...ag.abs(x).data], [2, 0.25, 4]);
  });
});

test('div and pow with broadcasting', () => {
  const cases: [number[], number[]][] = [
    [
      [3, 4],
      [3, 4],
    ],
    [[3, 4], [4]],
    [
      [2, 3, 4],
      [3, 1],
    ],
    [[1], [2, 2]],
    [[2, 3], []],
  ];
  for (const [sa, sb] of cases) {
    gradcheck(`div ${sa} / ${sb}`, ([a, b]) => ag.div(a, b), [R(...sa), P(...sb)]);
    gradcheck(`pow ${sa} ^ ${sb}`, ([a, b]) => ag.pow(a, b), [P(...sa), R(...sb)]);
  }
  // Squaring (what exported variance computations do) on negative bases: d/da = 2a.
  gradcheck('pow x^2', ([a]) => ag.pow(a, Tensor.from([2], [])), [R(3, 4)]);
  tidy(() => {
    assert.deepEqual([...ag.pow(Tensor.from([-3, 2]), Tensor.from([2], [])).data], [9, 4]);
    assert.deepEqual([...ag.div(Tensor.from([1, 6]), Tensor.from([2, 3])).data], [0.5, 2]);
  });
});

test('expand broadcasts to a shape and sums the gradient back', () => {
  gradcheck('expand [3,1] -> [2,3,4]', ([a]) => ag.expand(a, [2, 3, 4]), [R(3, 1)]);
  gradcheck('expand [4] -> [3,4]', ([a]) => ag.expand(a, [3, 1]), [R(4)]);
  tidy(() => assert.deepEqual(ag.expand(Tensor.from([1, 2]), [3, 1]).shape, [3, 2]));
});

test('batchMatmul: numpy semantics (1-D operands, broadcast batch axes) and its gradient', () => {
  const cases: [number[], number[], number[]][] = [
    [
      [3, 4],
      [4, 2],
      [3, 2],
    ],
    [
      [2, 3, 4],
      [4, 5],
      [2, 3, 5],
    ],
    [
      [2, 2, 3, 4],
      [2, 2, 4, 3],
      [2, 2, 3, 3],
    ],
    [
      [2, 1, 3, 4],
      [1, 3, 4, 2],
      [2, 3, 3, 2],
    ],
    [[4], [4, 3], [3]],
    [[2, 3, 4], [4], [2, 3]],
  ];
  for (const [sa, sb, so] of cases) {
    tidy(() => assert.deepEqual(ag.batchMatmul(R(...sa), R(...sb)).shape, so, `${sa} @ ${sb}`));
    gradcheck(`batchMatmul ${sa} @ ${sb}`, ([a, b]) => ag.batchMatmul(a, b), [R(...sa), R(...sb)]);
  }
  // Values against the plain product, batch by batch.
  tidy(() => {
    const a = R(2, 3, 4),
      b = R(4, 5);
    const y = ag.batchMatmul(a, b);
    for (let n = 0; n < 2; n++) {
      const ref = ag.matmul(Tensor.from(a.data.subarray(n * 12, n * 12 + 12), [3, 4]), b);
      assert.deepEqual([...y.data.subarray(n * 15, n * 15 + 15)], [...ref.data]);
    }
  });
});
