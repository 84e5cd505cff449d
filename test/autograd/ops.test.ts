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
const rng = new Rng(1234);
const R = (...shape: number[]): Tensor => randAway(shape, rng);

test('matmul: every transpose combination, including size-1 edges', () => {
  for (const [M, N, K] of [
    [3, 4, 5],
    [1, 1, 1],
    [1, 6, 2],
    [7, 1, 3],
    [2, 3, 1],
  ]) {
    for (const tA of [false, true])
      for (const tB of [false, true]) {
        const a = R(...(tA ? [K, M] : [M, K])),
          b = R(...(tB ? [N, K] : [K, N]));
        gradcheck(`matmul ${M}x${N}x${K} ${tA} ${tB}`, ([x, y]) => ag.matmul(x, y, tA, tB), [a, b]);
      }
  }
});

test('linear on 2-D and 3-D inputs, with and without bias', () => {
  gradcheck('linear 2d', ([x, w, b]) => ag.linear(x, w, b), [R(4, 3), R(3, 5), R(5)]);
  gradcheck('linear 3d', ([x, w, b]) => ag.linear(x, w, b), [R(2, 3, 4), R(4, 2), R(2)]);
  gradcheck('linear no bias', ([x, w]) => ag.linear(x, w, null), [R(1, 3), R(3, 1)]);
});

test('linear with a fused ReLU: finite differences, and the bits of relu(linear) forward and backward', () => {
  gradcheck('linear relu', ([x, w, b]) => ag.linear(x, w, b, 'relu'), [R(6, 5), R(5, 7), R(7)]);
  gradcheck('linear relu no bias', ([x, w]) => ag.linear(x, w, null, 'relu'), [R(2, 3, 4), R(4, 3)]);
  // 40 x 33 x 50: past the small-product paths, so the kernels' epilogue runs.
  const inputs = [R(40, 50), R(50, 33), R(33)].map((t) => t.toArray());
  const run = (fused: boolean): Float32Array[] => {
    const [x, w, b] = [[40, 50], [50, 33], [33]].map((shape, i) => Tensor.param(Tensor.from(inputs[i], shape)));
    const out = tidy(() => {
      const y = fused ? ag.linear(x, w, b, 'relu') : ag.relu(ag.linear(x, w, b));
      ag.backward(ag.sum(ag.mul(y, y)));
      return y.toArray();
    });
    return [out, ...[x, w, b].map((t) => t.grad!.toArray())];
  };
  assert.deepEqual(run(true), run(false));
  const heard: string[] = [];
  ag.noGrad(() =>
    tidy(() => ag.observe({ op: (e) => heard.push(e.op) }, () => ag.linear(R(2, 3), R(3, 4), null, 'relu'))),
  );
  assert.deepEqual(heard, ['linear', 'relu'], 'an observer hears the steps one by one');
});

test('fmPairs: finite differences, and the value of the sum over field pairs computed directly', () => {
  for (const [B, F, D] of [
    [3, 4, 5],
    [2, 1, 8],
    [5, 3, 1],
  ])
    gradcheck(`fmPairs ${B}x${F}x${D}`, ([emb]) => ag.fmPairs(emb), [R(B, F, D)]);
  const [B, F, D] = [9, 6, 7];
  const emb = R(B, F, D);
  const e = emb.toArray();
  const got = tidy(() => ag.fmPairs(emb).toArray());
  for (let b = 0; b < B; b++) {
    let want = 0;
    for (let i = 0; i < F; i++)
      for (let j = i + 1; j < F; j++)
        for (let d = 0; d < D; d++) want += e[(b * F + i) * D + d] * e[(b * F + j) * D + d];
    assert.ok(Math.abs(got[b] - want) <= 1e-5 * (1 + Math.abs(want)), `example ${b}: ${got[b]} vs ${want}`);
  }
  // Observed, it runs as plain ops (heard one by one) with the same value up to float rounding.
  const heard: string[] = [];
  const plain = tidy(() => ag.observe({ op: (o) => heard.push(o.op) }, () => ag.fmPairs(emb).toArray()));
  assert.ok(heard.includes('mul') && !heard.includes('fmPairs'), heard.join(' '));
  for (let b = 0; b < B; b++) assert.ok(Math.abs(plain[b] - got[b]) <= 1e-5 * (1 + Math.abs(got[b])), `example ${b}`);
});

