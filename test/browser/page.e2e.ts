/**
 * End-to-end test of the browser page (`npm run test:browser`, not part of `npm test`): the built
 * page (dist/web) served with COOP/COEP headers (and once without), Debian's Chromium driven by playwright-core,
 * a trained + compressed DeepFM loaded with `?model=` (also stored quantized: 4-bit tables, int8
 * weights), rows typed and scored; the probabilities shown must equal Node's. An ONNX fixture
 * (a tiny PyTorch export) loads too and scores TF-Serving JSON to PyTorch's recorded outputs. A screenshot goes to test-output/browser/ (git-ignored).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './chromium.js';
import { getEngine } from '../../src/kernels/engine.js';
import { loadModel } from '../../src/persist/model_file.js';
import { parseRows } from '../../src/web/rows.js';
import { encodeRows, inputColumns, predictProbabilities } from '../../src/api/score.js';
import { scratchDir } from '../train/toy_data.js';
import { fixtureBitsInt4, fixtureRowsTsv, saveFixtureModel } from '../web/model_fixture.js';
import { serveStatic, type StaticServer } from './static_server.js';
import { GraphModel } from '../../src/api/graph_model.js';
import { readNpz } from '../../src/data/formats/npz.js';
import { fixturePath } from '../models/onnx/fixture_files.js';
import { columnsOf } from '../web/graph_columns.js';

const ONNX_FIXTURE = 'deepfm_matrix_op17';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const webDir = join(root, 'dist', 'web');
const shotDir = join(root, 'test-output', 'browser');

let browser: Browser;
let server: StaticServer;
let modelPath = '';
let quantizedPath = '';
let params = 0;
const pageErrors: string[] = [];

before(async () => {
  assert.ok(
    existsSync(join(webDir, 'app.js')),
    'dist/web is not built: run `npm run test:browser` (it builds the page)',
  );
  await getEngine();
  modelPath = join(scratchDir('browser'), 'model.safetensors');
  params = saveFixtureModel(modelPath).params;
  quantizedPath = join(scratchDir('browser'), 'quantized.safetensors');
  saveFixtureModel(quantizedPath, fixtureBitsInt4);
  server = await serveStatic(webDir, {
    '/models/model.safetensors': modelPath,
    '/models/quantized.safetensors': quantizedPath,
    '/models/deepfm.onnx': fixturePath(ONNX_FIXTURE, '.onnx'),
  });
  browser = await launchChromium('browser test');
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function openPage(query: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 1000 } });
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('requestfailed', (req) => pageErrors.push(`request failed: ${req.url()}`));
  // Only the test's own server is reachable: anything else is a bug in the page.
  await page.route('**/*', (route) =>
    route.request().url().startsWith(server.url) ? route.continue() : route.abort(),
  );
  await page.goto(`${server.url}/index.html${query}`);
  return page;
}

/** Node's probabilities for `text`, from the model file loaded with the file system. */
function nodeProbabilities(text: string, file = modelPath): number[] {
  const loaded = loadModel(file);
  const parsed = parseRows(text, inputColumns(loaded));
  return [
    ...predictProbabilities(loaded.model, encodeRows(parsed.rows, loaded.encoders, loaded.meta.features, parsed.lines)),
  ];
}

async function score(page: Page, text: string, rows = text === fixtureRowsTsv ? 5 : 2): Promise<number[]> {
  await page.fill('#rows', text);
  await page.click('#score-button');
  await page.waitForFunction((n) => document.querySelectorAll('#predictions-table td.prob').length === n, rows);
  return page.$$eval('#predictions-table td.prob', (tds) => tds.map((td) => Number((td as HTMLElement).dataset.value)));
}

function assertClose(got: number[], want: number[]): void {
  assert.equal(got.length, want.length);
  got.forEach((p, i) => assert.ok(Math.abs(p - want[i]) <= 1e-5, `row ${i + 1}: page ${p}, Node ${want[i]}`));
}

