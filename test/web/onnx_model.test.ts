import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphModel } from '../../src/api/graph_model.js';
import { Model } from '../../src/api/model.js';
import { readNpz } from '../../src/data/formats/npz.js';
import { getEngine } from '../../src/kernels/engine.js';
import { ModelFileError, RequestError } from '../../src/util/errors.js';
import { openModel } from '../../src/web/index.js';
import { exampleGraphText, summarizeGraphModel } from '../../src/web/summary.js';
import { fixtureNames, fixturePath } from '../models/onnx/fixture_files.js';
import { scratchDir } from '../train/toy_data.js';
import { columnsOf } from './graph_columns.js';
import { saveFixtureModel } from './model_fixture.js';

before(async () => {
  await getEngine();
});

async function openGraph(name: string): Promise<GraphModel> {
  const m = await openModel(readFileSync(fixturePath(name, '.onnx')), { name: `${name}.onnx` });
  assert.ok(m instanceof GraphModel, `${name}: opened as an ONNX graph`);
  return m;
}

test("openModel opens every ONNX fixture by its bytes and predictInputs reproduces PyTorch's outputs within 1e-5", async () => {
  for (const name of fixtureNames()) {
    const g = await openGraph(name);
    const { rows, columns } = columnsOf(g, name);
    const expected = readNpz(fixturePath(name, '.expected.npz')).get('prob')!;
    const got = g.predictInputs(columns);
    assert.equal(got.length, rows);
    let worst = 0;
    for (let i = 0; i < rows; i++) worst = Math.max(worst, Math.abs(got[i] - expected.data[i]));
    assert.ok(worst <= 1e-5, `${name}: max |ours - PyTorch| = ${worst}`);
  }
});

test('predictJson takes the TF-Serving columnar and row forms alike', async () => {
  const name = 'deepfm_fields_op17';
  const g = await openGraph(name);
  const { rows, columns } = columnsOf(g, name);
  const byColumns = g.predictJson(JSON.stringify({ inputs: columns }));
  const instances = Array.from({ length: rows }, (_, r) =>
    Object.fromEntries(Object.entries(columns).map(([k, c]) => [k, c[r]])),
  );
  assert.deepEqual(g.predictJson(JSON.stringify({ instances })), byColumns);
  assert.equal(g.predictJson(exampleGraphText(g)).length, 2, 'the example body the page starts from scores');
});

test('the page summary lists the graph inputs with dtypes and shapes, its parameters and opset', async () => {
  const g = await openGraph('mlp_flat_op13');
  const s = summarizeGraphModel(g, 'mlp_flat_op13.onnx', 1234);
  assert.equal(s.onnxOpset, 13);
  assert.equal(s.columns.length, 1);
  assert.match(s.columns[0], /^\S+: float \[\S+, \d+\]$/);
  assert.ok(s.params > 0);
});

test('bad inputs are RequestErrors naming the input; a truncated file is a ModelFileError; a model file still opens as one', async () => {
  const g = await openGraph('deepfm_matrix_op17');
  const inp = g.inputs[0];
  assert.ok(inp.dims.length === 1 && inp.width > 1, 'the matrix fixture starts with an input of shape [B, F]');
  const { columns } = columnsOf(g, 'deepfm_matrix_op17');
  assert.throws(
    () => g.predictInputs({ ...columns, nope: columns[inp.name] }),
    (e: unknown) => e instanceof RequestError && /nope, not an input of the graph/.test(e.message),
  );
  const wide = columns[inp.name].map((row) => [...(row as number[]), 0]);
  assert.throws(
    () => g.predictInputs({ ...columns, [inp.name]: wide }),
    (e: unknown) =>
      e instanceof RequestError &&
      e.message.includes(`inputs.${inp.name}[0]`) &&
      e.message.includes(`a row holds ${inp.width}`),
  );
  const bytes = readFileSync(fixturePath('deepfm_matrix_op17', '.onnx'));
  await assert.rejects(openModel(bytes.subarray(0, bytes.length >> 1), { name: 'cut.onnx' }), (e: unknown) => {
    return e instanceof ModelFileError && e.message.includes('cut.onnx');
  });
  const path = join(scratchDir('web-onnx'), 'model.safetensors');
  saveFixtureModel(path);
  assert.ok((await openModel(readFileSync(path))) instanceof Model);
});
