import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { noGrad, observe } from '../../src/autograd/index.js';
import { readGraphData } from '../../src/data/formats/graph_data.js';
import { EmbeddingStore } from '../../src/embedding/store.js';
import { getEngine } from '../../src/kernels/engine.js';
import type { CTRModel } from '../../src/models/model.js';
import { MODELS, findModel } from '../../src/models/registry.js';
import { Linear } from '../../src/nn/linear.js';
import { LowRankLinear } from '../../src/nn/low_rank_linear.js';
import type { MLP } from '../../src/nn/mlp.js';
import { inputLayer } from '../../src/nn/parts.js';
import { Rng } from '../../src/tensor/rng.js';
import { tidy } from '../../src/tensor/tensor.js';
import { fixturePath, importFixture } from '../models/onnx/fixture_files.js';
import { optionsFor, tinyData, tinySpec } from '../models/tiny.js';

before(async () => {
  await getEngine();
});

function build(name: string, extra: Record<string, unknown> = {}): CTRModel {
  const entry = findModel(name)!;
  return entry.create(
    tinySpec,
    entry.options.parse(optionsFor(entry, { embedding_dim: 4, hidden: [8, 6], attention_head_dim: 4, ...extra })),
    { rng: new Rng(2), store: new EmbeddingStore({ mainBudget: 2 ** 22 }), slots: 0 },
  );
}

const zoo = (): [string, CTRModel][] => [
  ...MODELS.map((e) => [e.name, build(e.name)] as [string, CTRModel]),
  ['dcnv2 stacked', build('dcnv2', { structure: 'stacked' })],
  ['dcnv2 low-rank', build('dcnv2', { low_rank: 2 })],
];

test('every Linear of every zoo model sits in a slot, and the embedding reader is the first layer of embeddingMLP', () => {
  const D = 4,
    F = tinySpec.categorical.length + tinySpec.numeric.length;
  for (const [name, model] of zoo()) {
    const parts = model.parts();
    const linearPaths = model.namedModules().flatMap(([p, m]) => (m instanceof Linear ? [p] : []));
    assert.deepEqual(
      parts.linears.map((s) => s.path),
      linearPaths,
      name,
    );
    assert.equal(parts.embedding === null, model.inputs === null, name);
    const reader = parts.embedding?.reader ?? null;
    assert.equal(reader !== null, model.embeddingMLP !== null, `${name}: reader`);
    if (reader) {
      assert.equal(reader.get(), inputLayer(model.embeddingMLP!), name);
      assert.ok(reader.get().inDim >= F * D, `${name}: the reader reads ${reader.get().inDim} < ${F * D} inputs`);
    }
  }
});

test('a slot swaps the layer where the model reads it (no field search): outputs change, and change back', () => {
  const model = build('deepfm').eval();
  const batch = tinyData(8, 3);
  const predict = (): Float32Array => noGrad(() => tidy(() => model.forward(batch).toArray()));
  const before = predict();
  const slot = model.parts().linears.find((s) => s.path === 'mlp.layer1')!;
  const original = slot.get();
  const low = new LowRankLinear(original.inDim, original.outDim, 2, 'none', new Rng(5));
  slot.set(low);
  assert.equal((model.embeddingMLP as MLP).layers[1], low);
  assert.ok(model.namedParams().some(([n]) => n === 'mlp.layer1.down.W'));
  assert.notDeepEqual(predict(), before);
  const again = model.parts().linears.find((s) => s.path === 'mlp.layer1.down');
  assert.equal(again?.get(), low.down, 'the factors are slots too');
  slot.set(original);
  assert.deepEqual(predict(), before);
});

test('an imported ONNX graph exposes the same representation: its Gemm/MatMul layers as slots that report their outputs', () => {
  const model = importFixture('deepfm_matrix_op17').eval();
  const parts = model.parts();
  assert.equal(parts.linears.length, model.graphParts.linears.length);
  assert.equal(parts.embedding, null);
  const seen = new Set<unknown>();
  const data = readGraphData(fixturePath('deepfm_matrix_op17', '.inputs.npz'), model.graph.inputs);
  noGrad(() => tidy(() => observe({ output: (p) => seen.add(p) }, () => model.forward(data.inputs))));
  for (const s of parts.linears) assert.ok(seen.has(s.get()), `${s.path} reported its output`);
});
