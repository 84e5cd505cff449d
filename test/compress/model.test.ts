import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPlan } from '../../src/compress/apply.js';
import { collectStats } from '../../src/compress/collect.js';
import { EmbeddingStore } from '../../src/embedding/store.js';
import { getEngine } from '../../src/kernels/engine.js';
import { MODELS } from '../../src/models/registry.js';
import { Linear } from '../../src/nn/linear.js';
import { SLOTS } from '../../src/optim/optimizer.js';
import { Rng } from '../../src/tensor/rng.js';
import { sliceBatch, tinyData, tinySpec } from '../models/tiny.js';
import { predict, trained } from './trained.js';

before(async () => {
  await getEngine();
});

test('DeepFM compressed by AFM at full rank (MLP layers + fused embeddings) predicts like the original', () => {
  const store = new EmbeddingStore({ mainBudget: 64 * 2 ** 20 });
  const model = trained('deepfm', store);
  const test = tinyData(512, 5);
  const before = predict(model, test);
  const stats = collectStats(model, [sliceBatch(tinyData(2048, 1), 0, 2048)]);
  assert.ok(stats.layers.has('mlp.layer0') && stats.layers.has('mlp.layer1') && stats.layers.has('mlp.out'));
  assert.equal(stats.fields.length, tinySpec.categorical.length);
  const paramsBefore = model.paramCount();
  applyPlan(
    model,
    { method: 'afm', layers: { 'mlp.layer0': 24, 'mlp.layer1': 16 }, embeddingRank: 8, fuse: true },
    { rng: new Rng(1), store, slots: SLOTS.adam },
    stats,
  );
  assert.ok(model.inputs!.fields?.fused);
  assert.ok(model.paramCount() > paramsBefore, 'full rank adds parameters');
  const after = predict(model, test);
  let worst = 0;
  before.forEach((p, i) => (worst = Math.max(worst, Math.abs(p - after[i]))));
  assert.ok(worst < 1e-4, `max |p - p'| = ${worst}`);
});

test('the numeric fold: the first layer reads N values in place of N x D products, same predictions, fewer parameters', () => {
  const store = new EmbeddingStore({ mainBudget: 64 * 2 ** 20 });
  const test = tinyData(512, 5);
  const stats = collectStats(trained('deepfm', store), [tinyData(2048, 1)]);
  const compressed = (foldNumeric: boolean) => {
    const model = trained('deepfm', store);
    const plan = { method: 'afm' as const, layers: { 'mlp.layer1': 4 }, embeddingRank: 3, fuse: true, foldNumeric };
    applyPlan(model, plan, { rng: new Rng(1), store, slots: SLOTS.adam }, stats);
    return model;
  };
  const plain = compressed(false),
    folded = compressed(true);
  assert.ok(folded.inputs!.numericFolded && !plain.inputs!.numericFolded);
  const N = tinySpec.numeric.length,
    D = plain.inputs!.dim,
    h = (plain.parts().embedding!.reader!.get() as Linear).outDim;
  assert.equal(plain.paramCount() - folded.paramCount(), N * (D - 1) * h);
  const a = predict(plain, test),
    b = predict(folded, test);
  let worst = 0;
  a.forEach((p, i) => (worst = Math.max(worst, Math.abs(p - b[i]))));
  assert.ok(worst < 1e-5, `max |p - p'| = ${worst}`);
});

test('DeepFM at low rank: fewer parameters, predictions close to the original', () => {
  const store = new EmbeddingStore({ mainBudget: 64 * 2 ** 20 });
  const model = trained('deepfm', store);
  const test = tinyData(512, 5);
  const before = predict(model, test);
  const stats = collectStats(model, [tinyData(2048, 1)]);
  const paramsBefore = model.paramCount();
  for (const method of ['afm'] as const) {
    applyPlan(
      model,
      { method, layers: { 'mlp.layer1': 4 }, embeddingRank: 3, fuse: true },
      { rng: new Rng(1), store, slots: SLOTS.adam },
      stats,
    );
  }
  assert.ok(model.paramCount() < paramsBefore, `${model.paramCount()} < ${paramsBefore}`);
  const after = predict(model, test);
  let mse = 0;
  before.forEach((p, i) => (mse += (p - after[i]) ** 2));
  assert.ok(Math.sqrt(mse / before.length) < 0.1, `rms change ${Math.sqrt(mse / before.length)}`);
});

