import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { getEngine } from '../../src/kernels/engine.js';
import { TTEmbedding, type TTFields, factor3 } from '../../src/nn/tt_embedding.js';
import { Rng } from '../../src/tensor/rng.js';
import { tidy } from '../../src/tensor/tensor.js';
import { gradcheck } from '../autograd/gradcheck.js';
import { findModel } from '../../src/models/registry.js';
import { EmbeddingStore } from '../../src/embedding/store.js';
import { tinySpec } from '../models/tiny.js';

before(async () => {
  await getEngine();
});

test('factor3 covers vocabularies and splits widths exactly', () => {
  for (const n of [1, 7, 100, 1000, 123457]) {
    const [a, b, c] = factor3(n, false);
    assert.ok(a * b * c >= n, `${n}: ${a}x${b}x${c}`);
    assert.ok(a * b * c < 2 * n + 8, `${n}: ${a}x${b}x${c} wastes too much`);
  }
  assert.deepEqual(factor3(16, true), [2, 2, 4]);
  assert.deepEqual(factor3(7, true), [1, 1, 7]);
});

test('TT lookup equals the explicit core product, and its gradient is right', () => {
  const rng = new Rng(3);
  const tt = new TTEmbedding(50, 8, 3, rng);
  const [, v2, v3] = tt.v,
    [d1, d2, d3] = tt.d,
    r = 3;
  const ids = Int32Array.from([0, 49, 17, 17, 33]);
  tidy(() => {
    const out = tt.forward(ids, ids.length).toArray();
    const g1 = tt.G1.data,
      g2 = tt.G2.data,
      g3 = tt.G3.data;
    ids.forEach((id, n) => {
      const i3 = id % v3,
        i2 = Math.floor(id / v3) % v2,
        i1 = Math.floor(id / (v3 * v2));
      for (let a = 0; a < d1; a++)
        for (let b = 0; b < d2; b++)
          for (let c = 0; c < d3; c++) {
            let s = 0;
            for (let p = 0; p < r; p++)
              for (let q = 0; q < r; q++) {
                s +=
                  g1[i1 * d1 * r + a * r + p] *
                  g2[i2 * r * d2 * r + p * d2 * r + b * r + q] *
                  g3[i3 * r * d3 + q * d3 + c];
              }
            const got = out[n * 8 + (a * d2 + b) * d3 + c];
            assert.ok(Math.abs(got - s) < 1e-6, `id ${id} (${a},${b},${c}): ${got} vs ${s}`);
          }
    });
  });
  gradcheck('tt', () => tt.forward(ids, ids.length), [tt.G1, tt.G2, tt.G3], { maxEntries: 20 });
});

test('a model built with TT fields has no embedding tables and far fewer parameters', () => {
  const entry = findModel('deepfm')!;
  const opts = entry.options.parse({ embedding_dim: 8, hidden: [16] });
  const plain = entry.create(tinySpec, opts, {
    rng: new Rng(1),
    store: new EmbeddingStore({ mainBudget: 2 ** 24 }),
    slots: 2,
  });
  const tt = entry.create(tinySpec, opts, {
    rng: new Rng(1),
    store: new EmbeddingStore({ mainBudget: 2 ** 24 }),
    slots: 2,
    tt: { rank: 2 },
  });
  assert.equal(tt.inputs!.fields!.fieldTables.length, 0);
  assert.ok(tt.paramCount() < plain.paramCount());
});

test('TT cores replace only the tables they make smaller; the embeddings come tables first, then TT fields', () => {
  const entry = findModel('deepfm')!;
  const spec = {
    categorical: [
      { name: 'big', vocab: 5000 },
      { name: 'small', vocab: 3 },
    ],
    numeric: [],
  };
  const model = entry.create(spec, entry.options.parse({ embedding_dim: 8, hidden: [4] }), {
    rng: new Rng(1),
    store: new EmbeddingStore({ mainBudget: 2 ** 24 }),
    slots: 0,
    tt: { rank: 4 },
  });
  const inputs = model.inputs!;
  const fields = inputs.fields as TTFields;
  assert.equal(fields.ttFields.length, 1);
  assert.deepEqual(
    fields.fieldTables.map((t) => t.rows),
    [3],
  );
  const ids = Int32Array.from([4321, 2, 17, 0]); // two rows of (big, small)
  tidy(() => {
    const emb = inputs.forward({ ids, dense: new Float32Array(0), labels: new Float32Array(2), rows: 2 }).emb;
    assert.deepEqual(emb.shape, [2, 2, 8]);
    const out = emb.toArray(),
      table = fields.fieldTables[0].readRows();
    const tt = fields.ttFields[0].forward(Int32Array.from([4321, 17]), 2).toArray();
    for (let r = 0; r < 2; r++)
      for (let k = 0; k < 8; k++) {
        assert.equal(out[r * 16 + k], table[ids[r * 2 + 1] * 8 + k], 'slot 0: the table field');
        assert.equal(out[r * 16 + 8 + k], tt[r * 8 + k], 'slot 1: the TT field');
      }
  });
});