test('scaleVectors: finite differences for values and vectors, the broadcast product exactly, and that product when observed', () => {
  for (const [B, N, D] of [
    [3, 2, 5],
    [1, 1, 1],
    [4, 3, 17],
  ])
    gradcheck(`scaleVectors ${B}x${N}x${D}`, ([v, p]) => ag.scaleVectors(v, p), [R(B, N), R(N, D)]);
  const [values, vectors] = [R(6, 4), R(4, 9)];
  const want = tidy(() => ag.mul(ag.reshape(values, [6, 4, 1]), vectors).toArray());
  assert.deepEqual(
    tidy(() => ag.scaleVectors(values, vectors).toArray()),
    want,
  );
  const heard: string[] = [];
  const plain = tidy(() =>
    ag.observe({ op: (o) => heard.push(o.op) }, () => ag.scaleVectors(values, vectors).toArray()),
  );
  assert.ok(heard.includes('mul') && !heard.includes('scaleVectors'), heard.join(' '));
  assert.deepEqual(plain, want);
  assert.throws(() => ag.scaleVectors(R(2, 3), R(4, 5)), /do not fit \[B, N\] x \[N, D\]/);
});

test('bmm in all transpose combinations', () => {
  for (const tA of [false, true])
    for (const tB of [false, true]) {
      const [n, M, N, K] = [3, 2, 4, 5];
      const a = R(n, ...(tA ? [K, M] : [M, K])),
        b = R(n, ...(tB ? [N, K] : [K, N]));
      gradcheck(`bmm ${tA} ${tB}`, ([x, y]) => ag.bmm(x, y, tA, tB), [a, b]);
    }
});

test('add, sub, mul with broadcasting along the batch and trailing size-1 axes', () => {
  const cases: [number[], number[]][] = [
    [
      [3, 4],
      [3, 4],
    ],
    [[3, 4], [4]],
    [
      [2, 3, 4],
      [3, 4],
    ],
    [
      [2, 3, 4],
      [2, 3, 1],
    ],
    [
      [3, 1],
      [1, 4],
    ],
    [[1], [2, 2]],
    // A bias row (the row-kernel path): odd widths, either side, and a [1, D] result.
    [[2, 3, 5], [5]],
    [[7], [2, 7]],
    [
      [2, 3, 5],
      [1, 1, 5],
    ],
    [[5], [1, 5]],
  ];
  for (const [sa, sb] of cases) {
    gradcheck(`add ${sa} ${sb}`, ([a, b]) => ag.add(a, b), [R(...sa), R(...sb)]);
    gradcheck(`sub ${sa} ${sb}`, ([a, b]) => ag.sub(a, b), [R(...sa), R(...sb)]);
    gradcheck(`mul ${sa} ${sb}`, ([a, b]) => ag.mul(a, b), [R(...sa), R(...sb)]);
  }
  // The bias-row path computes what the general broadcast does.
  const [x, v] = [R(2, 3, 5), R(5)];
  const y = ag.add(v, x);
  assert.deepEqual(y.shape, [2, 3, 5]);
  y.data.forEach((z, i) => assert.ok(Math.abs(z - (x.data[i] + v.data[i % 5])) < 1e-6, `element ${i}`));
  assert.deepEqual(ag.add(R(5), R(1, 5)).shape, [1, 5]);
  gradcheck('scale', ([a]) => ag.scale(a, -1.5), [R(2, 3)]);
  gradcheck('addN', (xs) => ag.addN(xs), [R(2, 3), R(2, 3), R(2, 3)]);
});

test('activations and softmax', () => {
  for (const shape of [
    [3, 5],
    [1, 1],
    [2, 1, 4],
  ]) {
    gradcheck(`relu ${shape}`, ([a]) => ag.relu(a), [R(...shape)]);
    gradcheck(`sigmoid ${shape}`, ([a]) => ag.sigmoid(a), [R(...shape)]);
    gradcheck(`tanh ${shape}`, ([a]) => ag.tanh(a), [R(...shape)]);
    gradcheck(`softmax ${shape}`, ([a]) => ag.softmax(a), [R(...shape)]);
  }
});

test('sum and mean over axes, with and without kept dims', () => {
  const x = (): Tensor => R(2, 3, 4);
  for (const axes of [undefined, 0, 1, 2, -1, [0, 2], [1, 2]] as (number | number[] | undefined)[]) {
    for (const keep of [false, true]) {
      gradcheck(`sum ${axes} ${keep}`, ([a]) => ag.sum(a, axes, keep), [x()]);
      gradcheck(`mean ${axes} ${keep}`, ([a]) => ag.mean(a, axes, keep), [x()]);
    }
  }
});

