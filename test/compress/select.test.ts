import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { collectStats } from '../../src/compress/collect.js';
import { selectRanks } from '../../src/compress/select.js';
import { EmbeddingStore } from '../../src/embedding/store.js';
import { getEngine } from '../../src/kernels/engine.js';
import { findModel } from '../../src/models/registry.js';
import { Rng } from '../../src/tensor/rng.js';
import { tinyData, tinySpec } from '../models/tiny.js';

before(async () => {
  await getEngine();
});

function deepfm() {
  const entry = findModel('deepfm')!;
  const model = entry.create(tinySpec, entry.options.parse({ embedding_dim: 8, hidden: [16, 16] }), {
    rng: new Rng(3),
    store: new EmbeddingStore({ mainBudget: 32 << 20 }),
    slots: 0,
  });
  return { model, stats: collectStats(model, [tinyData(512, 1)]) };
}

test('the selection carries the one budget it worked to: params / ratio, the params asked, or none', () => {
  const { model, stats } = deepfm();
  const byRatio = selectRanks(model, stats, { method: 'afm', rank: { by: 'ratio', ratio: 2 } });
  assert.equal(byRatio.budget, byRatio.paramsBefore / 2);
  assert.ok(byRatio.paramsAfter <= byRatio.budget!, `${byRatio.paramsAfter} <= ${byRatio.budget}`);
  const byParams = selectRanks(model, stats, { method: 'afm', rank: { by: 'budget', params: byRatio.budget! } });
  assert.equal(byParams.budget, byRatio.budget);
  assert.deepEqual(byParams.plan, byRatio.plan);
  assert.equal(selectRanks(model, stats, { method: 'afm', rank: { by: 'energy', energy: 0.9 } }).budget, null);
});

test('explicit ranks are checked against each target: below full rank', () => {
  const { model, stats } = deepfm();
  const ok = selectRanks(model, stats, {
    method: 'svd',
    rank: { by: 'ranks', ranks: { 'mlp.layer1': 15, embedding: 7 } },
  });
  assert.deepEqual([ok.plan.layers, ok.plan.embeddingRank], [{ 'mlp.layer1': 15 }, 7]);
  assert.throws(
    () => selectRanks(model, stats, { method: 'afm', rank: { by: 'ranks', ranks: { 'mlp.layer1': 16 } } }),
    /--ranks: the rank of 'mlp.layer1' must be an integer in 1\.\.15, got 16/,
  );
  assert.throws(
    () => selectRanks(model, stats, { method: 'afm', rank: { by: 'ranks', ranks: { embedding: 'two' as never } } }),
    /--ranks: the rank of 'embedding' must be an integer in 1\.\.7, got "two"/,
  );
});
