/**
 * The server's other doors, in-process on 127.0.0.1 port 0: TensorFlow Serving's row and columnar
 * forms, the Open Inference Protocol (KServe v2) routes against the protocol's JSON shapes,
 * /metrics as Prometheus text, overload (503 + Retry-After, nothing accepted lost) and model hot
 * reload (in-flight requests finish on the old model; a bad file leaves the old model serving).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getEngine } from '../../src/kernels/engine.js';
import { loadModel, type LoadedModel } from '../../src/persist/model_file.js';
import type { PredictionServer, ServeOptions } from '../../src/serve/http.js';
import { parseTrainConfig } from '../../src/train/config.js';
import { ProgressReporter } from '../../src/train/progress.js';
import { train } from '../../src/train/trainer.js';
import { scratchDir, toySetup } from '../train/toy_data.js';
import { call, csvRows, loadToy, maxGap, referenceProbs, serverStarter, toyRun, type ToyRun } from './fixture.js';

let run: ToyRun;
let loaded: LoadedModel;
let rows: Record<string, string>[];

before(async () => {
  run = await toyRun('protocols');
  loaded = loadToy(run);
  rows = csvRows(run.file).map(({ label: _label, ...r }) => r);
});
const start = serverStarter(1);

const serve = (opts: Partial<ServeOptions> = {}, modelPath = run.modelPath): Promise<PredictionServer> =>
  start(modelPath, opts);

test('TensorFlow Serving forms: {"instances"} rows and {"inputs"} columns give the same probabilities as {"rows"}, at /predict and /v1/models/NAME:predict', async () => {
  const s = await serve();
  const some = rows.slice(0, 7);
  const want = referenceProbs(loaded, some);
  const columns = Object.fromEntries(Object.keys(some[0]).map((c) => [c, some.map((r) => r[c])]));
  for (const [path, body] of [
    ['/predict', { instances: some }],
    ['/predict', { inputs: columns }],
    ['/v1/models/deepfm:predict', { instances: some }],
    ['/v1/models/deepfm:predict', { inputs: columns }],
  ] as const) {
    const r = await call(s, path, body);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.ok(maxGap(r.json.predictions, want) < 1e-6, `${path} ${Object.keys(body)[0]}`);
  }
});

test('each form refuses bad bodies with a 400 naming the problem', async () => {
  const s = await serve({ maxRows: 5 });
  const cases: [string, unknown, RegExp][] = [
    ['/predict', { rows: [], instances: [] }, /the body has both 'rows' and 'instances'; send one form/],
    ['/predict', { instances: 'x' }, /'instances' must be an array of rows, got string/],
    [
      '/predict',
      { instances: [{ ...rows[0], I2: 'lots' }] },
      /instances\[0\]: column I2: expected a number, got "lots"/,
    ],
    ['/predict', { inputs: [1] }, /'inputs' must be an object of columns/],
    ['/predict', { inputs: { C1: ['a', 'b'], I1: ['1'] } }, /inputs\.I1 has 1 values but inputs\.C1 has 2/],
    ['/predict', { inputs: { C1: 'a' } }, /inputs\.C1 must be an array with one value per row, got string/],
    ['/predict', { inputs: { C1: ['a'], C9: ['b'] } }, /'inputs' has column\(s\) the model does not know: C9/],
    ['/predict', { inputs: { C1: ['a', 'b', 'c', 'd', 'e', 'f'] } }, /too many rows: 6 \(at most 5 per request\)/],
    [
      '/predict',
      { inputs: { C1: ['a'], I1: [{}] } },
      /inputs\[row 0\]\.I1: expected a string, number or null, got object/,
    ],
    ['/v2/models/deepfm/infer', { inputs: 'x' }, /'inputs' must be an array of input tensors, got string/],
    [
      '/v2/models/deepfm/infer',
      { inputs: [{ name: 'C1', shape: [1], datatype: 'STRING', data: ['a'] }] },
      /inputs\[0\] \(C1\): datatype must be one of BOOL, .*BYTES, got "STRING"/,
    ],
    [
      '/v2/models/deepfm/infer',
      { inputs: [{ name: 'C1', shape: [2, 3], datatype: 'BYTES', data: ['a'] }] },
      /shape must be \[rows\] or \[rows, 1\], got \[2,3\]/,
    ],
    [
      '/v2/models/deepfm/infer',
      { inputs: [{ name: 'C1', shape: [2], datatype: 'BYTES', data: ['a'] }] },
      /shape \[2\] needs 2 values, data has 1/,
    ],
    [
      '/v2/models/deepfm/infer',
      {
        inputs: [
          { name: 'C1', shape: [1], datatype: 'BYTES', data: ['a'] },
          { name: 'I1', shape: [2], datatype: 'FP32', data: [1, 2] },
        ],
      },
      /inputs\[1\] \(I1\) has 2 rows but input 'C1' has 1/,
    ],
    [
      '/v2/models/deepfm/infer',
      { inputs: [{ name: 'Z', shape: [1], datatype: 'BYTES', data: ['a'] }] },
      /'inputs' has column\(s\) the model does not know: Z/,
    ],
    ['/v2/models/deepfm/infer', { id: 7, inputs: [] }, /'id' must be a string, got number/],
    [
      '/v2/models/deepfm/infer',
      { inputs: [{ name: 'I2', shape: [1, 1], datatype: 'FP32', data: [['x']] }] },
      /inputs\[row 0\]: column I2: expected a number, got "x"/,
    ],
  ];
  for (const [path, body, message] of cases) {
    const r = await call(s, path, body);
    assert.equal(r.status, 400, `${JSON.stringify(body).slice(0, 80)}: ${JSON.stringify(r.json)}`);
    assert.match(r.json.error, message);
  }
  const other = await call(s, '/v2/models/nope/infer', { inputs: [] });
  assert.equal(other.status, 404);
  assert.match(other.json.error, /no model 'nope' here \(this server serves 'deepfm'\)/);
});

test('Open Inference Protocol: server and model metadata, health and readiness, and infer in the protocol\u2019s shapes', async () => {
  const s = await serve({ name: 'ctr' });
  const server = await call(s, '/v2');
  assert.equal(server.status, 200);
  assert.equal(server.json.name, 'slimctr');
  assert.equal(typeof server.json.version, 'string');
  assert.ok(Array.isArray(server.json.extensions));
  for (const path of ['/v2/health/live', '/v2/health/ready', '/v2/models/ctr/ready'])
    assert.equal((await call(s, path)).status, 200, path);
  const meta = await call(s, '/v2/models/ctr');
  assert.equal(meta.status, 200);
  assert.equal(meta.json.name, 'ctr');
  assert.deepEqual(
    meta.json.inputs.map((t: { name: string }) => t.name),
    loaded.encoders!.inputColumns,
  );
  for (const t of [...meta.json.inputs, ...meta.json.outputs]) {
    assert.equal(typeof t.name, 'string');
    assert.ok(['BYTES', 'FP32'].includes(t.datatype));
    assert.deepEqual(t.shape, [-1, 1]);
  }
  const some = rows.slice(3, 8);
  const inputs = meta.json.inputs.map((t: { name: string; datatype: string }) => ({
    name: t.name,
    shape: [some.length, 1],
    datatype: t.datatype,
    data: some.map((r) => (t.datatype === 'FP32' && r[t.name] !== '' ? Number(r[t.name]) : r[t.name])),
  }));
  const r = await call(s, '/v2/models/ctr/infer', { id: 'req-1', inputs });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json.model_name, 'ctr');
  assert.equal(r.json.id, 'req-1');
  assert.equal(r.json.outputs.length, 1);
  const out = r.json.outputs[0];
  assert.deepEqual([out.name, out.datatype, out.shape], ['probability', 'FP32', [some.length, 1]]);
  assert.ok(maxGap(out.data, referenceProbs(loaded, some)) < 1e-6);
  const versioned = await call(s, '/v2/models/ctr/versions/1/infer', { inputs });
  assert.equal(versioned.status, 200);
  assert.equal(versioned.json.id, undefined, 'no id asked, none echoed');
});

test('/metrics is Prometheus text counting requests, rows, batches, latency and rejections', async () => {
  const s = await serve();
  await call(s, '/predict', { rows: rows.slice(0, 4) });
  await call(s, '/predict', { rows: 'x' });
  const r = await fetch(`${s.url}/metrics`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await r.text();
  for (const line of text
    .trim()
    .split('\n')
    .filter((l) => l !== '')) {
    assert.match(
      line,
      /^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[\d.e+-]+|[a-z_]+(\{.*\})? (\+Inf|NaN))$/,
      `not exposition format: ${line}`,
    );
  }
  const value = (re: RegExp): number => Number(re.exec(text)?.[1]);
  assert.equal(value(/^slimctr_requests_total\{route="predict",status="200"\} (\d+)$/m), 1);
  assert.equal(value(/^slimctr_requests_total\{route="predict",status="400"\} (\d+)$/m), 1);
  assert.equal(value(/^slimctr_rows_total (\d+)$/m), 4);
  assert.equal(value(/^slimctr_batch_rows_count (\d+)$/m), 1);
  assert.equal(value(/^slimctr_rejected_requests_total\{reason="invalid"\} (\d+)$/m), 1);
  assert.equal(value(/^slimctr_request_duration_seconds_count\{route="predict"\} (\d+)$/m), 2);
});

test('past --max-queued-rows a request gets 503 with Retry-After, and every accepted request is answered', async () => {
  const s = await serve({ maxQueuedRows: 10, maxBatch: 1000, maxWaitMs: 400 });
  const first = call(s, '/predict', { rows: rows.slice(0, 8) });
  await new Promise((r) => setTimeout(r, 100));
  const refused = await call(s, '/predict', { rows: rows.slice(8, 16) });
  assert.equal(refused.status, 503);
  assert.equal(refused.headers.get('retry-after'), '1');
  assert.match(refused.json.error, /overloaded: 8 rows are waiting \(at most 10\)/);
  const small = call(s, '/predict', { rows: rows.slice(16, 18) });
  const [a, b] = await Promise.all([first, small]);
  assert.equal(a.status, 200);
  assert.ok(maxGap(a.json.predictions, referenceProbs(loaded, rows.slice(0, 8))) < 1e-6);
  assert.equal(b.status, 200);
  assert.ok(maxGap(b.json.predictions, referenceProbs(loaded, rows.slice(16, 18))) < 1e-6);
  const metrics = await (await fetch(`${s.url}/metrics`)).text();
  assert.match(metrics, /^slimctr_rejected_requests_total\{reason="overload"\} 1$/m);
});

/** A second toy model (another seed, so other weights) with the same columns. */
async function otherModel(): Promise<string> {
  await getEngine();
  const dir = scratchDir('protocols-b');
  const { config } = toySetup(dir);
  config.training.epochs = 1;
  config.training.seed = 99;
  config.model.hidden = [8];
  await train(parseTrainConfig(config), {
    progress: new ProgressReporter({ mode: 'json', stream: { write: () => true } }),
  });
  return join(config.run.dir, 'model.safetensors');
}

