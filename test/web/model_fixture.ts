/**
 * A small trained and AFM-compressed DeepFM saved with real encoders (vocabulary, hash and
 * Criteo-bucket fields, two dense columns), so raw text rows can be scored: used by the web
 * tests in Node and by the browser test.
 */
import { backward, bceWithLogits } from '../../src/autograd/index.js';
import { applyPlan } from '../../src/compress/apply.js';
import { collectStats } from '../../src/compress/collect.js';
import type { CompressionPlan, StoredBits } from '../../src/compress/plan.js';
import { applyBits } from '../../src/compress/quantize.js';
import { HASH_NAME } from '../../src/data/hash.js';
import type { EncodersJSON } from '../../src/data/index.js';
import { EmbeddingStore } from '../../src/embedding/store.js';
import { logloss, rocAuc } from '../../src/metrics/index.js';
import { findModel } from '../../src/models/registry.js';
import { Optimizer, SLOTS } from '../../src/optim/optimizer.js';
import { saveModel } from '../../src/persist/save_model.js';
import { Rng } from '../../src/tensor/rng.js';
import { tidy } from '../../src/tensor/tensor.js';
import { predictProbabilities } from '../../src/api/score.js';
import { sliceBatch, tinyData, tinySpec } from '../models/tiny.js';

/** Encoders whose table sizes match tinySpec's vocabularies (8, 12, 6, 20, 5). */
export const fixtureEncoders: EncodersJSON = {
  format: 'slimctr-encoders',
  version: 1,
  hash: HASH_NAME,
  label: 'label',
  categorical: [
    { name: 'C1', encoder: 'vocab', min_count: 1, values: ['news', 'sports', 'games', 'music', 'shop', 'travel'] },
    { name: 'C2', encoder: 'hash', buckets: 11 },
    { name: 'C3', encoder: 'vocab', min_count: 1, values: ['ios', 'android', 'web', 'tv'] },
    { name: 'C4', encoder: 'hash', buckets: 19 },
    { name: 'C5', encoder: 'criteo_bucket', min_count: 1, fill: 0, values: ['0', '1', '2'] },
  ],
  dense: [
    { name: 'I1', transform: 'standard', fill: 0, shift: 1, scale: 0.5 },
    { name: 'I2', transform: 'log1p', fill: 0, shift: 0, scale: 1 },
  ],
};

export const fixturePlan: CompressionPlan = {
  method: 'afm',
  layers: { 'mlp.layer1': 5 },
  embeddingRank: 3,
  fuse: true,
};

/** The fixture's plan with its tables in 4 bits and the MLP's weights in int8 (`compress --quantize int4`). */
export const fixtureBitsInt4: Record<string, StoredBits> = { embedding: 4, 'mlp.layer0': 8, 'mlp.layer1': 8 };

/** Trains, compresses (then stores `bits` quantized, when given) and saves the fixture model at `path`; returns its parameter count. */
export function saveFixtureModel(path: string, bits?: Record<string, StoredBits>): { params: number } {
  const entry = findModel('deepfm')!;
  const options = { embedding_dim: 8, hidden: [16, 12], dropout: 0, batch_norm: false };
  const store = new EmbeddingStore({ mainBudget: 32 << 20 });
  const model = entry.create(tinySpec, entry.options.parse(options), { rng: new Rng(11), store, slots: SLOTS.adam });
  const opt = new Optimizer(model.params(), model.tables(), { kind: 'adam', lr: 1e-2 });
  const train = tinyData(2048, 1),
    valid = tinyData(512, 2);
  model.train();
  for (let a = 0; a < train.rows; a += 128) {
    const b = sliceBatch(train, a, a + 128);
    tidy(() => backward(bceWithLogits(model.forward(b), b.labels!)));
    opt.step();
    opt.zeroGrad();
  }
  model.eval();
  const plan: CompressionPlan = bits ? { ...fixturePlan, bits } : fixturePlan;
  applyPlan(model, plan, { rng: new Rng(1), store, slots: 0 }, collectStats(model, [train]));
  if (bits) applyBits(model, bits, store);
  model.eval();
  const p = predictProbabilities(model, valid);
  const metrics = {
    validation: { auc: rocAuc(valid.labels!, p), logloss: logloss(valid.labels!, p), rows: valid.rows },
  };
  saveModel(path, model, {
    options,
    features: tinySpec,
    encoders: fixtureEncoders,
    reader: null,
    training: { epoch: 1, step: 16, metrics },
    compression: plan,
  });
  return { params: model.paramCount() };
}

/** Raw rows for the fixture (TSV with a header; the label column is ignored): seen, unseen and missing values. */
export const fixtureRowsTsv = [
  'label\tC1\tC2\tC3\tC4\tC5\tI1\tI2',
  '1\tnews\tu42\tios\tq7\t1\t0.5\t3',
  '0\tsports\tu7\tandroid\tq1\t2\t-1\t0',
  '0\tunseen-site\tu9\tweb\tq3\t\t2.25\t120',
  '1\tmusic\t\ttv\tq19\t0\t\t',
  '0\ttravel\tu1\tios\tq2\t5\t1\t7',
].join('\n');
