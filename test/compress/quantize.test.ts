import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPlan } from '../../src/compress/apply.js';
import { selectForBytes } from '../../src/compress/byte_budget.js';
import { collectStats } from '../../src/compress/collect.js';
import { measureTargetErrors } from '../../src/compress/measure.js';
import { planProblem, type CompressionPlan } from '../../src/compress/plan.js';
import { applyBits } from '../../src/compress/quantize.js';
import { energyKept } from '../../src/compress/stats.js';
import { QuantizedTable } from '../../src/embedding/quantized_table.js';
import { EmbeddingStore } from '../../src/embedding/store.js';
import { getEngine } from '../../src/kernels/engine.js';
import type { CTRModel } from '../../src/models/model.js';
import { encodeModelFile } from '../../src/persist/container.js';
import { loadModel, modelFileParts, type SaveMeta } from '../../src/persist/model_file.js';
import { modelFileBytes } from '../../src/persist/save_model.js';
import { SLOTS } from '../../src/optim/optimizer.js';
import { Rng } from '../../src/tensor/rng.js';
import { tinyData, tinySpec } from '../models/tiny.js';
import { predict, trained, trainedOptions } from './trained.js';

before(async () => {
  await getEngine();
});

const meta = (plan: CompressionPlan | null): SaveMeta => ({
  options: trainedOptions('deepfm'),
  features: tinySpec,
  encoders: null,
  reader: null,
  training: null,
  compression: plan,
});
const fileBytes = (model: CTRModel, plan: CompressionPlan): Uint8Array => {
  const parts = modelFileParts(model, meta(plan));
  return Buffer.concat(encodeModelFile(parts.tensors, parts.meta));
};

function compressed(plan: CompressionPlan): { model: CTRModel; original: CTRModel; store: EmbeddingStore } {
  const store = new EmbeddingStore({ mainBudget: 64 * 2 ** 20 });
  const model = trained('deepfm', store);
  const original = trained('deepfm', store);
  applyPlan(model, plan, { rng: new Rng(1), store, slots: SLOTS.adam }, collectStats(model, [tinyData(2048, 1)]));
  if (plan.bits) applyBits(model, plan.bits, store);
  return { model, original, store };
}

test('measured errors: 0 where nothing changed; on the statistics rows, an AFM layer loses exactly its dropped energy', () => {
  const plan: CompressionPlan = { method: 'afm', layers: { 'mlp.layer1': 4 }, embeddingRank: null, fuse: true };
  const { model, original } = compressed(plan);
  const rows = tinyData(2048, 1);
  const err = measureTargetErrors(original, model, ['mlp.layer0', 'mlp.layer1', 'embedding'], [rows]);
  assert.ok(err.get('mlp.layer0')! < 1e-6, `untouched layer: ${err.get('mlp.layer0')}`);
  assert.ok(err.get('embedding')! < 1e-6);
  const stats = collectStats(original, [rows]);
  const lost = 1 - energyKept(stats.layers.get('mlp.layer1')!.eigen().values, 4);
  assert.ok(lost > 1e-3, 'the cut loses something');
  assert.ok(
    Math.abs(err.get('mlp.layer1')! ** 2 - lost) < 1e-3 * (1 + lost),
    `${err.get('mlp.layer1')! ** 2} vs ${lost}`,
  );
});

test('quantized targets: small measured errors, 4-bit tables worse than 8-bit, predictions close to the original', () => {
  const errs: Record<number, number> = {};
  for (const bits of [8, 4] as const) {
    const plan: CompressionPlan = {
      method: 'afm',
      layers: {},
      embeddingRank: null,
      fuse: true,
      bits: { embedding: bits, 'mlp.layer0': 8 },
    };
    const { model, original } = compressed(plan);
    assert.ok(model.inputs!.fields!.fieldTables.every((t) => t instanceof QuantizedTable && t.bits === bits));
    const err = measureTargetErrors(original, model, ['mlp.layer0', 'mlp.layer1', 'embedding'], [tinyData(512, 5)]);
    assert.ok(err.get('mlp.layer0')! > 0 && err.get('mlp.layer0')! < 0.02, `int8 layer: ${err.get('mlp.layer0')}`);
    assert.equal(err.get('mlp.layer1'), 0);
    errs[bits] = err.get('embedding')!;
    const p = predict(model, tinyData(512, 5)),
      q = predict(original, tinyData(512, 5));
    const worst = p.reduce((m, v, i) => Math.max(m, Math.abs(v - q[i])), 0);
    assert.ok(worst < (bits === 8 ? 0.01 : 0.05), `${bits} bits: max |p - p'| = ${worst}`);
  }
  assert.ok(errs[8] > 0 && errs[4] > 2 * errs[8], `8-bit ${errs[8]}, 4-bit ${errs[4]}`);
});

