/**
 * The public API, used the way a user would: everything comes from the package entry ('slimctr',
 * resolved through package.json's exports map), nothing from src/. Trains the toy data from a
 * config object, loads the model, predicts raw rows and encoded batches, compresses the run,
 * exports ONNX, serves it over HTTP, and checks that failures arrive as the exported error classes.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as slimctr from 'slimctr';
import {
  compress,
  DataError,
  exportOnnx,
  loadModel,
  ModelFileError,
  serve,
  startEngine,
  train,
  UsageError,
  ConfigError,
  type Model,
} from 'slimctr';
import { scratchDir, toySetup } from './train/toy_data.js';
import { csvTestRows } from './api/rows.js';

let dir = '';
let model: Model;
let runDir = '';

before(async () => {
  await startEngine({ threads: 1 });
  dir = scratchDir('api');
  const { config } = toySetup(dir);
  const result = await train(config, { output: () => {} });
  runDir = result.runDir;
  model = await loadModel(result.modelPath);
});

test('the entry exports exactly the documented names', () => {
  assert.deepEqual(Object.keys(slimctr).sort(), [
    'ConfigError',
    'DataError',
    'DependencyError',
    'ExportError',
    'MetricError',
    'Model',
    'ModelFileError',
    'RequestError',
    'ShapeError',
    'SlimctrError',
    'TrainingError',
    'UsageError',
    'VERSION',
    'compress',
    'exportOnnx',
    'loadModel',
    'serve',
    'startEngine',
    'train',
  ]);
  assert.equal(
    slimctr.VERSION,
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version,
  );
});

test('a loaded model predicts raw rows (objects or arrays) the same as their encoded batch', () => {
  assert.equal(model.kind, 'deepfm');
  assert.deepEqual([...model.columns].sort(), ['C1', 'C2', 'C3', 'C4', 'I1', 'I2']);
  const rows = csvTestRows(dir, 6);
  const p = model.predict(rows);
  assert.equal(p.length, 6);
  for (const x of p) assert.ok(x > 0 && x < 1);
  assert.deepEqual([...model.predictEncoded(model.encode(rows))], [...p]);
  const asArrays = rows.map((r) => model.columns.map((c) => r[c]));
  assert.deepEqual([...model.predict(asArrays)], [...p]);
});

test('a bad row is a DataError naming the row and column; a bad config a ConfigError naming the key', async () => {
  assert.throws(
    () => model.predict([{ I1: '3', I2: 'x', C1: 'a', C2: 'b', C3: 'c', C4: 'd' }]),
    (e: unknown) => e instanceof DataError && /I2/.test(e.message),
  );
  const { config } = toySetup(scratchDir('api-bad'));
  config.training.lr = -1;
  await assert.rejects(
    train(config, { output: () => {} }),
    (e: unknown) => e instanceof ConfigError && /training\.lr/.test(e.message),
  );
  await assert.rejects(loadModel(join(dir, 'toy.csv')), ModelFileError);
});

test('asking for another thread count while models are loaded is refused, and the model keeps working', async () => {
  await assert.rejects(startEngine({ threads: 2 }), UsageError);
  assert.equal(model.predict(csvTestRows(dir, 1)).length, 1);
});

test('exportOnnx writes the ONNX file and refuses to overwrite one unless asked', () => {
  const out = join(dir, 'model.onnx');
  const bytes = exportOnnx(model, out);
  assert.ok(bytes.length > 1000);
  assert.deepEqual(readFileSync(out), Buffer.from(bytes));
  assert.throws(() => exportOnnx(model, out), UsageError);
  writeFileSync(out, 'mine');
  assert.throws(() => exportOnnx(model, out), UsageError);
  assert.equal(readFileSync(out, 'utf8'), 'mine');
  exportOnnx(model, out, { overwrite: true });
  assert.deepEqual(readFileSync(out), Buffer.from(bytes));
});

test('compress factors a run to the asked ratio, and its model loads and predicts', async () => {
  const out = join(dir, 'afm');
  const result = await compress(runDir, { method: 'afm', rank: { by: 'ratio', ratio: 2 }, out });
  assert.ok(existsSync(result.modelPath), 'the compressed model file is written');
  assert.equal(result.variants.find((v) => v.path)?.path, result.modelPath);
  const small = await loadModel(result.modelPath);
  assert.ok(small.params * 2 <= model.params * 1.01, `${small.params} params against ${model.params}`);
  assert.ok(small.meta.compression, 'the model file records its compression plan');
  const p = small.predict(csvTestRows(dir, 4));
  for (const x of p) assert.ok(x > 0 && x < 1);
});

test('serve answers /predict with the model\u2019s probabilities and closes cleanly', async () => {
  const modelPath = join(runDir, 'model.safetensors');
  const server = await serve(modelPath, { port: 0, workers: 1 });
  try {
    const rows = csvTestRows(dir, 3);
    const res = await fetch(`${server.url}/predict`, { method: 'POST', body: JSON.stringify({ rows }) });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { predictions: number[] };
    const want = model.predict(rows);
    body.predictions.forEach((p, i) => assert.ok(Math.abs(p - want[i]) < 1e-6));
  } finally {
    await server.close();
  }
});
