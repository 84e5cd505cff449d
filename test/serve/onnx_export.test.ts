/**
 * ONNX export parity: every zoo model, original and compressed (AFM and AFM-act at rank 2, with
 * fusion where the model allows), exported and run in onnxruntime-node, must give slimctr's own
 * probabilities within 1e-5, at batch sizes other than the probe sizes the trace used.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { getEngine } from '../../src/kernels/engine.js';
import { MODELS, findModel } from '../../src/models/registry.js';
import { factorAttention } from '../../src/nn/factored_attention.js';
import { MultiHeadSelfAttention } from '../../src/nn/self_attention.js';
import { exportOnnx } from '../../src/serve/onnx/export.js';
import { sliceBatch, tinyData, tinySpec } from '../models/tiny.js';
import { SMALL_OPTIONS, buildTrained, compressLow, newStore, parityGap } from './onnx_parity.js';

before(async () => {
  await getEngine();
});

const TOL = 1e-5;
const small = SMALL_OPTIONS;
const rows = tinyData(48, 7);

for (const entry of MODELS) {
  const options = small;
  const variants = entry.name === 'lr' ? (['original'] as const) : (['original', 'afm', 'afm-act'] as const);
  test(`${entry.name}: ${variants.join(', ')} match onnxruntime within ${TOL}`, async (t) => {
    for (const v of variants) {
      const store = newStore();
      const model = buildTrained(entry, options, store);
      if (v !== 'original') compressLow(model, v, store);
      const gap = await parityGap(model, rows);
      t.diagnostic(
        `${entry.name} ${v}: max |dp| = ${gap.toExponential(2)}${v !== 'original' ? ` (fused: ${model.inputs?.fields?.fused ?? false})` : ''}`,
      );
      assert.ok(gap < TOL, `${entry.name} ${v}: max |dp| = ${gap}`);
    }
  });
}

test('option variants: dense numerics with batch norm, NFM pooled batch norm, DCN-V2 stacked and low-rank mixture, AutoInt+ with factored attention', async (t) => {
  const cases: [string, Record<string, unknown>][] = MODELS.filter((m) => m.name !== 'lr').map(
    (m) => [m.name, { ...small, numeric: 'dense', batch_norm: true }] as [string, Record<string, unknown>],
  );
  cases.push(
    ['nfm', { ...small, bi_batch_norm: true, bi_dropout: 0.2, dropout: 0.1 }],
    ['dcnv2', { ...small, structure: 'stacked', low_rank: 2, num_experts: 3 }],
    ['dcnv2', { ...small, numeric: 'dense', low_rank: 2, num_experts: 2 }],
    // Heads of 8 at rank 2: compressed, the attention runs in the factors' space (nn/factored_attention.ts).
    ['autointplus', { ...small, attention_head_dim: 8, attention_layer_norm: true }],
  );
  for (const [name, o] of cases) {
    const store = newStore();
    const model = buildTrained(findModel(name)!, o, store);
    const gap = await parityGap(model, rows);
    const shown = JSON.stringify(Object.fromEntries(Object.entries(o).filter(([k]) => !(k in small))));
    t.diagnostic(`${name} ${shown}: ${gap.toExponential(2)}`);
    assert.ok(gap < TOL, `${name} ${shown}: max |dp| = ${gap}`);
    const factored = name === 'autointplus' && o.attention_head_dim === 8;
    if (name === 'dcnv2' || factored || (name === 'deepfm' && o.numeric === 'dense')) {
      compressLow(model, 'afm', store);
      if (factored)
        assert.ok(
          model
            .namedModules()
            .some(
              ([, m]) =>
                m instanceof MultiHeadSelfAttention && factorAttention(m.query, m.key, m.value, m.res, m.headDim),
            ),
          'the factored attention is exported',
        );
      const g2 = await parityGap(model, rows);
      assert.ok(g2 < TOL, `${name} ${shown} compressed: max |dp| = ${g2}`);
    }
  }
});

test('the batch dimension is symbolic: one exported model serves 1 row and 48 rows', async () => {
  const model = buildTrained(findModel('ipnn')!, small);
  const bytes = exportOnnx(model, tinySpec);
  for (const b of [sliceBatch(rows, 0, 1), rows]) {
    const gap = await parityGap(model, b, bytes);
    assert.ok(gap < TOL, `${b.rows} rows: max |dp| = ${gap}`);
  }
});
