/**
 * The model server in-process on 127.0.0.1 port 0: correct predictions (object and array rows,
 * missing / unseen values), micro-batching across concurrent clients, requests split over
 * batches, every bad-request case (the server keeps serving), and the onnx engine.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LoadedModel } from '../../src/persist/model_file.js';
import type { PredictionServer, ServeOptions } from '../../src/serve/http.js';
import { csvRows, loadToy, maxGap, referenceProbs, serverStarter, toyRun, type ToyRun } from './fixture.js';

let run: ToyRun;
let loaded: LoadedModel;
let rows: Record<string, string>[];

before(async () => {
  run = await toyRun('server');
  loaded = loadToy(run);
  rows = csvRows(run.file);
});
const start = serverStarter(2);

const serve = (opts: Partial<ServeOptions> = {}): Promise<PredictionServer> => start(run.modelPath, opts);

async function post(s: PredictionServer, body: unknown, raw = false): Promise<{ status: number; json: any }> {
  const r = await fetch(`${s.url}/predict`, {
    method: 'POST',
    body: raw ? (body as string) : JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  return { status: r.status, json: await r.json() };
}

const asArray = (r: Record<string, string>) => loaded.encoders!.inputColumns.map((c) => r[c]);

test('POST /predict returns the probabilities slimctr computes in-process, for object and array rows', async () => {
  const s = await serve();
  const some = rows.slice(0, 40);
  const ref = referenceProbs(loaded, some);
  const a = await post(s, { rows: some });
  assert.equal(a.status, 200, JSON.stringify(a.json));
  assert.ok(maxGap(a.json.predictions, ref) < 1e-6);
  const b = await post(s, { rows: some.map(asArray) });
  assert.deepEqual(b.json.predictions, a.json.predictions);
  assert.deepEqual((await post(s, { rows: [] })).json, { predictions: [] });
  // Numbers stand for their text; an absent key, null and "" are all missing values.
  const r0: Record<string, string> = { ...rows[3], I2: '' };
  const { I2: _gone, ...noI2 } = r0;
  const same = await post(s, { rows: [r0, noI2, { ...r0, I2: null }, { ...r0, I1: Number(r0.I1) }] });
  assert.equal(new Set(same.json.predictions).size, 1, JSON.stringify(same.json));
  // Unseen categories go to OOV: two different unseen values score the same, unlike a seen one.
  const oov = await post(s, {
    rows: [{ ...rows[0], C1: 'never-seen-1' }, { ...rows[0], C1: 'never-seen-2' }, rows[0]],
  });
  assert.equal(oov.json.predictions[0], oov.json.predictions[1]);
  assert.ok(
    maxGap(
      oov.json.predictions,
      referenceProbs(loaded, [{ ...rows[0], C1: 'zzz' }, { ...rows[0], C1: 'zzz' }, rows[0]]),
    ) < 1e-6,
  );
  const health = await fetch(`${s.url}/health`);
  assert.deepEqual(await health.json(), { status: 'ok', workers: 2 });
  const meta = await (await fetch(`${s.url}/metadata`)).json();
  assert.equal(meta.kind, 'deepfm');
  assert.equal(meta.params, loaded.meta.params);
  assert.deepEqual(meta.input_columns, ['I1', 'C1', 'C2', 'C3', 'C4', 'I2']);
  assert.equal(meta.compression, null);
  assert.ok(meta.training.metrics.validation.auc > 0.5);
  assert.equal(meta.slimctr_version, loaded.meta.slimctr_version);
});

test('concurrent clients each get their own answers, and their rows are merged into shared batches', async () => {
  const s = await serve({ maxWaitMs: 15, maxBatch: 512 });
  const clients = 40;
  const asks = Array.from({ length: clients }, (_, c) => rows.slice(c * 7, c * 7 + 1 + (c % 5)));
  const answers = await Promise.all(asks.map((a) => post(s, { rows: a })));
  answers.forEach((r, c) => {
    assert.equal(r.status, 200);
    assert.ok(maxGap(r.json.predictions, referenceProbs(loaded, asks[c])) < 1e-6, `client ${c}`);
  });
  const stats = (await (await fetch(`${s.url}/metadata`)).json()).stats;
  assert.equal(stats.requests, clients);
  assert.equal(
    stats.rows,
    asks.reduce((n, a) => n + a.length, 0),
  );
  assert.ok(stats.batches < clients / 2, `${stats.batches} batches for ${clients} requests`);
  assert.ok(stats.max_batch_rows > 5, `largest batch ${stats.max_batch_rows} rows`);
});

test('a request bigger than --max-batch is split over batches and reassembled in order', async () => {
  const s = await serve({ maxBatch: 64, maxWaitMs: 0 });
  const big = rows.slice(100, 300);
  const r = await post(s, { rows: big });
  assert.equal(r.status, 200);
  assert.ok(maxGap(r.json.predictions, referenceProbs(loaded, big)) < 1e-6);
  const stats = (await (await fetch(`${s.url}/metadata`)).json()).stats;
  assert.equal(stats.batches, 4);
  assert.equal(stats.max_batch_rows, 64);
});

test('bad requests get 400 / 404 / 405 / 413 with a message naming the problem, and the server keeps serving', async () => {
  const s = await serve({ maxRows: 50, maxBodyBytes: 4096 });
  const cases: [unknown, number, RegExp][] = [
    ['{"rows": [', 400, /not valid JSON/],
    [[1, 2], 400, /must be a JSON object like \{"rows": \[\.\.\.\]\}, got array/],
    [{ data: [] }, 400, /missing field 'rows'/],
    [{ rows: { I1: '1' } }, 400, /'rows' must be an array of rows, got object/],
    [{ rows: rows.slice(0, 51) }, 400, /too many rows: 51 \(at most 50 per request\)/],
    [
      { rows: [rows[0], 'C1=a'] },
      400,
      /rows\[1\] must be an object \(column -> value\) or an array of values, got string/,
    ],
    [{ rows: [{ ...rows[0], C2: { v: 1 } }] }, 400, /rows\[0\]\.C2: expected a string, number or null, got object/],
    [{ rows: [{ ...rows[0], C2: true }] }, 400, /rows\[0\]\.C2: expected a string, number or null, got boolean/],
    [{ rows: [rows[0], { ...rows[1], I2: 'lots' }] }, 400, /rows\[1\]: column I2: expected a number, got "lots"/],
    [
      { rows: [['a1', 'b1']] },
      400,
      /rows\[0\] has 2 values; an array row needs 6, in this order: I1, C1, C2, C3, C4, I2/,
    ],
    [
      { rows: [['1', 'a1', 'b1', 'c1', 'd1', [3]]] },
      400,
      /rows\[0\]\[5\] \(column I2\): expected a string, number or null, got array/,
    ],
    [
      { rows: [rows[0], { ...rows[1], C22: 'x', site_idd: 'y' }] },
      400,
      /rows\[1\] has column\(s\) the model does not know: C22, site_idd .*--allow-unknown-columns/,
    ],
  ];
  for (const [body, status, message] of cases) {
    const r = await post(s, body, typeof body === 'string');
    assert.equal(r.status, status, `${JSON.stringify(body).slice(0, 60)}: ${JSON.stringify(r.json)}`);
    assert.match(r.json.error, message);
  }
  const huge = await fetch(`${s.url}/predict`, {
    method: 'POST',
    body: JSON.stringify({ rows: rows.slice(0, 3), padding: 'x'.repeat(5000) }),
  });
  assert.equal(huge.status, 413);
  assert.match((await huge.json()).error, /the body is \d+ bytes; the limit is 4096 \(--max-body-bytes\)/);
  const nowhere = await fetch(`${s.url}/predictions`);
  assert.equal(nowhere.status, 404);
  assert.match(
    (await nowhere.json()).error,
    /no route GET \/predictions \(routes: POST \/predict, POST \/v1\/models\/NAME:predict, POST \/v2\/models\/NAME\/infer, .*GET \/health, \/metadata, \/metrics\)/,
  );
  const wrongMethod = await fetch(`${s.url}/predict`);
  assert.equal(wrongMethod.status, 405);
  assert.equal(wrongMethod.headers.get('allow'), 'POST');
  const ok = await post(s, { rows: rows.slice(0, 3) });
  assert.equal(ok.status, 200);
  assert.ok(maxGap(ok.json.predictions, referenceProbs(loaded, rows.slice(0, 3))) < 1e-6);
  const stats = (await (await fetch(`${s.url}/metadata`)).json()).stats;
  assert.equal(stats.bad_requests, cases.length + 3);
});

test('--allow-unknown-columns: keys that are not model columns are ignored, as asked', async () => {
  const s = await serve({ allowUnknownColumns: true });
  const r = await post(s, { rows: [{ ...rows[0], session: 'abc' }, rows[0]] });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json.predictions[0], r.json.predictions[1]);
  assert.equal((await (await fetch(`${s.url}/metadata`)).json()).serving.allow_unknown_columns, true);
});

test('--engine onnx: workers run onnxruntime-node on the model exported at startup, same probabilities', async () => {
  const s = await serve({ engine: 'onnx', workers: 1 });
  const some = rows.slice(500, 560);
  const r = await post(s, { rows: some });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.ok(maxGap(r.json.predictions, referenceProbs(loaded, some)) < 1e-5);
  assert.equal((await (await fetch(`${s.url}/metadata`)).json()).serving.engine, 'onnx');
});
