import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { noGrad } from '../../src/autograd/index.js';
import { EmbeddingStore } from '../../src/embedding/store.js';
import { getEngine } from '../../src/kernels/engine.js';
import { PREDICT_ROWS, predictLogits } from '../../src/models/predict.js';
import { MODELS } from '../../src/models/registry.js';
import { SLOTS } from '../../src/optim/optimizer.js';
import { Rng } from '../../src/tensor/rng.js';
import { tidy } from '../../src/tensor/tensor.js';
import { optionsFor, tinyData, tinySpec } from './tiny.js';

before(async () => {
  await getEngine();
});

test('predictLogits scores a batch bigger than PREDICT_ROWS in slices with the bits of one forward pass, for every zoo model', () => {
  const rows = 2 * PREDICT_ROWS + 37;
  const batch = tinyData(rows, 3);
  for (const entry of MODELS) {
    const store = new EmbeddingStore({ mainBudget: 64 * 2 ** 20 });
    const opts = entry.options.parse(
      optionsFor(entry, { embedding_dim: 4, hidden: [16, 8], embedding_init: { dist: 'uniform', scale: 0.5 } }),
    );
    const model = entry.create(tinySpec, opts, { rng: new Rng(5), store, slots: SLOTS.adam });
    model.eval();
    const whole = noGrad(() => tidy(() => model.forward(batch).toArray()));
    const sliced = predictLogits(model, batch);
    assert.equal(sliced.length, rows);
    assert.deepEqual(sliced, whole, entry.name);
    // (LR starts from zero weights: every row scores the same until trained.)
    if (model.inputs) assert.ok(new Set(sliced).size > rows / 2, `${entry.name}: the rows get their own scores`);
  }
});