test('a quantized model saves, loads and predicts identically; the file stores levels, not floats', () => {
  const plan: CompressionPlan = {
    method: 'afm',
    layers: { 'mlp.layer0': 6 },
    embeddingRank: 4,
    fuse: true,
    bits: { embedding: 4, 'mlp.layer0': 8, 'mlp.layer1': 8, linear: 16 },
  };
  const { model } = compressed(plan);
  const bytes = fileBytes(model, plan);
  const loaded = loadModel(bytes).model;
  const probe = tinyData(300, 2);
  assert.deepEqual(predict(loaded, probe), predict(model, probe));
  // Saving the loaded model again gives the same bytes: rounding int8 weights again keeps their levels.
  assert.deepEqual(fileBytes(loaded, plan), bytes);
  const parts = modelFileParts(model, meta(plan)).tensors;
  assert.equal(parts.get('mlp.layer0.down.W')?.dtype, 'I8');
  assert.equal(parts.get('mlp.layer1.W')?.dtype, 'I8');
  assert.equal(parts.get('mlp.out.W')?.dtype, 'F32', 'the output layer is not a target');
  const table = `inputs.${tinySpec.categorical[0].name}`;
  assert.equal(parts.get(table)?.dtype, 'U8');
  assert.deepEqual(parts.get(table)?.shape, [tinySpec.categorical[0].vocab, 2]);
  assert.equal(parts.get(`${table}.qscale`)?.dtype, 'F16');
  const firstOrder = `linear.${tinySpec.categorical[0].name}`;
  assert.equal(parts.get(firstOrder)?.dtype, 'F16', 'first-order weights in half precision');
  assert.ok(
    model.namedTables().some(([n, t]) => n === firstOrder && t.readRows().some((v) => v !== 0)),
    'the first-order weights were trained (not all zero)',
  );
});

test('a damaged quantized file is refused, naming the tensor', () => {
  const plan: CompressionPlan = {
    method: 'afm',
    layers: {},
    embeddingRank: null,
    fuse: true,
    bits: { embedding: 8, 'mlp.layer0': 8 },
  };
  const { model } = compressed(plan);
  const parts = modelFileParts(model, meta(plan));
  const table = `inputs.${tinySpec.categorical[1].name}`;
  const scale = parts.tensors.get(`${table}.qscale`)!;
  (scale.data as Uint16Array)[3] = 0x7e00; // a half NaN
  const bad = Buffer.concat(encodeModelFile(parts.tensors, parts.meta));
  assert.throws(() => loadModel(bad), new RegExp(`tensor '${table}.qscale' holds NaN at index 3`));
  parts.tensors.delete('mlp.layer0.W.qscale');
  assert.throws(
    () => loadModel(Buffer.concat(encodeModelFile(parts.tensors, parts.meta))),
    /'mlp.layer0.W.qscale' is missing/,
  );
});

test('a stored plan with bad bits is refused at the key', () => {
  const store = new EmbeddingStore({ mainBudget: 64 * 2 ** 20 });
  const model = trained('deepfm', store);
  const base = { method: 'afm', layers: {}, embeddingRank: null, fuse: true };
  assert.deepEqual(planProblem(model, { ...base, bits: { embedding: 5 } }), {
    key: 'bits.embedding',
    detail: 'must be 8 or 4, got 5',
  });
  assert.equal(planProblem(model, { ...base, bits: { 'mlp.nope': 8 } })?.key, 'bits.mlp.nope');
  assert.match(planProblem(model, { ...base, bits: { 'mlp.layer0': 4 } })!.detail, /8 bits/);
  assert.match(
    planProblem(model, { ...base, bits: { linear: 8 } })!.detail,
    /first-order weights are stored in 16 bits/,
  );
  assert.equal(planProblem(model, { ...base, bits: { embedding: 4, 'mlp.layer0': 8 } }), null);
});

test('--bytes: the file fits the budget; tighter budgets cut deeper; an unreachable one names the smallest size', () => {
  const store = new EmbeddingStore({ mainBudget: 64 * 2 ** 20 });
  const original = trained('deepfm', store);
  const stats = collectStats(original, [tinyData(2048, 1)]);
  const full = modelFileBytes(original, meta(null));
  const fixed = full - 4 * original.paramCount();
  let previous = Infinity;
  for (const share of [0.85, 0.7, 0.55]) {
    const budget = Math.floor(full * share);
    const sel = selectForBytes(original, stats, { method: 'afm' }, { bytes: budget, fixed });
    const { model } = compressed(sel.plan);
    const size = fileBytes(model, sel.plan).length;
    assert.ok(size <= budget, `${share}: file ${size} > budget ${budget}`);
    assert.ok(sel.bytes!.after >= size, `the estimate ${sel.bytes!.after} bounds the file ${size} from above`);
    assert.ok(size <= previous, `${share}: ${size} after ${previous}`);
    previous = size;
  }
  assert.throws(
    () => selectForBytes(original, stats, { method: 'afm' }, { bytes: fixed, fixed }),
    /--bytes \d+: the smallest file this model can be compressed to is about \d+ bytes/,
  );
});