test('shape ops: reshape, permute, transpose, concat, split, slice', () => {
  gradcheck('reshape', ([a]) => ag.reshape(a, [3, -1]), [R(2, 3, 2)]);
  gradcheck('permute', ([a]) => ag.permute(a, [2, 0, 1]), [R(2, 3, 4)]);
  gradcheck('transpose 2d', ([a]) => ag.transpose(a), [R(3, 5)]);
  gradcheck('transpose 3d', ([a]) => ag.transpose(a), [R(2, 3, 1)]);
  for (const axis of [0, 1, 2]) {
    const s = [2, 3, 4];
    const sb = s.map((d, i) => (i === axis ? 1 : d));
    gradcheck(`concat axis ${axis}`, (xs) => ag.concat(xs, axis), [R(...s), R(...sb)]);
    gradcheck(`slice axis ${axis}`, ([a]) => ag.slice(a, axis, 1, 2), [R(...s)]);
    gradcheck(`split axis ${axis}`, ([a]) => ag.concat(ag.split(a, axis, [1, s[axis] - 1]).reverse(), axis), [R(...s)]);
  }
});

test('bceWithLogits matches the definition and its gradient', () => {
  const labels = [1, 0, 1, 1, 0];
  gradcheck('bce', ([a]) => ag.bceWithLogits(a, labels), [R(5)]);
  gradcheck('bce weighted', ([a]) => ag.bceWithLogits(a, labels, [1, 2, 0.5, 1, 3]), [R(5, 1)]);
  tidy(() => {
    // Extreme logits stay finite and match -log(sigmoid) computed by hand.
    const x = Tensor.from([100, -100, 0], [3]);
    const loss = ag.bceWithLogits(x, [0, 1, 1]).data[0];
    assert.ok(Math.abs(loss - (100 + 100 + Math.log(2)) / 3) < 1e-3, `loss ${loss}`);
  });
});

test('batch norm (train and eval) and layer norm', () => {
  const d = 4;
  const st = (): ag.BatchNormState => ({
    runningMean: new Float32Array(d).fill(0.1),
    runningVar: new Float32Array(d).fill(0.9),
    momentum: 0.1,
    eps: 1e-5,
  });
  gradcheck('batchNorm train', ([x, g, b]) => ag.batchNorm(x, g, b, st(), true), [R(6, d), R(d), R(d)], { rtol: 5e-2 });
  gradcheck('batchNorm eval', ([x, g, b]) => ag.batchNorm(x, g, b, st(), false), [R(6, d), R(d), R(d)]);
  gradcheck('layerNorm', ([x, g, b]) => ag.layerNorm(x, g, b), [R(3, 2, d), R(d), R(d)], { rtol: 5e-2 });
  gradcheck('layerNorm width 1', ([x, g, b]) => ag.layerNorm(x, g, b), [R(3, 1), R(1), R(1)]);
});

test('dropout: seeded mask, gradient through kept units, identity in eval', () => {
  const x = R(4, 6);
  gradcheck('dropout', ([a]) => ag.dropout(a, 0.5, new Rng(5), true), [x]);
  tidy(() => {
    const y = ag.dropout(x, 0.5, new Rng(5), false);
    assert.equal(y, x);
    const a = ag.dropout(x, 0.3, new Rng(9), true).toArray(),
      b = ag.dropout(x, 0.3, new Rng(9), true).toArray();
    assert.deepEqual(a, b);
  });
});

test('fieldProject: per-field projection plus mean, against loops and finite differences', () => {
  for (const [B, F, k, D] of [
    [3, 2, 2, 5],
    [1, 1, 1, 1],
    [2, 3, 4, 8],
  ]) {
    const small = R(B, F, k),
      P = R(F, k, D),
      mu = R(F, D);
    tidy(() => {
      const out = ag.fieldProject(small, P, mu).toArray();
      const s = small.data,
        p = P.data,
        m = mu.data;
      for (let b = 0; b < B; b++)
        for (let f = 0; f < F; f++)
          for (let j = 0; j < D; j++) {
            let want = m[f * D + j];
            for (let c = 0; c < k; c++) want += s[(b * F + f) * k + c] * p[(f * k + c) * D + j];
            assert.ok(Math.abs(out[(b * F + f) * D + j] - want) < 1e-5);
          }
    });
    gradcheck(`fieldProject ${B},${F},${k},${D}`, ([a, b, c]) => ag.fieldProject(a, b, c), [small, P, mu]);
  }
});

test('gatherRows scatters its gradient into the touched rows', () => {
  const idx = Int32Array.from([2, 0, 2, 3]);
  gradcheck('gatherRows', ([a]) => ag.gatherRows(a, idx), [R(5, 3)]);
});