for (const entry of MODELS.filter((m) => m.name !== 'lr')) {
  test(`${entry.name}: every Linear (out > 1) and the embeddings at full AFM rank reproduce the predictions`, () => {
    const store = new EmbeddingStore({ mainBudget: 64 * 2 ** 20 });
    const model = trained(entry.name, store);
    const test = tinyData(256, 5);
    const before = predict(model, test);
    const stats = collectStats(model, [tinyData(1024, 1)]);
    const layers: Record<string, number> = {};
    for (const [path, m] of model.namedModules()) if (m instanceof Linear && m.outDim > 1) layers[path] = m.outDim;
    assert.ok(Object.keys(layers).length > 0);
    applyPlan(
      model,
      { method: 'afm', layers, embeddingRank: 8, fuse: true, foldNumeric: true },
      { rng: new Rng(1), store, slots: SLOTS.adam },
      stats,
    );
    const after = predict(model, test);
    let worst = 0;
    before.forEach((p, i) => (worst = Math.max(worst, Math.abs(p - after[i]))));
    assert.ok(worst < 1e-4, `max |p - p'| = ${worst} (fused: ${model.inputs?.fields?.fused})`);
  });
}

test('rank selection: explicit, energy threshold and a parameter budget', async () => {
  const { selectRanks } = await import('../../src/compress/select.js');
  const store = new EmbeddingStore({ mainBudget: 64 * 2 ** 20 });
  const model = trained('deepfm', store);
  const stats = collectStats(model, [tinyData(1024, 1)]);
  const explicit = selectRanks(model, stats, {
    method: 'afm',
    rank: { by: 'ranks', ranks: { 'mlp.layer1': 3, embedding: 2 } },
  });
  assert.deepEqual(explicit.plan.layers, { 'mlp.layer1': 3 });
  assert.equal(explicit.plan.embeddingRank, 2);
  assert.equal(explicit.plan.foldNumeric, true, 'DeepFM embeds its numeric features: the fold takes them');
  assert.throws(
    () => selectRanks(model, stats, { method: 'afm', rank: { by: 'ranks', ranks: { 'mlp.nope': 3 } } }),
    /no compression target 'mlp.nope'/,
  );
  const loose = selectRanks(model, stats, { method: 'afm', rank: { by: 'energy', energy: 0.5 } });
  const tight = selectRanks(model, stats, { method: 'afm', rank: { by: 'energy', energy: 0.99 } });
  assert.ok(loose.paramsAfter <= tight.paramsAfter, `${loose.paramsAfter} <= ${tight.paramsAfter}`);
  for (const ratio of [2, 3]) {
    const sel = selectRanks(model, stats, { method: 'afm', rank: { by: 'ratio', ratio } });
    assert.ok(sel.paramsAfter <= sel.paramsBefore / ratio, `ratio ${ratio}: ${sel.paramsBefore} -> ${sel.paramsAfter}`);
    // The accounting matches the model actually built from the plan.
    const copy = trained('deepfm', store);
    applyPlan(copy, sel.plan, { rng: new Rng(1), store, slots: SLOTS.adam }, collectStats(copy, [tinyData(1024, 1)]));
    assert.equal(copy.paramCount(), sel.paramsAfter);
  }
});

test('under a ratio, layers run once per field (attention projections) are also factored at the fieldEnergy rank; fieldEnergy 0 leaves them to the budget alone', async () => {
  const { selectRanks } = await import('../../src/compress/select.js');
  const store = new EmbeddingStore({ mainBudget: 64 * 2 ** 20 });
  const model = trained('autoint', store);
  const stats = collectStats(model, [tinyData(1024, 1)]);
  const F = tinySpec.categorical.length + tinySpec.numeric.length;
  const attention = [...stats.layers.keys()].filter((p) => p.startsWith('attention'));
  assert.ok(attention.length >= 4);
  for (const p of attention) assert.equal(stats.layers.get(p)!.n, F * stats.rows, `${p} runs once per field`);
  const off = selectRanks(model, stats, { method: 'afm', rank: { by: 'ratio', ratio: 1.05, fieldEnergy: 0 } });
  const on = selectRanks(model, stats, { method: 'afm', rank: { by: 'ratio', ratio: 1.05, fieldEnergy: 0.8 } }); // tiny layers: 99% would save nothing
  // What the budget chose stays; the per-field layers it left whole get the 80% rank.
  for (const [path, k] of Object.entries(off.plan.layers)) assert.equal(on.plan.layers[path], k, path);
  const added = Object.entries(on.plan.layers).filter(([p]) => !(p in off.plan.layers));
  assert.ok(added.length > 0 && added.every(([p]) => p.startsWith('attention')), `added: ${added.map(([p]) => p)}`);
  for (const [path, k] of added) {
    const t = on.targets.find((x) => x.path === path)!;
    assert.ok(
      1 - t.lost(k) >= 0.8 - 1e-9 && (k === 1 || 1 - t.lost(k - 1) < 0.8),
      `${path}: rank ${k} is the smallest keeping 80%`,
    );
  }
  assert.ok(on.paramsAfter < off.paramsAfter);
});
