/**
 * `slimctr/web` as a front-end team uses it: the package installed from its tarball
 * (test/package/installed.ts), a page importing it bundled by esbuild, the kernel builds and the
 * kernel worker copied from `slimctr/web/kernels*.wasm` and `slimctr/web/worker.js` beside the
 * bundle, and Debian's Chromium scoring rows with it, served with and without cross-origin
 * isolation (with it, on Web Workers as well as the page's thread), a float model and the same model
 * stored quantized (4-bit tables, int8 weights). The probabilities must equal Node's.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from './chromium.js';
import { getEngine } from '../../src/kernels/engine.js';
import { loadModel } from '../../src/persist/model_file.js';
import { parseRows } from '../../src/web/rows.js';
import { encodeRows, inputColumns, predictProbabilities } from '../../src/api/score.js';
import { bundleConsumerPage, installPackage } from '../package/installed.js';
import { fixtureBitsInt4, fixtureRowsTsv, saveFixtureModel } from '../web/model_fixture.js';
import { serveStatic } from './static_server.js';

let browser: Browser;
let site = '';
let rows: Record<string, unknown>[] | unknown[][] = [];
const MODEL_FILES = ['model.safetensors', 'quantized.safetensors'];
/** Node's probabilities for `rows` by model file. */
const want = new Map<string, number[]>();

before(async () => {
  const pkg = installPackage();
  site = join(pkg.project, 'site');
  mkdirSync(site, { recursive: true });
  const { nodeImports } = await bundleConsumerPage(pkg, site);
  assert.deepEqual(nodeImports, []);
  const resolve = createRequire(join(pkg.project, 'package.json')).resolve;
  for (const f of ['kernels.wasm', 'kernels-relaxed.wasm', 'worker.js'])
    copyFileSync(resolve(`slimctr/web/${f}`), join(site, f));
  writeFileSync(
    join(site, 'index.html'),
    '<!doctype html><meta charset="utf-8"><title>consumer</title><script type="module">import { score } from "./page.js"; window.score = score;</script>',
  );
  await getEngine();
  saveFixtureModel(join(site, MODEL_FILES[0]));
  saveFixtureModel(join(site, MODEL_FILES[1]), fixtureBitsInt4);
  for (const file of MODEL_FILES) {
    const loaded = loadModel(join(site, file));
    const parsed = parseRows(fixtureRowsTsv, inputColumns(loaded));
    // Enough rows that the model's gemms are split over the kernel threads where there are several.
    parsed.rows = Array.from({ length: 120 }, () => parsed.rows).flat();
    rows = parsed.rows as typeof rows;
    want.set(file, [
      ...predictProbabilities(loaded.model, encodeRows(parsed.rows, loaded.encoders, loaded.meta.features)),
    ]);
  }
  browser = await launchChromium('browser test');
});

after(async () => {
  await browser?.close();
});

for (const isolate of [true, false]) {
  test(`a bundled page scores rows through slimctr/web like Node (float and quantized models), ${isolate ? 'with' : 'without'} cross-origin isolation`, async () => {
    const server = await serveStatic(site, {}, isolate);
    const errors: string[] = [];
    try {
      const page = await browser.newPage();
      page.on('pageerror', (err) => errors.push(err.message));
      await page.route('**/*', (route) =>
        route.request().url().startsWith(server.url) ? route.continue() : route.abort(),
      );
      await page.goto(`${server.url}/index.html`);
      await page.waitForFunction(() => typeof (window as unknown as { score?: unknown }).score === 'function');
      assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), isolate);
      type Scored = { probabilities: number[]; threads: number };
      for (const file of MODEL_FILES) {
        const got = await page.evaluate(
          async ([f, r]) =>
            (window as unknown as { score: (u: string, r: unknown) => Promise<Scored> }).score(f as string, r),
          [file, rows] as const,
        );
        const cores = await page.evaluate(() => navigator.hardwareConcurrency);
        assert.equal(got.threads, isolate ? Math.min(4, cores) : 1, `kernel threads on ${cores} cores`);
        const w = want.get(file)!;
        assert.equal(got.probabilities.length, w.length);
        got.probabilities.forEach((p, i) =>
          assert.ok(Math.abs(p - w[i]) <= 1e-5, `${file} row ${i + 1}: browser ${p}, Node ${w[i]}`),
        );
      }
      assert.deepEqual(errors, []);
      await page.close();
    } finally {
      await server.close();
    }
  });
}