test('indexSelect picks (repeated) entries along any axis and scatters its gradient back', () => {
  const idx = Int32Array.from([2, 0, 2]);
  for (const axis of [0, 1, 2, -1])
    gradcheck(`indexSelect axis ${axis}`, ([a]) => ag.indexSelect(a, axis, idx), [R(3, 4, 3)]);
  gradcheck('indexSelect size-1 axis', ([a]) => ag.indexSelect(a, 1, Int32Array.from([0, 0])), [R(2, 1, 1)]);
  tidy(() => {
    const x = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
    assert.deepEqual([...ag.indexSelect(x, 1, Int32Array.from([2, 1])).data], [3, 2, 6, 5]);
    assert.deepEqual(ag.indexSelect(x, 0, new Int32Array(0)).shape, [0, 3]);
    assert.throws(() => ag.indexSelect(x, 1, Int32Array.from([3])), /outside/);
  });
});

test('backward refuses a non-scalar loss and a loss without parameters', () => {
  tidy(() => {
    const x = Tensor.param(R(2, 2));
    assert.throws(() => ag.backward(ag.relu(x)), /scalar/);
    assert.throws(() => ag.backward(Tensor.from([1])), /does not depend/);
    x.dispose();
  });
});

test('fieldAttention: fused multi-head attention over [Q | K | V (| R)], SIMD paths and tails', () => {
  for (const [B, F, H, dh, res] of [
    [2, 5, 2, 8, true],
    [1, 6, 1, 10, false],
    [2, 1, 1, 1, true],
    [1, 3, 3, 2, false],
  ] as [number, number, number, number, boolean][]) {
    gradcheck(
      `fieldAttention ${B},${F},${H},${dh} res=${res}`,
      ([x]) => ag.fieldAttention(x, H, dh, 0.5, res),
      [R(B, F, (res ? 4 : 3) * H * dh)],
      { eps: 1e-3, rtol: 5e-2, maxEntries: 48 },
    );
  }
});

test('bilinearPairs: (v_i W_p) ⊙ v_j for every field pair, each weight sharing, SIMD paths and tails', () => {
  for (const [B, F, D] of [
    [2, 4, 8],
    [1, 3, 5],
    [2, 2, 1],
  ]) {
    const P = (F * (F - 1)) / 2;
    for (const wShape of [
      [D, D],
      [F - 1, D, D],
      [P, D, D],
    ]) {
      gradcheck(
        `bilinearPairs ${B},${F},${D} W [${wShape}]`,
        ([x, w]) => ag.bilinearPairs(x, w),
        [R(B, F, D), R(...wShape)],
        { maxEntries: 32 },
      );
    }
  }
});

test('crossLayer: x0 * (x w) + b + x, with x0 distinct from and equal to x, SIMD tails', () => {
  for (const [B, d] of [
    [3, 9],
    [1, 1],
    [2, 8],
  ]) {
    gradcheck(`crossLayer ${B}x${d}`, ([x0, x, w, b]) => ag.crossLayer(x0, x, w, b), [R(B, d), R(B, d), R(d, 1), R(d)]);
    gradcheck(`crossLayer ${B}x${d} x0 = x`, ([x, w, b]) => ag.crossLayer(x, x, w, b), [R(B, d), R(d, 1), R(d)]);
  }
});

test('bilinearPairsJoined: interactions side by side per example, as the concat of each flattened', () => {
  const [B, F, D] = [3, 4, 5];
  const a = R(B, F, D),
    b = R(B, F, D),
    Wa = R(D, D),
    Wb = R(F - 1, D, D);
  tidy(() => {
    const got = ag.bilinearPairsJoined([
      [a, Wa],
      [b, Wb],
    ]);
    const want = ag.concat(
      [ag.reshape(ag.bilinearPairs(a, Wa), [B, -1]), ag.reshape(ag.bilinearPairs(b, Wb), [B, -1])],
      1,
    );
    assert.deepEqual(got.shape, want.shape);
    assert.deepEqual(got.toArray(), want.toArray());
  });
  gradcheck(
    'bilinearPairsJoined',
    ([x, y, u, v]) =>
      ag.bilinearPairsJoined([
        [x, u],
        [y, v],
      ]),
    [a, b, Wa, Wb],
    { maxEntries: 32 },
  );
});

test('ops that write a new input gradient outright also add into an existing one', () => {
  // concat's backward runs first and creates the gradient; linear / fieldAttention then add to it.
  gradcheck('linear into existing grad', ([x, w]) => ag.concat([ag.linear(x, w, null), x], 1), [R(3, 4), R(4, 5)]);
  gradcheck(
    'fieldAttention into existing grad',
    ([x]) => ag.concat([ag.fieldAttention(x, 2, 4, 0.5, true), x], 2),
    [R(2, 5, 32)],
    { eps: 1e-3, rtol: 5e-2, maxEntries: 48 },
  );
});
