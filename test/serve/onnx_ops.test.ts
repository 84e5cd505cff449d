/**
 * ONNX export beyond the current zoo: a model built to use every op the exporter maps (attention
 * style softmax / bmm / layer norm, permutes, gathers, splits, reductions, batch norm), the
 * failures it must report, and checks that the parity measure can fail at all.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  add,
  addN,
  bmm,
  concat,
  gatherRows,
  indexSelect,
  layerNorm,
  matmul,
  mean,
  mul,
  permute,
  relu,
  reshape,
  scale,
  sigmoid,
  softmax,
  split,
  sub,
  sum,
  tanh,
  traced,
  transpose,
} from '../../src/autograd/index.js';
import { getEngine } from '../../src/kernels/engine.js';
import { CTRModel } from '../../src/models/model.js';
import { findModel } from '../../src/models/registry.js';
import type { Batch } from '../../src/nn/types.js';
import { BatchNorm } from '../../src/nn/batch_norm.js';
import { FeatureInputs } from '../../src/nn/feature_inputs.js';
import { Linear } from '../../src/nn/linear.js';
import { SLOTS } from '../../src/optim/optimizer.js';
import { exportOnnx } from '../../src/serve/onnx/export.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { ExportError } from '../../src/util/errors.js';
import { tinyData, tinySpec } from '../models/tiny.js';
import { buildTrained, newStore, onnxProbs, parityGap, slimctrProbs, trainBriefly } from './onnx_parity.js';

before(async () => {
  await getEngine();
});

const D = 4;

/** Not a real CTR model: one of everything the exporter maps, wired so each op changes the logit. */
class OpCoverage extends CTRModel {
  readonly kind = 'op-coverage';
  readonly inputs: FeatureInputs;
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;
  readonly gamma: Tensor;
  readonly beta: Tensor;
  readonly probe: Tensor;
  readonly norm: BatchNorm;
  readonly head: Linear;
  /** Off by default; set to make a tensor from batch data without declaring it as an input, or an op with no mapping. */
  misuse: 'none' | 'unmarked-input' | 'unknown-op' = 'none';

  constructor(rng: Rng) {
    super(tinySpec);
    this.inputs = this.module(
      'inputs',
      new FeatureInputs(tinySpec, D, 'dense', { rng, store: newStore(), slots: SLOTS.adam }),
    );
    this.query = this.module('query', new Linear(D, D, rng, false));
    this.key = this.module('key', new Linear(D, D, rng, false));
    this.value = this.module('value', new Linear(D, D, rng));
    this.gamma = this.param('gamma', Tensor.param(Tensor.full([D], 1.2)));
    this.beta = this.param('beta', Tensor.param(Tensor.full([D], 0.1)));
    this.probe = this.param('probe', Tensor.param(Tensor.uniform([2, D], rng, 0.5)));
    const width = D + D + 2 + 2 + 1;
    this.norm = this.module('norm', new BatchNorm(width));
    this.head = this.module('head', new Linear(width, 1, rng));
  }

  forward(b: Batch): Tensor {
    const B = b.rows,
      F = this.inputs.numFields;
    const { emb, dense } = this.inputs.forward(b); // [B, F, D], [B, 2]
    const logits = scale(bmm(this.query.forward(emb), this.key.forward(emb), false, true), 0.5); // [B, F, F]
    const attended = bmm(softmax(logits), this.value.forward(emb)); // [B, F, D]
    const h = layerNorm(add(attended, emb), this.gamma, this.beta);
    const byField = permute(h, [1, 0, 2]); // [F, B, D]
    const picked = gatherRows(byField, Int32Array.from([0, 2, 2, 4])); // [4, B, D]
    const pooled = mean(permute(picked, [1, 0, 2]), 1); // [B, D]
    const chosen = sum(indexSelect(h, 1, Int32Array.from([3, 1])), 2); // [B, 2]
    const [first, rest] = split(reshape(h, [B, -1]), 1, [D, F * D - D]);
    const probed = matmul(tanh(pooled), this.probe, false, true); // [B, 2]
    const mixed = sub(mul(probed, chosen), transpose(matmul(this.probe, tanh(first), false, true))); // [B, 2]
    const restSum = sum(rest, 1, true); // [B, 1]
    let wide = dense!;
    if (this.misuse === 'unmarked-input') wide = add(wide, Tensor.from(b.dense.subarray(0, B * 2), [B, 2]));
    const x = concat([first, pooled, mixed, wide, sigmoid(restSum)], 1);
    let y = reshape(this.head.forward(relu(this.norm.forward(x))), [B]);
    if (this.misuse === 'unknown-op') y = traced(y.clone(), 'fancyOp', [y]);
    return addN([y, scale(reshape(restSum, [B]), 0.01), reshape(slice0(pooled), [B])]);
  }
}

const slice0 = (t: Tensor): Tensor => split(t, 1, [1, t.shape[1] - 1])[0];

test('a model using every mapped op (softmax, bmm, layerNorm, permute, gather, indexSelect, split, reductions, batch norm) matches onnxruntime', async () => {
  const model = trainBriefly(new OpCoverage(new Rng(4)));
  const rows = tinyData(32, 9);
  const p = slimctrProbs(model, rows);
  assert.ok(Math.max(...p) - Math.min(...p) > 0.05, 'the predictions vary across rows');
  const gap = await parityGap(model, rows);
  assert.ok(gap < 1e-5, `max |dp| = ${gap}`);
});

test('export refuses what it cannot represent, with an ExportError that says why', () => {
  const model = new OpCoverage(new Rng(4));
  model.misuse = 'unmarked-input';
  assert.throws(
    () => exportOnnx(model, tinySpec),
    (e: unknown) => e instanceof ExportError && /made from batch data/.test(e.message),
  );
  model.misuse = 'unknown-op';
  assert.throws(
    () => exportOnnx(model, tinySpec),
    (e: unknown) => e instanceof ExportError && /'fancyOp' has no ONNX mapping/.test(e.message),
  );
  const entry = findModel('deepfm')!;
  const tt = entry.create(tinySpec, entry.options.parse({ embedding_dim: 4, hidden: [8] }), {
    rng: new Rng(1),
    store: newStore(),
    slots: SLOTS.adam,
    tt: { rank: 2 },
  });
  assert.throws(
    () => exportOnnx(tt, tinySpec),
    (e: unknown) => e instanceof ExportError && /tensor-train/.test(e.message),
  );
});

test('the parity measure can fail: shifted ids or a weight changed after export are caught', async () => {
  const model = buildTrained(findModel('deepfm')!, { embedding_dim: 4, hidden: [8, 6] });
  const rows = tinyData(32, 9);
  const bytes = exportOnnx(model, tinySpec);
  const want = slimctrProbs(model, rows);
  const F = tinySpec.categorical.length;
  const shifted = { ...rows, ids: rows.ids.map((v, i) => (i % F === 0 ? (v + 1) % tinySpec.categorical[0].vocab : v)) };
  const got = await onnxProbs(bytes, shifted);
  assert.ok(
    want.some((p, i) => Math.abs(p - got[i]) > 1e-3),
    'ids of field 0 shifted by one must change some prediction',
  );
  const W = model.namedParams().find(([n]) => n === 'mlp.out.W')![1];
  W.data[0] += 0.5;
  assert.ok((await parityGap(model, rows, bytes)) > 1e-4, 'a stale export must not match');
});
