import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { backward, noGrad } from '../../src/autograd/index.js';
import { getEngine } from '../../src/kernels/engine.js';
import { factorAttention } from '../../src/nn/factored_attention.js';
import { LowRankLinear } from '../../src/nn/low_rank_linear.js';
import { MultiHeadSelfAttention } from '../../src/nn/self_attention.js';
import { applyModelTensors, modelTensors } from '../../src/persist/weights.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor, tidy } from '../../src/tensor/tensor.js';
import { gradcheck, randAway } from '../autograd/gradcheck.js';

before(async () => {
  await getEngine();
});
const rng = new Rng(83);

type Which = 'query' | 'key' | 'value' | 'res';

/** A layer whose listed projections are LowRankLinear at the given ranks (random factors and biases). */
function layer(
  inDim: number,
  heads: number,
  headDim: number,
  ranks: Partial<Record<Which, number>>,
  o: { residual?: boolean; layerNorm?: boolean } = {},
): MultiHeadSelfAttention {
  const att = new MultiHeadSelfAttention(
    inDim,
    { heads, headDim, residual: o.residual ?? true, layerNorm: o.layerNorm ?? false },
    rng,
  );
  for (const [name, k] of Object.entries(ranks))
    att.replace(name, new LowRankLinear(inDim, heads * headDim, k, 'none', rng));
  return att;
}

/** Output and the gradients of sum(out * R) w.r.t. x and every parameter, on the unfactored path when `plain`. */
function run(att: MultiHeadSelfAttention, x: Tensor, R: Float32Array, plain: boolean): Float32Array[] {
  if (plain) att.factored = false;
  try {
    return tidy(() => {
      for (const p of [x, ...att.params()]) p.grad = null;
      const out = att.forward(x);
      backward(out, Tensor.from(R, out.shape));
      // The key's output bias has no gradient on the factored path: the softmax cancels it exactly.
      const got = [
        out.toArray(),
        x.grad!.toArray(),
        ...att.params().map((p) => p.grad?.toArray() ?? new Float32Array(p.size)),
      ];
      for (const p of [x, ...att.params()]) p.grad = null;
      return got;
    });
  } finally {
    att.factored = true;
  }
}

const cases: [
  string,
  number,
  number,
  number,
  Partial<Record<Which, number>>,
  { residual?: boolean; layerNorm?: boolean },
][] = [
  ['all four factored', 6, 2, 6, { query: 2, key: 3, value: 2, res: 3 }, {}],
  ['key and value only (the rest plain, A = I)', 3, 2, 5, { key: 2, value: 4 }, {}],
  [
    'no residual, layer norm, three heads',
    5,
    3,
    5,
    { query: 3, key: 1, value: 2 },
    { residual: false, layerNorm: true },
  ],
  ['one head, k_K > k_V', 7, 1, 9, { query: 4, key: 5, value: 2, res: 2 }, {}],
];

test('factored attention equals the unfactored computation: output, input gradient and every parameter gradient', () => {
  for (const [name, inDim, heads, headDim, ranks, o] of cases) {
    const att = layer(inDim, heads, headDim, ranks, o);
    assert.ok(factorAttention(att.query, att.key, att.value, att.res, headDim), `${name}: the factored path is taken`);
    const x = randAway([3, 5, inDim], rng);
    x.requiresGrad = true;
    const R = Float32Array.from({ length: 3 * 5 * heads * headDim }, () => rng.next() * 2 - 1);
    const fast = run(att, x, R, false),
      slow = run(att, x, R, true);
    const labels = ['output', 'x', ...att.namedParams().map(([n]) => n)];
    slow.forEach((want, i) => {
      let worst = 0,
        scale = 1e-3;
      want.forEach((v, j) => {
        worst = Math.max(worst, Math.abs(v - fast[i][j]));
        scale = Math.max(scale, Math.abs(v));
      });
      assert.ok(worst <= 2e-4 * scale, `${name}: ${labels[i]} differs by ${worst} (scale ${scale})`);
    });
  }
});

test('factored attention: finite-difference gradients w.r.t. input and factors', () => {
  for (const [name, inDim, heads, headDim, ranks, o] of cases.slice(0, 3)) {
    const att = layer(inDim, heads, headDim, ranks, o);
    const params = att
      .namedParams()
      .filter(([n]) => n !== 'key.up.b')
      .map(([, p]) => p);
    gradcheck(`factored attention, ${name}`, ([x]) => att.forward(x), [randAway([2, 3, inDim], rng), ...params], {
      eps: 1e-3,
      rtol: 5e-2,
      maxEntries: 16,
    });
  }
});

test('the factored path is skipped where it cannot pay or does not apply', () => {
  const plain = layer(4, 2, 3, {});
  assert.equal(factorAttention(plain.query, plain.key, plain.value, plain.res, 3), null, 'nothing factored');
  const wide = layer(8, 2, 3, { key: 4, value: 2 });
  assert.equal(
    factorAttention(wide.query, wide.key, wide.value, wide.res, 3),
    null,
    'k_K = 4 is wider than a head of 3',
  );
  const act = layer(6, 2, 4, { key: 2 });
  act.replace('value', new LowRankLinear(6, 8, 2, 'relu', rng));
  assert.equal(factorAttention(act.query, act.key, act.value, act.res, 4), null, 'an activation between the factors');
});

/** A factored layer in serving: `infer` runs it (cache allowed), `reference` on the plain path. */
function servingCase() {
  const att = layer(6, 2, 8, { query: 3, key: 2, value: 3, res: 2 });
  const x = randAway([2, 4, 6], rng);
  const infer = (): Float32Array => noGrad(() => tidy(() => att.forward(x).toArray()));
  const reference = (): Float32Array => {
    att.factored = false;
    try {
      return infer();
    } finally {
      att.factored = true;
    }
  };
  return { att, x, infer, reference };
}

test('serving reuses the factored weights, and rebuilds them once a training call may have changed the parameters', () => {
  const { att, x, infer, reference } = servingCase();
  att.eval();
  const first = infer();
  assert.deepEqual(infer(), first, 'the same weights serve the second call');
  att.train();
  for (const p of att.params()) p.data[0] += 0.5; // as an optimizer step would
  tidy(() => {
    att.forward(x);
  });
  att.eval();
  const after = infer(),
    want = reference();
  assert.ok(
    after.some((v, i) => Math.abs(v - first[i]) > 1e-3),
    'the outputs follow the new parameters',
  );
  after.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-4, `entry ${i}: ${v} vs ${want[i]}`));
});

test('weights restored in place in eval mode (fit keeping its best epoch, a file loaded) reach the cached factored weights', () => {
  const { att, infer, reference } = servingCase();
  att.eval();
  const best = modelTensors(att);
  const want = reference();
  for (const p of att.params()) p.assign(p.toArray().map((v) => v * 1.5)); // later epochs moved on
  const later = infer(); // the cache now holds the later weights
  assert.ok(later.some((v, i) => Math.abs(v - want[i]) > 1e-3));
  applyModelTensors(att, best, 'best weights');
  infer().forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-4, `entry ${i}: ${v} vs ${want[i]} (stale cache)`));
});
