import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readGraphData } from '../../../src/data/formats/graph_data.js';
import { readNpz } from '../../../src/data/formats/npz.js';
import { getEngine } from '../../../src/kernels/engine.js';
import { Linear } from '../../../src/nn/linear.js';
import { scoreRows } from '../../../src/models/onnx/run.js';
import { fixtureNames, fixturePath, importFixture } from './fixture_files.js';

before(async () => {
  await getEngine();
});

test('the fixtures cover every model, input style and opset the generator writes', () => {
  const names = fixtureNames();
  assert.equal(names.length, 24);
  for (const model of ['deepfm', 'dcn', 'mlp', 'attention'])
    for (const style of ['fields', 'matrix', 'flat'])
      for (const op of [13, 17]) {
        assert.ok(names.includes(`${model}_${style}_op${op}`), `${model}_${style}_op${op}`);
      }
});

test("every fixture imports and reproduces PyTorch's outputs within 1e-5, whole and in batches of 3", () => {
  for (const name of fixtureNames()) {
    const model = importFixture(name).eval();
    const data = readGraphData(fixturePath(name, '.inputs.npz'), model.graph.inputs);
    const expected = readNpz(fixturePath(name, '.expected.npz')).get('prob')!;
    assert.equal(expected.data.length, data.rows);
    for (const batch of [data.rows, 3]) {
      const got = scoreRows(model, data.inputs, data.rows, 'prob', batch);
      let worst = 0;
      for (let i = 0; i < data.rows; i++) worst = Math.max(worst, Math.abs(got[i] - expected.data[i]));
      assert.ok(worst <= 1e-5, `${name} (batch ${batch}): max |ours - PyTorch| = ${worst}`);
    }
    // The outputs are not all alike, so agreement is not an accident of saturation.
    assert.ok(Math.max(...expected.data) - Math.min(...expected.data) > 0.01, `${name}: outputs spread`);
  }
});

test('weights become parts compression can replace: Linear modules and embedding tables', () => {
  const cases: [string, number, number, string[]][] = [
    // name, linears, tables, a table gathered by several nodes (one table)
    ['deepfm_matrix_op17', 4, 6, []],
    ['dcn_fields_op13', 4, 3, []],
    ['mlp_flat_op13', 3, 1, ['emb.table.weight']],
    ['attention_fields_op17', 4, 3, []],
  ];
  for (const [name, linears, tables, shared] of cases) {
    const m = importFixture(name);
    assert.equal(m.graphParts.linears.length, linears, `${name} linears`);
    assert.equal(m.graphParts.tables.length, tables, `${name} tables`);
    assert.equal(
      m.namedModules().filter(([, x]) => x instanceof Linear).length,
      linears,
      `${name}: one Linear module per linear part`,
    );
    assert.equal(m.tables().length, tables, `${name}: one EmbeddingTable per table part`);
    for (const t of shared) {
      const part = m.graphParts.tables.find((p) => p.weight === t);
      assert.ok(part && part.nodes.length === 3, `${name}: ${t} is one table read by 3 Gather nodes`);
    }
  }
  // Attention's Q/K/V projections are MatMuls on [B, F, d] inputs: Linear without bias; the
  // products of activations (Q K^T, A V) are not parts.
  const att = importFixture('attention_matrix_op13');
  assert.deepEqual(
    att.graphParts.linears.map((l) => [l.op, l.inDim, l.outDim, l.bias !== null]),
    [
      ['MatMul', 4, 4, false],
      ['MatMul', 4, 4, false],
      ['MatMul', 4, 4, false],
      ['Gemm', 14, 1, true],
    ],
  );
});
