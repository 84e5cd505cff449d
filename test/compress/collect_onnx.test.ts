import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { noGrad, observe } from '../../src/autograd/index.js';
import { emptyStats, statsObserver } from '../../src/compress/collect.js';
import { readGraphData } from '../../src/data/formats/graph_data.js';
import { readNpz } from '../../src/data/formats/npz.js';
import { getEngine } from '../../src/kernels/engine.js';
import { tidy } from '../../src/tensor/tensor.js';
import { fixturePath, importFixture } from '../models/onnx/fixture_files.js';

before(async () => {
  await getEngine();
});

/** Statistics of an imported fixture over its committed inputs, through the zoo's observer and parts. */
function statsOf(name: string) {
  const model = importFixture(name).eval();
  const data = readGraphData(fixturePath(name, '.inputs.npz'), model.graph.inputs);
  const stats = emptyStats();
  noGrad(() => tidy(() => observe(statsObserver(model.parts(), stats), () => void model.forward(data.inputs))));
  return { model, stats, rows: data.rows };
}

test('the statistics pass runs on an imported graph: every Gemm/MatMul layer and gathered table, and the logit layer agrees with PyTorch', () => {
  const { model, stats, rows } = statsOf('mlp_fields_op17');
  const paths = model.parts().linears.map((s) => s.path);
  const tables = model.parts().tables!.map((s) => s.path);
  assert.deepEqual([...stats.layers.keys()].sort(), [...paths, ...tables].sort());
  for (const p of paths) assert.equal(stats.layers.get(p)!.n, rows);
  // A table's statistics are of the rows it gave: one per id gathered, here one per row and Gather node.
  for (const t of model.graphParts.tables) assert.equal(stats.layers.get(t.weight)!.n, rows * t.nodes.length, t.weight);
  // The last Gemm feeds the Sigmoid: its statistics are those of PyTorch's logits.
  const prob = readNpz(fixturePath('mlp_fields_op17', '.expected.npz')).get('prob')!.data;
  const logits = Array.from(prob, (p) => Math.log(p / (1 - p)));
  const last = stats.layers.get(paths[paths.length - 1])!;
  const mean = logits.reduce((a, v) => a + v, 0) / rows,
    square = logits.reduce((a, v) => a + v * v, 0) / rows;
  assert.ok(Math.abs(last.s1[0] / rows - mean) < 1e-4, `mean logit ${last.s1[0] / rows} vs PyTorch ${mean}`);
  assert.ok(Math.abs(last.s2[0] / rows - square) < 1e-3, `mean squared logit ${last.s2[0] / rows} vs ${square}`);
});

test('a projection applied to every field counts once per field and example (its per-example multiplicity)', () => {
  const { model, stats, rows } = statsOf('attention_fields_op17');
  const perField = model.graphParts.linears.filter((l) => l.op === 'MatMul').map((l) => l.weight);
  assert.equal(perField.length, 3);
  const F = stats.layers.get(perField[0])!.n / rows;
  assert.ok(Number.isInteger(F) && F > 1, `multiplicity ${F}`);
  for (const w of perField) assert.equal(stats.layers.get(w)!.n, rows * F);
});
