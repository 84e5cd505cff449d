import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { backward, bceWithLogits } from '../../src/autograd/index.js';
import { EmbeddingStore } from '../../src/embedding/store.js';
import { getEngine } from '../../src/kernels/engine.js';
import { MLP } from '../../src/nn/mlp.js';
import { findModel } from '../../src/models/registry.js';
import { Rng } from '../../src/tensor/rng.js';
import { tidy } from '../../src/tensor/tensor.js';
import { sliceBatch, tinyData, tinySpec } from './tiny.js';

before(async () => {
  await getEngine();
});

/** Option sets beyond the defaults the zoo test trains with: every branch of each model is built and run. */
const variants: [string, Record<string, unknown>][] = [
  ['xdeepfm', { embedding_dim: 4, hidden: [6], cin_layers: [4, 3, 2], numeric: 'dense' }],
  ['xdeepfm', { embedding_dim: 4, hidden: [], cin_layers: [3], cin_split_half: false, batch_norm: true, dropout: 0.2 }],
  ['fibinet', { embedding_dim: 4, hidden: [6], bilinear_type: 'field_each', numeric: 'dense' }],
  ['fibinet', { embedding_dim: 3, hidden: [5, 4], bilinear_type: 'field_interaction', reduction_ratio: 1.5 }],
  [
    'autoint',
    { embedding_dim: 4, attention_layers: 1, attention_heads: 3, attention_head_dim: 2, numeric: 'dense', wide: true },
  ],
  [
    'autoint',
    {
      embedding_dim: 4,
      attention_layers: 2,
      attention_heads: 1,
      attention_head_dim: 4,
      attention_layer_norm: true,
      attention_residual: false,
      attention_scaled: false,
    },
  ],
  [
    'autointplus',
    { embedding_dim: 4, hidden: [6], attention_layers: 2, attention_heads: 2, attention_head_dim: 3, numeric: 'dense' },
  ],
];

test('interaction models: every option variant gives logits [B] and a gradient for every parameter', () => {
  const batch = sliceBatch(tinyData(16, 3), 0, 16);
  for (const [name, options] of variants) {
    const entry = findModel(name)!;
    const model = entry.create(tinySpec, entry.options.parse(options), {
      rng: new Rng(5),
      store: new EmbeddingStore({ mainBudget: 2 ** 20 }),
      slots: 0,
    });
    tidy(() => {
      const logits = model.forward(batch);
      assert.deepEqual(logits.shape, [16], name);
      assert.ok(logits.toArray().every(Number.isFinite), name);
      backward(bceWithLogits(logits, batch.labels!));
    });
    for (const [p, t] of model.namedParams()) {
      assert.ok(t.grad, `${name} ${JSON.stringify(options)}: ${p} got no gradient`);
      t.grad = null;
    }
    model.eval();
    tidy(() => assert.deepEqual(model.forward(batch).shape, [16]));
  }
});

test('interaction models declare the MLP that reads the flattened embeddings (embeddingMLP), or none', () => {
  const want: Record<string, { mlp: boolean }> = {
    xdeepfm: { mlp: true },
    fibinet: { mlp: false },
    autoint: { mlp: false },
    autointplus: { mlp: true },
  };
  for (const [name, use] of Object.entries(want)) {
    for (const numeric of ['embedding', 'dense']) {
      const entry = findModel(name)!;
      const model = entry.create(tinySpec, entry.options.parse({ embedding_dim: 4, numeric }), {
        rng: new Rng(5),
        store: new EmbeddingStore({ mainBudget: 2 ** 20 }),
        slots: 0,
      });
      assert.equal(model.embeddingMLP !== null, use.mlp, name);
      const F = model.inputs!.numFields,
        N = model.inputs!.denseDim;
      assert.deepEqual([F, N], numeric === 'dense' ? [5, 2] : [7, 0]);
      const mlp = model.children().find(([n]) => n === 'mlp')?.[1];
      if (use.mlp) {
        assert.ok(mlp instanceof MLP, `${name}: no sub-module 'mlp'`);
        assert.equal(model.embeddingMLP, mlp, name);
        assert.equal(mlp.inDim, F * 4 + N, `${name}: mlp reads the flattened embeddings then dense values`);
      } else if (mlp) assert.notEqual((mlp as MLP).inDim, F * 4 + N);
    }
  }
});
