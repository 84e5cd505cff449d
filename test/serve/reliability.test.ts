/**
 * Reliability of the serving path: numbers that do not fit the model's float32 inputs are refused
 * (files and requests, one parser for both), weights holding NaN are refused at load, a client
 * that half-closes after its POST gets its answer, and /health says 503 while draining.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getEngine } from '../../src/kernels/engine.js';
import { writeFileAtomic } from '../../src/io/atomic.js';
import { decodeModelFile, encodeModelFile } from '../../src/persist/container.js';
import { loadModel } from '../../src/persist/model_file.js';
import { PredictionServer, SERVE_DEFAULTS } from '../../src/serve/http.js';
import { parseTrainConfig } from '../../src/train/config.js';
import { ProgressReporter } from '../../src/train/progress.js';
import { train } from '../../src/train/trainer.js';
import { ModelFileError } from '../../src/util/errors.js';
import { csvRows } from './fixture.js';
import { scratchDir, toySetup } from '../train/toy_data.js';

const bin = fileURLToPath(new URL('../../../bin/slimctr.js', import.meta.url));
let dir: string, file: string, runDir: string, modelPath: string;
const servers: PredictionServer[] = [];

before(async () => {
  await getEngine();
  dir = scratchDir('reliable');
  const setup = toySetup(dir);
  file = setup.file;
  // I2 without a squashing transform, so a huge value reaches the model as it is.
  setup.config.features.numeric.I2 = { transform: 'standard', fill: 0 };
  setup.config.training.epochs = 1;
  setup.config.model.hidden = [8];
  await train(parseTrainConfig(setup.config), {
    progress: new ProgressReporter({ mode: 'json', stream: { write: () => true } }),
  });
  runDir = setup.config.run.dir;
  modelPath = join(runDir, 'model.safetensors');
});
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function serve(): Promise<PredictionServer> {
  const s = await PredictionServer.start(modelPath, { ...SERVE_DEFAULTS, port: 0, workers: 1 });
  servers.push(s);
  return s;
}

test('predict refuses a number past the float32 range with file:line:column instead of writing NaN', () => {
  const input = join(dir, 'overflow.csv');
  writeFileSync(input, 'label,I1,I2,C1,C2,C3,C4\n1,3,12,a1,b1,c1,d1\n0,3,1e39,a1,b1,c1,d1\n');
  const out = join(dir, 'overflow-preds.csv');
  const r = spawnSync(
    process.execPath,
    [bin, 'predict', '--model', runDir, '--input', input, '--output', out, '--quiet'],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /overflow\.csv:3:3: number '1e39' is out of the float32 range/);
  // Inside the float32 range but far outside the training data: the score is refused, not written as NaN.
  writeFileSync(input, 'label,I1,I2,C1,C2,C3,C4\n1,3,12,a1,b1,c1,d1\n0,3,3e38,a1,b1,c1,d1\n');
  const far = spawnSync(
    process.execPath,
    [bin, 'predict', '--model', runDir, '--input', input, '--output', out, '--quiet'],
    { encoding: 'utf8' },
  );
  assert.equal(far.status, 1, far.stderr);
  assert.match(far.stderr, /overflow\.csv: data row 2: the model's score is NaN/);
});

test("the server refuses overflowing and space-padded numbers with a 400 naming the column (the file readers' parser)", async () => {
  const s = await serve();
  const row = csvRows(file)[0];
  for (const [I2, message] of [
    ['1e39', /column I2: "1e39" is out of the float32 range/],
    [1e39, /column I2: 1e\+39 is out of the float32 range/],
    [' 12 ', /column I2: expected a number, got " 12 "/],
    ['3e38', /rows\[0\]: the model's score is NaN/],
  ] as const) {
    const r = await fetch(`${s.url}/predict`, { method: 'POST', body: JSON.stringify({ rows: [{ ...row, I2 }] }) });
    const body = await r.json();
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.match(body.error, message);
  }
});

test('a model file whose weights hold NaN (checksums valid) is refused at load', () => {
  const f = decodeModelFile(readFileSync(modelPath), modelPath);
  const name = [...f.tensors.keys()].find((k) => !k.startsWith('encoders.'))!;
  (f.tensors.get(name)!.data as Float32Array)[0] = NaN;
  const bad = join(dir, 'nan.safetensors');
  writeFileAtomic(bad, encodeModelFile(f.tensors, f.meta, bad));
  assert.throws(
    () => loadModel(bad),
    (e: unknown) =>
      e instanceof ModelFileError &&
      new RegExp(`tensor '${name.replace(/\./g, '\\.')}' holds NaN at index 0`).test(e.message),
  );
  const r = spawnSync(process.execPath, [bin, 'export', '--model', bad, '--out', join(dir, 'nan.onnx')], {
    encoding: 'utf8',
  });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /holds NaN/);
});

/** Sends raw bytes, half-closes, and collects the whole answer. */
function halfClose(url: string, request: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(port), '127.0.0.1', () => sock.end(request));
    let got = '';
    sock.on('data', (d) => (got += d));
    sock.on('end', () => resolve(got));
    sock.on('error', reject);
  });
}

test('a client that half-closes after its POST gets the answer; /health is 503 while draining', async () => {
  const s = await serve();
  const body = JSON.stringify({ rows: [csvRows(file)[0]] });
  const answer = await halfClose(
    s.url,
    `POST /predict HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
  );
  assert.match(answer, /^HTTP\/1\.1 200 OK/);
  assert.match(answer, /"predictions":\[0\.\d+\]/);
  // A request already in flight when draining starts: its /health answer says 503.
  const { port } = new URL(s.url);
  const health = new Promise<string>((resolve, reject) => {
    const sock = connect(Number(port), '127.0.0.1', () => {
      sock.write('GET /health HTTP/1.1\r\nHost: x\r\n');
      setTimeout(() => {
        void s.close();
        sock.end('\r\n');
      }, 50);
    });
    let got = '';
    sock.on('data', (d) => (got += d));
    sock.on('end', () => resolve(got));
    sock.on('error', reject);
  });
  const h = await health;
  assert.match(h, /^HTTP\/1\.1 503 Service Unavailable/, h);
  assert.match(h, /"status":"closing"/);
});
