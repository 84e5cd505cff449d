import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { applyPlan } from '../../src/compress/apply.js';
import type { CompressionPlan } from '../../src/compress/plan.js';
import { EmbeddingStore } from '../../src/embedding/store.js';
import { getEngine } from '../../src/kernels/engine.js';
import type { CTRModel } from '../../src/models/model.js';
import { findModel } from '../../src/models/registry.js';
import { loadModel, type SaveMeta } from '../../src/persist/model_file.js';
import { saveModel } from '../../src/persist/save_model.js';
import { Rng } from '../../src/tensor/rng.js';
import { ModelFileError } from '../../src/util/errors.js';
import { tinySpec } from '../models/tiny.js';
import { scratchDir } from '../train/toy_data.js';

before(async () => {
  await getEngine();
});

const options = { embedding_dim: 8, hidden: [16, 16] };
const meta: SaveMeta = { options, features: tinySpec, encoders: null, reader: null, training: null };

function deepfm(): { model: CTRModel; store: EmbeddingStore } {
  const entry = findModel('deepfm')!;
  const store = new EmbeddingStore({ mainBudget: 32 << 20 });
  return { model: entry.create(tinySpec, entry.options.parse(options), { rng: new Rng(1), store, slots: 0 }), store };
}

/** Saves a model built with `built` (applied as is) but recording `stored` as its plan, and loads it back. */
function roundTrip(built: CompressionPlan | null, stored: unknown): () => unknown {
  const { model, store } = deepfm();
  if (built) applyPlan(model, built, { rng: new Rng(2), store, slots: 0 });
  const path = join(scratchDir('plan'), 'model.safetensors');
  saveModel(path, model, { ...meta, compression: stored as CompressionPlan });
  return () => loadModel(path);
}

const plan = (p: Partial<CompressionPlan>): CompressionPlan => ({
  method: 'afm',
  layers: { 'mlp.layer1': 5 },
  embeddingRank: 3,
  fuse: true,
  ...p,
});

test('a saved compression plan is checked on load: one that does not fit the model is damage naming the key, not applied', () => {
  assert.deepEqual((roundTrip(plan({}), plan({}))() as { meta: SaveMeta }).meta.compression, plan({}));
  const damaged = (load: () => unknown, key: string, detail: RegExp): void =>
    assert.throws(
      load,
      (e: unknown) =>
        e instanceof ModelFileError &&
        e.message.includes(`stored compression plan is invalid at ${key}: `) &&
        detail.test(e.message),
      key,
    );
  // At full rank the structure loads, weights and all: only the bound check stops it.
  const full = plan({ layers: { 'mlp.layer1': 16 } });
  damaged(roundTrip(full, full), 'compression.layers.mlp.layer1', /rank must be an integer in 1\.\.15, got 16/);
  damaged(
    roundTrip(null, plan({ layers: { 'mlp.nope': 4 } })),
    'compression.layers.mlp.nope',
    /deepfm has no Linear layer there/,
  );
  damaged(roundTrip(null, plan({ embeddingRank: 8 })), 'compression.embeddingRank', /1\.\.7, got 8/);
  damaged(roundTrip(null, plan({ embeddingRank: 0 })), 'compression.embeddingRank', /1\.\.7, got 0/);
  damaged(roundTrip(null, plan({ method: 'zip' as never })), 'compression.method', /got "zip"/);
  damaged(roundTrip(null, plan({ layers: 'all' as never })), 'compression.layers', /mapping of layer path -> rank/);
  damaged(
    roundTrip(null, plan({ foldNumeric: 'yes' as never })),
    'compression.foldNumeric',
    /true or false, got "yes"/,
  );
  damaged(roundTrip(null, plan({ fuse: false, foldNumeric: true })), 'compression.foldNumeric', /needs fuse/);
  // A plan with the numeric fold round-trips, folded structure and all.
  const folded = plan({ foldNumeric: true });
  assert.deepEqual((roundTrip(folded, folded)() as { meta: SaveMeta }).meta.compression, folded);
});