test('reload swaps in a new model file while in-flight requests finish on the old one; a bad file leaves the old model serving', async () => {
  const served = join(scratchDir('protocols-reload'), 'model.safetensors');
  copyFileSync(run.modelPath, served);
  const s = await serve({ maxWaitMs: 300 }, served);
  const some = rows.slice(0, 5);
  const before = referenceProbs(loaded, some);
  const inFlight = call(s, '/predict', { rows: some });
  await new Promise((r) => setTimeout(r, 50));
  const other = await otherModel();
  copyFileSync(other, served);
  await s.reload();
  const old = await inFlight;
  assert.equal(old.status, 200);
  assert.ok(
    maxGap(old.json.predictions, before) < 1e-6,
    'the request in flight was scored by the model it was encoded for',
  );
  const after = referenceProbs(loadModel(other), some);
  assert.ok(maxGap(before, after) > 1e-3, 'the two models differ');
  const now = await call(s, '/predict', { rows: some });
  assert.ok(maxGap(now.json.predictions, after) < 1e-6, 'new requests go to the new model');
  writeFileSync(served, 'not a model');
  await assert.rejects(s.reload(), /not a model|corrupt|safetensors/i);
  const still = await call(s, '/predict', { rows: some });
  assert.equal(still.status, 200);
  assert.ok(maxGap(still.json.predictions, after) < 1e-6, 'the last good model keeps serving');
  const meta = (await call(s, '/metadata')).json;
  assert.equal(meta.serving.reloads, 1);
  const metrics = await (await fetch(`${s.url}/metrics`)).text();
  assert.match(metrics, /slimctr_model_reloads_total\{result="ok"\} 1/);
  assert.match(metrics, /slimctr_model_reloads_total\{result="refused"\} 1/);
});
