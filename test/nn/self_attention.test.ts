import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { getEngine } from '../../src/kernels/engine.js';
import type { Linear } from '../../src/nn/linear.js';
import { MultiHeadSelfAttention } from '../../src/nn/self_attention.js';
import { Rng } from '../../src/tensor/rng.js';
import { tidy, type Tensor } from '../../src/tensor/tensor.js';
import { gradcheck, randAway } from '../autograd/gradcheck.js';

before(async () => {
  await getEngine();
});
const rng = new Rng(61);

/** Plain-loop attention (residual, no layer norm): head h owns output columns [h*dh, (h+1)*dh). */
function reference(att: MultiHeadSelfAttention, x: Tensor): number[] {
  const [B, F, I] = x.shape,
    H = att.heads,
    dh = att.headDim,
    O = H * dh;
  const proj = (W: Float32Array, b: number, f: number, o: number): number => {
    let s = 0;
    for (let c = 0; c < I; c++) s += x.data[(b * F + f) * I + c] * W[c * O + o];
    return s;
  };
  const out: number[] = [];
  for (let b = 0; b < B; b++)
    for (let f = 0; f < F; f++)
      for (let o = 0; o < O; o++) {
        const h = Math.floor(o / dh);
        const logits = Array.from({ length: F }, (_, g) => {
          let s = 0;
          for (let e = h * dh; e < (h + 1) * dh; e++)
            s += proj((att.query as Linear).W.data, b, f, e) * proj((att.key as Linear).W.data, b, g, e);
          return s / Math.sqrt(dh);
        });
        const m = Math.max(...logits),
          w = logits.map((l) => Math.exp(l - m)),
          z = w.reduce((a, v) => a + v, 0);
        let v = proj((att.res as Linear).W.data, b, f, o);
        for (let g = 0; g < F; g++) v += (w[g] / z) * proj((att.value as Linear).W.data, b, g, o);
        out.push(Math.max(0, v));
      }
  return out;
}

test('self-attention matches per-head scaled dot-product attention with a residual and ReLU', () => {
  const att = new MultiHeadSelfAttention(3, { heads: 2, headDim: 2 }, rng);
  const x = randAway([2, 4, 3], rng);
  tidy(() => {
    const out = att.forward(x);
    assert.deepEqual(out.shape, [2, 4, 4]);
    const ref = reference(att, x);
    out.toArray().forEach((v, i) => assert.ok(Math.abs(v - ref[i]) < 1e-5, `entry ${i}: ${v} vs ${ref[i]}`));
  });
  assert.deepEqual(
    att.namedParams().map(([n]) => n),
    ['query.W', 'key.W', 'value.W', 'res.W'],
  );
});

test('self-attention: gradient w.r.t. input and every parameter (heads, layer norm, size-1 edges)', () => {
  const cases: [number[], number, number, boolean, boolean][] = [
    [[2, 3, 4], 2, 3, true, false],
    [[1, 1, 1], 1, 1, true, false],
    [[2, 3, 2], 1, 2, false, false],
    [[2, 4, 3], 2, 2, true, true],
    [[1, 2, 1], 3, 1, true, true],
  ];
  for (const [shape, heads, headDim, residual, layerNorm] of cases) {
    const att = new MultiHeadSelfAttention(shape[2], { heads, headDim, residual, layerNorm }, rng);
    gradcheck(
      `attention ${shape} h${heads}x${headDim} res=${residual} ln=${layerNorm}`,
      ([x]) => att.forward(x),
      [randAway(shape, rng), ...att.params()],
      { eps: 1e-3, rtol: 5e-2, maxEntries: 24 },
    );
  }
});