test('the page loads a compressed model from ?model=, shows what it is, and scores rows like Node', async () => {
  const page = await openPage('?model=models/model.safetensors');
  await page.waitForSelector('#model-params', { timeout: 30_000 });
  assert.equal(await page.textContent('#model-kind'), 'deepfm');
  assert.equal(await page.textContent('#model-params'), params.toLocaleString('en-US'));
  assert.match((await page.textContent('#model-bytes')) ?? '', /KiB \([\d,]+ bytes\)/);
  assert.match((await page.textContent('#model-plan')) ?? '', /Method: AFM.*mlp\.layer15.*embeddings.*3/s);
  assert.match((await page.textContent('#metrics-table')) ?? '', /validation0\.\d{4}/);
  assert.match((await page.textContent('#model-kernels')) ?? '', /WebAssembly (relaxed-simd|simd128)/);
  // Cross-origin isolated: the kernels also run on Web Workers, one per core up to 4.
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  const threads = Math.min(4, cores);
  assert.match((await page.textContent('#model-kernels')) ?? '', new RegExp(`, ${threads} threads?$`));

  const want = nodeProbabilities(fixtureRowsTsv);
  assert.ok(new Set(want).size > 1, 'rows with different features get different probabilities');
  assertClose(await score(page, fixtureRowsTsv), want);
  assert.match((await page.textContent('#timing')) ?? '', /^5 rows \(TSV\) scored in one batch: [\d.]+ ms/);
  mkdirSync(shotDir, { recursive: true });
  await page.screenshot({ path: join(shotDir, 'page.png'), fullPage: true });

  // The same rows as JSON objects give the same probabilities.
  const json =
    '{"C1":"news","C2":"u42","C3":"ios","C4":"q7","C5":1,"I1":0.5,"I2":3}\n{"C1":"sports","C2":"u7","C3":"android","C4":"q1","C5":2,"I1":-1,"I2":0}';
  assertClose(await score(page, json), want.slice(0, 2));
  assert.deepEqual(pageErrors, []);
  await page.close();
});

test('the page loads a quantized model (4-bit tables, int8 weights), says so, and scores rows like Node', async () => {
  const page = await openPage('?model=models/quantized.safetensors');
  await page.waitForSelector('#model-params', { timeout: 30_000 });
  assert.match((await page.textContent('#model-plan')) ?? '', /Stored: int4 tables \+ int8 weights/);
  const want = nodeProbabilities(fixtureRowsTsv, quantizedPath);
  const float = nodeProbabilities(fixtureRowsTsv);
  assert.ok(
    want.some((p, i) => p !== float[i]),
    'the quantized model scores differently from the float one',
  );
  assertClose(await score(page, fixtureRowsTsv), want);
  assert.deepEqual(pageErrors, []);
  await page.close();
});

test('a bad row shows an error naming its line; a missing model file shows the HTTP status', async () => {
  const page = await openPage('?model=models/model.safetensors');
  await page.waitForSelector('#model-params', { timeout: 30_000 });
  await page.fill('#rows', 'C1\tC2\tC3\tC4\tC5\tI1\tI2\nnews\tu\tios\tq\t1\tlots\t1');
  await page.click('#score-button');
  await page.waitForSelector('#error:not([hidden])');
  assert.match((await page.textContent('#error')) ?? '', /^rows:2:6: column I1: expected a number, got "lots"/);
  await page.close();

  const missing = await openPage('?model=models/nope.safetensors');
  await missing.waitForSelector('#error:not([hidden])');
  assert.match((await missing.textContent('#error')) ?? '', /nope\.safetensors: HTTP 404/);
  await missing.close();
});

