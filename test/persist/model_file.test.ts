import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backward, bceWithLogits } from '../../src/autograd/index.js';
import { EmbeddingStore } from '../../src/embedding/store.js';
import { getEngine } from '../../src/kernels/engine.js';
import type { CTRModel } from '../../src/models/model.js';
import { findModel } from '../../src/models/registry.js';
import { loadModel, type SaveMeta } from '../../src/persist/model_file.js';
import { saveModel } from '../../src/persist/save_model.js';
import { Optimizer, SLOTS } from '../../src/optim/optimizer.js';
import { Rng } from '../../src/tensor/rng.js';
import { tidy } from '../../src/tensor/tensor.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/train/checkpoint.js';
import { predictLogits } from '../../src/models/predict.js';
import { initialLoop } from '../../src/train/schedule.js';
import { ModelFileError } from '../../src/util/errors.js';
import { sliceBatch, tinyData, tinySpec } from '../models/tiny.js';
import { scratchDir } from '../train/toy_data.js';

before(async () => {
  await getEngine();
});

const options = { embedding_dim: 8, hidden: [16, 16], dropout: 0.2, batch_norm: true };
const meta: SaveMeta = {
  options,
  features: tinySpec,
  encoders: null,
  reader: null,
  training: { epoch: 2, step: 30, metrics: { validation: { auc: 0.7 } } },
};
const data = tinyData(1024, 1);
const probe = tinyData(300, 2);

function build(seed: number): { model: CTRModel; opt: Optimizer } {
  const entry = findModel('deepfm')!;
  const model = entry.create(tinySpec, entry.options.parse(options), {
    rng: new Rng(seed),
    store: new EmbeddingStore({ mainBudget: 32 << 20 }),
    slots: SLOTS.adam,
  });
  return { model, opt: new Optimizer(model.params(), model.tables(), { kind: 'adam', lr: 5e-3 }) };
}

/** `steps` Adam steps over batches of 128 starting at batch `from`. */
function steps(model: CTRModel, opt: Optimizer, from: number, n: number): void {
  model.train();
  for (let s = from; s < from + n; s++) {
    const a = (s * 128) % data.rows;
    const b = sliceBatch(data, a, a + 128);
    tidy(() => backward(bceWithLogits(model.forward(b), b.labels!)));
    opt.step();
    opt.zeroGrad();
  }
}

test('save -> load gives identical predictions (weights, embeddings, batch-norm statistics) and the metadata', () => {
  const { model, opt } = build(3);
  steps(model, opt, 0, 12);
  const path = join(scratchDir('save'), 'model.safetensors');
  saveModel(path, model, meta);
  const loaded = loadModel(path);
  assert.equal(loaded.meta.kind, 'deepfm');
  assert.deepEqual(loaded.meta.options, options);
  assert.deepEqual(loaded.meta.features, tinySpec);
  assert.equal(loaded.meta.training?.metrics.validation.auc, 0.7);
  assert.equal(loaded.meta.params, model.paramCount());
  assert.equal(loaded.model.training, false, 'loaded models come back in eval mode');
  const want = predictLogits(model, probe);
  assert.deepEqual(predictLogits(loaded.model, probe), want);
  // A differently seeded, untrained model must disagree (the comparison can fail).
  assert.notDeepEqual(predictLogits(build(4).model, probe), want);
});

test('a truncated or corrupted model file fails with ModelFileError', () => {
  const { model } = build(3);
  const dir = scratchDir('save');
  const path = join(dir, 'model.safetensors');
  saveModel(path, model, meta);
  const bytes = readFileSync(path);
  const cut = join(dir, 'cut.safetensors');
  writeFileSync(cut, bytes.subarray(0, bytes.length - 100));
  assert.throws(
    () => loadModel(cut),
    (e: unknown) => e instanceof ModelFileError && e.message.includes('cut.safetensors'),
  );
  const flipped = Buffer.from(bytes);
  flipped[flipped.length - 17] ^= 0x40;
  const bad = join(dir, 'flipped.safetensors');
  writeFileSync(bad, flipped);
  assert.throws(
    () => loadModel(bad),
    (e: unknown) => e instanceof ModelFileError && /checksum/.test(e.message),
  );
});

test('a checkpoint resumes exactly: optimizer slots, step count and dropout generators included', () => {
  const { model, opt } = build(5);
  steps(model, opt, 0, 6);
  const path = join(scratchDir('ckpt'), 'checkpoint.safetensors');
  const loop = { ...initialLoop(5e-3), epoch: 2, batchInEpoch: 3, step: 6, bestAuc: 0.61 };
  saveCheckpoint(path, model, opt, meta, loop);
  steps(model, opt, 6, 5);
  const straight = predictLogits(model, probe);

  const ck = loadCheckpoint(path);
  assert.deepEqual(ck.loop, loop);
  const opt2 = new Optimizer(ck.model.params(), ck.model.tables(), { kind: 'adam', lr: 5e-3 });
  ck.restoreOptimizer(opt2);
  assert.equal(opt2.t, 6);
  steps(ck.model, opt2, 6, 5);
  assert.deepEqual(predictLogits(ck.model, probe), straight);

  // Without the optimizer state the continuation differs (so the test above can fail).
  const ck2 = loadCheckpoint(path);
  const fresh = new Optimizer(ck2.model.params(), ck2.model.tables(), { kind: 'adam', lr: 5e-3 });
  steps(ck2.model, fresh, 6, 5);
  assert.notDeepEqual(predictLogits(ck2.model, probe), straight);
  const sgd = new Optimizer(build(1).model.params(), [], { kind: 'sgd', lr: 1 });
  assert.throws(() => ck.restoreOptimizer(sgd), /written with optimizer adam/);
});

test('a compressed model saves and loads with its factorized structure and identical predictions', async () => {
  const { applyPlan } = await import('../../src/compress/apply.js');
  const { collectStats } = await import('../../src/compress/collect.js');
  const { model, opt } = build(4);
  steps(model, opt, 0, 12);
  const store = new EmbeddingStore({ mainBudget: 32 << 20 });
  const plan = { method: 'afm' as const, layers: { 'mlp.layer1': 5 }, embeddingRank: 3, fuse: true };
  applyPlan(model, plan, { rng: new Rng(1), store, slots: 0 }, collectStats(model, [data]));
  model.eval();
  const path = join(scratchDir('save'), 'compressed.safetensors');
  saveModel(path, model, { ...meta, compression: plan });
  const loaded = loadModel(path);
  assert.deepEqual(loaded.meta.compression, plan);
  assert.equal(loaded.model.paramCount(), model.paramCount());
  assert.equal(loaded.model.inputs?.fields?.fieldTables[0].dim, 3);
  assert.deepEqual(predictLogits(loaded.model, probe), predictLogits(model, probe));
});
