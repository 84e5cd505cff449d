import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { csvRows, loadToy, maxGap, referenceProbs, toyRun, type ToyRun } from '../serve/fixture.js';

const bin = fileURLToPath(new URL('../../../bin/slimctr.js', import.meta.url));

let run: ToyRun;
before(async () => {
  run = await toyRun('serve-cli');
});

test('slimctr serve drains an in-flight request on SIGTERM, then stops its workers and exits 0', async () => {
  // A 400 ms batching window keeps the request in flight when the signal arrives.
  const child = spawn(
    process.execPath,
    [bin, 'serve', '--model', run.runDir, '--port', '0', '--workers', '1', '--max-wait-ms', '400'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '',
    err = '';
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line: ${out} ${err}`)), 15_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  const rows = csvRows(run.file).slice(0, 3);
  const started = Date.now();
  const pending = fetch(`${url}/predict`, { method: 'POST', body: JSON.stringify({ rows }) });
  await new Promise((r) => setTimeout(r, 100));
  child.kill('SIGTERM');
  const res = await pending;
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.ok(maxGap(body.predictions, referenceProbs(loadToy(run), rows)) < 1e-6);
  assert.ok(Date.now() - started >= 350, 'the answer came from the batch, after the signal');
  assert.equal(await exited, 0, err);
  assert.match(out, /SIGTERM: draining in-flight requests/);
  assert.match(out, /stopped after 1 requests, 3 rows in 1 batches/);
  await assert.rejects(fetch(`${url}/health`), 'no longer listening');
});

test('slimctr serve refuses bad options with a usage error', async () => {
  for (const [args, msg] of [
    [['--engine', 'tensorrt'], /slimctr serve: --engine: must be one of slimctr, onnx, got 'tensorrt'/],
    [['--max-batch', '0'], /--max-batch: must be a positive integer/],
  ] as const) {
    const child = spawn(process.execPath, [bin, 'serve', '--model', run.runDir, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    assert.equal(code, 2);
    assert.match(err, msg);
  }
});

test('slimctr serve reloads its model file on SIGHUP, and refuses a bad one while the old model keeps serving', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'slimctr-sighup-'));
  const served = join(dir, 'model.safetensors');
  copyFileSync(run.modelPath, served);
  const child = spawn(process.execPath, [bin, 'serve', '--model', served, '--port', '0', '--workers', '1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '',
    err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const waitFor = (re: RegExp, what: () => string): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const started = Date.now();
      const poll = setInterval(() => {
        const m = re.exec(what());
        if (m) {
          clearInterval(poll);
          resolve(m);
        } else if (Date.now() - started > 20_000) {
          clearInterval(poll);
          reject(new Error(`waited for ${re}: ${out} ${err}`));
        }
      }, 20);
    });
  try {
    const url = (await waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/, () => out))[1];
    child.kill('SIGHUP');
    await waitFor(/reloaded .*model\.safetensors/, () => out);
    writeFileSync(served, 'garbage');
    child.kill('SIGHUP');
    await waitFor(/reload refused, the old model keeps serving: .*model\.safetensors/, () => err);
    const rows = csvRows(run.file).slice(0, 2);
    const res = await fetch(`${url}/predict`, { method: 'POST', body: JSON.stringify({ rows }) });
    assert.equal(res.status, 200);
    assert.ok(maxGap((await res.json()).predictions, referenceProbs(loadToy(run), rows)) < 1e-6);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
  }
});
