/** Shared by the ONNX tests: brief training on tiny data, export, and a run in onnxruntime-node against slimctr's own predictions. */
import * as ort from 'onnxruntime-node';
import { backward, bceWithLogits, noGrad, sigmoid } from '../../src/autograd/index.js';
import { applyPlan } from '../../src/compress/apply.js';
import { collectStats } from '../../src/compress/collect.js';
import type { Method } from '../../src/compress/plan.js';
import { EmbeddingStore } from '../../src/embedding/store.js';
import type { CTRModel } from '../../src/models/model.js';
import type { ModelEntry } from '../../src/models/registry.js';
import type { Batch } from '../../src/nn/types.js';
import { Linear } from '../../src/nn/linear.js';
import { LowRankLinear } from '../../src/nn/low_rank_linear.js';
import { Optimizer, SLOTS } from '../../src/optim/optimizer.js';
import { exportOnnx } from '../../src/serve/onnx/export.js';
import { Rng } from '../../src/tensor/rng.js';
import { tidy } from '../../src/tensor/tensor.js';
import { sliceBatch, tinyData, tinySpec } from '../models/tiny.js';

export const newStore = (): EmbeddingStore => new EmbeddingStore({ mainBudget: 16 * 2 ** 20 });

/** Trains `model` for a few Adam steps so no weight is left at its initial value (zero-initialised linear terms, batch-norm statistics). */
export function trainBriefly(model: CTRModel, steps = 6): CTRModel {
  const opt = new Optimizer(model.params(), model.tables(), { kind: 'adam', lr: 3e-2 });
  const data = tinyData(steps * 128, 1);
  for (let s = 0; s < steps; s++) {
    const b = sliceBatch(data, s * 128, (s + 1) * 128);
    tidy(() => backward(bceWithLogits(model.forward(b), b.labels!)));
    opt.step();
    opt.zeroGrad();
  }
  return model;
}

/** Small sizes for every option a zoo model may have; each model takes the keys its schema knows. */
export const SMALL_OPTIONS: Record<string, unknown> = {
  embedding_dim: 4,
  hidden: [8, 6],
  cin_layers: [4, 4],
  attention_layers: 2,
  attention_head_dim: 4,
  num_cross_layers: 2,
};

/** `options` restricted to the keys of the model's (strict) option schema. */
export function optionsFor(entry: ModelEntry, options: Record<string, unknown>): Record<string, unknown> {
  const shape = (entry.options as unknown as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.fromEntries(Object.entries(options).filter(([k]) => k in shape)) : options;
}

export function buildTrained(entry: ModelEntry, options: Record<string, unknown>, store = newStore()): CTRModel {
  const model = entry.create(tinySpec, entry.options.parse(optionsFor(entry, options)), {
    rng: new Rng(11),
    store,
    slots: SLOTS.adam,
  });
  return trainBriefly(model);
}

/** Compresses every Linear with more than one output to rank 2 and the tables to rank 2 (fused, numeric vectors folded, where the model allows). */
export function compressLow(model: CTRModel, method: Method, store: EmbeddingStore): void {
  const layers: Record<string, number> = {};
  for (const [path, m] of model.namedModules()) if (m instanceof Linear && m.outDim > 1) layers[path] = 2;
  const stats = collectStats(model, [tinyData(256, 3)]);
  applyPlan(
    model,
    { method, layers, embeddingRank: model.inputs ? 2 : null, fuse: true, foldNumeric: true },
    { rng: new Rng(5), store, slots: SLOTS.adam },
    stats,
  );
  const lowRank = model.namedModules().filter(([, m]) => m instanceof LowRankLinear).length;
  if (lowRank !== Object.keys(layers).length || (model.inputs && model.inputs.fields?.fieldTables[0].dim !== 2))
    throw new Error(`${model.kind}: the plan was not applied`);
  model.eval();
}

export function slimctrProbs(model: CTRModel, b: Batch): Float32Array {
  model.eval();
  return noGrad(() => tidy(() => sigmoid(model.forward(b)).toArray()));
}

export async function onnxProbs(bytes: Uint8Array, b: Batch): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  const F = b.ids.length / b.rows,
    N = b.dense.length / b.rows;
  const feeds: Record<string, ort.Tensor> = {};
  if (session.inputNames.includes('ids'))
    feeds.ids = new ort.Tensor(
      'int64',
      BigInt64Array.from(b.ids, (v) => BigInt(v)),
      [b.rows, F],
    );
  if (session.inputNames.includes('dense'))
    feeds.dense = new ort.Tensor('float32', Float32Array.from(b.dense), [b.rows, N]);
  const out = await session.run(feeds);
  await session.release();
  return out.prob.data as Float32Array;
}

/** Max |p_slimctr - p_onnx| over the rows of `b` (exported from the model as it is now). */
export async function parityGap(model: CTRModel, b: Batch, bytes = exportOnnx(model, tinySpec)): Promise<number> {
  const want = slimctrProbs(model, b);
  const got = await onnxProbs(bytes, b);
  if (got.length !== want.length) throw new Error(`onnx returned ${got.length} probabilities for ${want.length} rows`);
  let worst = 0;
  want.forEach((p, i) => (worst = Math.max(worst, Number.isFinite(got[i]) ? Math.abs(p - got[i]) : Infinity)));
  return worst;
}