test('served without the cross-origin isolation headers (no SharedArrayBuffer), the page scores the same rows to the same probabilities', async () => {
  const plain = await serveStatic(webDir, { '/models/model.safetensors': modelPath }, false);
  try {
    const page = await browser.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${plain.url}/index.html?model=models/model.safetensors`);
    await page.waitForSelector('#model-params', { timeout: 30_000 });
    assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), false);
    assert.equal(await page.evaluate(() => typeof SharedArrayBuffer), 'undefined');
    assert.match((await page.textContent('#model-kernels')) ?? '', /1 thread \(page not cross-origin isolated\)/);
    assertClose(await score(page, fixtureRowsTsv), nodeProbabilities(fixtureRowsTsv));
    assert.deepEqual(pageErrors, []);
    await page.close();
  } finally {
    await plain.close();
  }
});

test("the page loads an ONNX export, lists its inputs, scores TF-Serving JSON to PyTorch's outputs and names a bad input", async () => {
  const page = await openPage('?model=models/deepfm.onnx');
  await page.waitForSelector('#model-params', { timeout: 30_000 });
  const g = GraphModel.fromBytes(readFileSync(fixturePath(ONNX_FIXTURE, '.onnx')));
  assert.equal(await page.textContent('#model-kind'), 'ONNX graph');
  assert.equal(await page.textContent('#model-params'), g.summary().params.toLocaleString('en-US'));
  assert.match((await page.textContent('#model-plan')) ?? '', /Imported ONNX graph \(opset 17\)/);
  const shown = (await page.textContent('#columns')) ?? '';
  for (const inp of g.inputs) assert.ok(shown.includes(`${inp.name}: `), `${inp.name} listed: ${shown}`);
  assert.match(shown, /: int64 \[\S+, \d+\]/);

  const { rows, columns } = columnsOf(g, ONNX_FIXTURE);
  const want = [...readNpz(fixturePath(ONNX_FIXTURE, '.expected.npz')).get('prob')!.data];
  assertClose(await score(page, JSON.stringify({ inputs: columns }), rows), want);
  const instances = Array.from({ length: rows }, (_, r) =>
    Object.fromEntries(Object.entries(columns).map(([k, c]) => [k, c[r]])),
  );
  await page.evaluate(() => document.getElementById('predictions')!.replaceChildren());
  assertClose(await score(page, JSON.stringify({ instances }), rows), want);

  const first = g.inputs[0];
  for (const [body, message] of [
    [{ inputs: { ...columns, nope: columns[first.name] } }, /nope, not an input of the graph/],
    [
      { inputs: { ...columns, [first.name]: columns[first.name].map((v) => [...(v as number[]), 0]) } },
      new RegExp(`inputs\\.${first.name}\\[0\\]: ${first.width + 1} values; input '${first.name}'`),
    ],
  ] as const) {
    await page.fill('#rows', JSON.stringify(body));
    await page.click('#score-button');
    await page.waitForFunction(
      (re) => new RegExp(re).test(document.getElementById('error')?.textContent ?? ''),
      message.source,
    );
  }
  assert.deepEqual(pageErrors, []);
  await page.close();
});

test('a browser without WebAssembly SIMD is told so before the model is downloaded', async () => {
  const page = await browser.newPage();
  const requested: string[] = [];
  page.on('request', (req) => requested.push(new URL(req.url()).pathname));
  // Stand in for an old browser: SIMD modules fail to validate.
  await page.addInitScript(() => {
    const validate = WebAssembly.validate.bind(WebAssembly);
    WebAssembly.validate = (bytes: BufferSource) => {
      const b = new Uint8Array(bytes instanceof ArrayBuffer ? bytes : (bytes as ArrayBufferView).buffer);
      return b.includes(0xfd) ? false : validate(bytes);
    };
  });
  await page.goto(`${server.url}/index.html?model=models/model.safetensors`);
  await page.waitForSelector('#error:not([hidden])');
  assert.match(
    (await page.textContent('#error')) ?? '',
    /this browser cannot run slimctr's kernels: it lacks WebAssembly SIMD/,
  );
  assert.ok(!requested.includes('/models/model.safetensors'), `the model was not requested: ${requested.join(', ')}`);
  await page.close();
});
