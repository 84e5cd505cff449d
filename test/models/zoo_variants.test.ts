/** Option variants of the zoo models (the zoo test trains only the defaults) and their wiring for the compressor. */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { noGrad } from '../../src/autograd/index.js';
import { EmbeddingStore } from '../../src/embedding/store.js';
import { getEngine } from '../../src/kernels/engine.js';
import type { CTRModel } from '../../src/models/model.js';
import { MODELS, findModel } from '../../src/models/registry.js';
import { MLP } from '../../src/nn/mlp.js';
import { SLOTS } from '../../src/optim/optimizer.js';
import { Rng } from '../../src/tensor/rng.js';
import { tidy } from '../../src/tensor/tensor.js';
import { optionsFor, tinyData, tinySpec, trainTiny } from './tiny.js';

before(async () => {
  await getEngine();
});

const small = { embedding_dim: 4, hidden: [8] };

function build(name: string, options: Record<string, unknown>): CTRModel {
  const entry = findModel(name)!;
  return entry.create(tinySpec, entry.options.parse(optionsFor(entry, options)), {
    rng: new Rng(3),
    store: new EmbeddingStore({ mainBudget: 2 ** 20 }),
    slots: SLOTS.adam,
  });
}

test('DCN-V2 variants (stacked, low-rank mixture, both) learn and beat LR like the defaults', (t) => {
  const lrAuc = trainTiny(findModel('lr')!, {}, 6, 2e-2).testAuc;
  for (const v of [
    { structure: 'stacked' },
    { low_rank: 4, num_experts: 2 },
    { structure: 'stacked', low_rank: 4, num_experts: 2 },
  ]) {
    const r = trainTiny(findModel('dcnv2')!, { embedding_dim: 8, hidden: [32, 32], ...v });
    t.diagnostic(
      `dcnv2 ${JSON.stringify(v)}: loss ${r.firstLoss.toFixed(4)} -> ${r.lastLoss.toFixed(4)}, test AUC ${r.testAuc.toFixed(4)}`,
    );
    assert.ok(
      r.lastLoss < r.firstLoss * 0.95 && r.testAuc > lrAuc + 0.01,
      `${JSON.stringify(v)}: ${JSON.stringify(r)} vs LR ${lrAuc}`,
    );
  }
});

test('every zoo model runs with dense numerics, and NFM with batch norm and dropout on the pooled vector', () => {
  const test = tinyData(16, 5);
  const cases: [string, Record<string, unknown>][] = MODELS.filter((m) => m.name !== 'lr').map(
    (m) => [m.name, { ...small, numeric: 'dense' }] as [string, Record<string, unknown>],
  );
  cases.push(
    ['nfm', { ...small, bi_batch_norm: true, bi_dropout: 0.2 }],
    ['dcnv2', { ...small, numeric: 'dense', low_rank: 2 }],
  );
  for (const [name, o] of cases) {
    const m = build(name, o);
    tidy(() => {
      const train = m.forward(test);
      assert.deepEqual(train.shape, [16], name);
      m.eval();
      const out = noGrad(() => m.forward(test)).toArray();
      assert.ok(out.every(Number.isFinite), `${name} ${JSON.stringify(o)}`);
    });
  }
});

test('embeddingMLP is honest: an MLP whose first layer reads the flattened embeddings (then dense), or null', () => {
  const F = tinySpec.categorical.length + tinySpec.numeric.length,
    D = small.embedding_dim;
  const want: Record<string, boolean> = {
    widedeep: true,
    dcn: true,
    dcnv2: true,
    gdcn: true,
    nfm: false,
    ipnn: true,
    deepfm: true,
  };
  for (const [name, mlp] of Object.entries(want)) {
    const m = build(name, small);
    const child = new Map(m.children()).get('mlp');
    assert.equal(m.embeddingMLP !== null, mlp, name);
    assert.equal(child instanceof MLP, mlp, `${name}: sub-module 'mlp'`);
    if (mlp) assert.equal(m.embeddingMLP, child, name);
    if (child instanceof MLP) assert.ok(child.inDim >= F * D, `${name}: mlp reads ${child.inDim} < ${F * D}`);
  }
  const stacked = build('dcnv2', { ...small, structure: 'stacked' });
  assert.equal(stacked.embeddingMLP, null);
  assert.equal(new Map(stacked.children()).has('mlp'), false);
  const opts = findModel('dcnv2')!.options.parse({}) as Record<string, unknown>;
  assert.deepEqual(
    [opts.embedding_dim, opts.hidden, opts.num_cross_layers, opts.structure, opts.low_rank],
    [16, [400, 400, 400], 3, 'parallel', null],
  );
  assert.throws(() => findModel('dcn')!.options.parse({ num_cross_layer: 2 }));
});

test('model.embedding_init: normal / uniform / xavier with a scale set the starting tables, for every model with tables', () => {
  const stats = (m: CTRModel) => {
    const w = m.inputs!.fields!.fieldTables.flatMap((t) => [...t.readRows()]);
    const mean = w.reduce((a, v) => a + v, 0) / w.length;
    return { std: Math.sqrt(w.reduce((a, v) => a + (v - mean) ** 2, 0) / w.length), max: Math.max(...w.map(Math.abs)) };
  };
  for (const entry of MODELS.filter((m) => m.name !== 'lr')) {
    const byDefault = stats(build(entry.name, small));
    assert.ok(byDefault.std > 0.5e-4 && byDefault.std < 2e-4, `${entry.name} default std ${byDefault.std}`);
    const normal = stats(build(entry.name, { ...small, embedding_init: { dist: 'normal', scale: 0.01 } }));
    assert.ok(normal.std > 0.008 && normal.std < 0.012, `${entry.name} N(0, 0.01): std ${normal.std}`);
    const uniform = stats(build(entry.name, { ...small, embedding_init: { dist: 'uniform', scale: 0.05 } }));
    assert.ok(
      uniform.max <= 0.05 && uniform.max > 0.04 && Math.abs(uniform.std - 0.05 / Math.sqrt(3)) < 0.006,
      `${entry.name} U(-0.05, 0.05): ${JSON.stringify(uniform)}`,
    );
    const xavier = stats(build(entry.name, { ...small, embedding_init: { dist: 'xavier' } }));
    const vocab = Math.max(...tinySpec.categorical.map((f) => f.vocab));
    assert.ok(
      xavier.max <= Math.sqrt(6 / (Math.min(...tinySpec.categorical.map((f) => f.vocab)) + 4)) &&
        xavier.max > Math.sqrt(6 / (vocab + 4)) * 0.5,
      `${entry.name} xavier: ${JSON.stringify(xavier)}`,
    );
  }
  assert.throws(
    () => findModel('deepfm')!.options.parse({ embedding_init: { dist: 'gaussian' } }),
    /normal|uniform|xavier/,
  );
});
