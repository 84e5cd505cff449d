import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { noGrad } from '../../src/autograd/index.js';
import { EmbeddingStore } from '../../src/embedding/store.js';
import { getEngine } from '../../src/kernels/engine.js';
import { FeatureInputs } from '../../src/nn/feature_inputs.js';
import { FieldTables } from '../../src/nn/field_embedding.js';
import { LowRankFields } from '../../src/nn/low_rank_fields.js';
import { TTFields } from '../../src/nn/tt_embedding.js';
import type { Batch, FeatureSpec } from '../../src/nn/types.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor, tidy } from '../../src/tensor/tensor.js';

before(async () => {
  await getEngine();
});

const spec: FeatureSpec = {
  categorical: [
    { name: 'a', vocab: 4 },
    { name: 'b', vocab: 3 },
  ],
  numeric: ['x'],
};
const batch: Batch = { rows: 2, ids: Int32Array.from([3, 1, 0, 2]), dense: Float32Array.from([0.5, -1]) };
const ctx = (tt?: { rank: number }) => ({
  rng: new Rng(4),
  store: new EmbeddingStore({ mainBudget: 2 ** 22 }),
  slots: 0,
  ...(tt ? { tt } : {}),
});

test('the strategy follows the context: tables, or tensor-train cores where they are smaller', () => {
  assert.ok(new FeatureInputs(spec, 4, 'embedding', ctx()).fields instanceof FieldTables);
  assert.ok(new FeatureInputs(spec, 4, 'embedding', ctx({ rank: 8 })).fields instanceof FieldTables, 'no field pays');
  const big: FeatureSpec = { categorical: [{ name: 'big', vocab: 5000 }], numeric: [] };
  assert.ok(new FeatureInputs(big, 8, 'embedding', ctx({ rank: 2 })).fields instanceof TTFields);
  assert.equal(new FeatureInputs({ categorical: [], numeric: ['x'] }, 4, 'embedding', ctx()).fields, null);
});

test('a low-rank strategy swapped in reconstructs e = e P_f + mu_f, keeps the tensor names, and feeds a fused layer its k-wide rows', () => {
  const c = ctx();
  const inputs = new FeatureInputs(spec, 3, 'embedding', c);
  const names = (): string[] => [...inputs.namedParams().map(([n]) => n), ...inputs.namedTables().map(([n]) => n)];
  assert.deepEqual(names(), ['numeric', 'a', 'b']);
  const k = 2,
    D = 3;
  const tables = spec.categorical.map((f, i) => {
    const t = c.store.create(f.name, f.vocab, k, 0);
    t.writeRows(Float32Array.from({ length: f.vocab * k }, (_, j) => (i + 1) * 0.1 * (j + 1)));
    return t;
  });
  const P = Tensor.param(
    Tensor.from(
      Float32Array.from({ length: 2 * k * D }, (_, j) => (j % 5) - 2),
      [2, k, D],
    ),
  );
  const mu = Tensor.param(Tensor.from([1, 2, 3, -1, -2, -3], [2, D]));
  for (const fused of [false, true]) {
    inputs.setFields(new LowRankFields(tables, P, mu, fused));
    assert.deepEqual(names(), ['numeric', 'recon.P', 'recon.mu', 'a', 'b']);
    noGrad(() =>
      tidy(() => {
        const x = inputs.forward(batch);
        const emb = x.emb.toArray(); // [2, 3 fields, D]
        for (let r = 0; r < 2; r++)
          for (let f = 0; f < 2; f++) {
            const row = tables[f].readRows().subarray(batch.ids[r * 2 + f] * k, (batch.ids[r * 2 + f] + 1) * k);
            for (let d = 0; d < D; d++) {
              let e = mu.data[f * D + d];
              for (let j = 0; j < k; j++) e += row[j] * P.data[(f * k + j) * D + d];
              assert.ok(Math.abs(emb[(r * 3 + f) * D + d] - e) < 1e-5, `row ${r} field ${f} column ${d}`);
            }
          }
        assert.deepEqual(x.mlpInput().shape, [2, fused ? 2 * k + D : 3 * D]);
      }),
    );
  }
});
