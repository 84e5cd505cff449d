/**
 * `npm run bench -- web [--quick]`: slimctr's browser build against onnxruntime-web (wasm backend)
 * in headless Chromium (Debian's, through playwright-core; CHROMIUM_PATH overrides), on the same
 * models and the same encoded rows: the DeepFM pair of bench/lib/criteo_pair.ts (original and AFM
 * ratio 3) exported to ONNX for onnxruntime-web, and the criteo_80k test rows encoded once by
 * slimctr. Each case is a fresh browser context (nothing cached) on a local static server, with and
 * without cross-origin isolation (COOP/COEP). onnxruntime-web gets every core when isolated (its
 * threads need it), one otherwise; slimctr's browser build runs on the page's thread.
 * Columns: bytes downloaded (runtime JS + wasm + model), time from starting the runtime to the
 * first prediction, batch-1 latency and batch-256 throughput (each the median of groups' mean times:
 * bench/lib/web_page.ts).
 */
import { createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadModel } from '../src/persist/model_file.js';
import { writeOnnx } from '../src/serve/onnx/export.js';
import { formatTable } from '../src/cli/table.js';
import { launchChromium } from '../test/browser/chromium.js';
import { writeResultsSection } from './lib/results_doc.js';
import { criteoPair, encodeTestRows, type CriteoPair } from './lib/criteo_pair.js';
import { report, type Row } from './report.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

/** Static files by URL prefix (prefix -> folder), with or without the isolation headers. */
async function serve(routes: Record<string, string>, isolate: boolean): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const prefix = Object.keys(routes)
      .sort((a, b) => b.length - a.length)
      .find((p) => path.startsWith(p));
    const file = prefix === undefined ? '' : join(routes[prefix], normalize(path.slice(prefix.length)));
    if (!file || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': statSync(file).size,
      'Cache-Control': 'no-store',
      ...(isolate
        ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' }
        : {}),
    });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** The test rows encoded by the model's encoders, written as /data/{meta.json,ids.bin,dense.bin}. */
async function writeEncodedRows(dir: string, pair: CriteoPair): Promise<number> {
  const t = await encodeTestRows(pair);
  writeFileSync(join(dir, 'ids.bin'), t.ids);
  writeFileSync(join(dir, 'dense.bin'), t.dense);
  writeFileSync(join(dir, 'meta.json'), JSON.stringify({ rows: t.rows, fields: t.fields, numeric: t.numeric }));
  return t.rows;
}

/** The web section of docs/results.md: the table, and each target checked against this run. */
function writeWebSection(
  rows: Row[],
  results: Record<string, unknown>[],
  run: { chromium: string; kernels: string; testRows: number },
): void {
  const checks = results.map((r) => {
    const s = r.slimctr as PageResult,
      o = r.ort as PageResult;
    const tput = s.batch256RowsPerS / o.batch256RowsPerS,
      lat = s.batch1Ms / o.batch1Ms;
    return `| ${r.model} | ${r.isolated ? 'yes' : 'no'} | ${tput.toFixed(2)}x (${tput >= 1.5 ? 'met' : 'not met'}) | ${lat.toFixed(2)}x (${lat <= 1 ? 'met' : 'not met'}) | ${(r.max_prob_gap as number).toExponential(1)} |`;
  });
  writeResultsSection(
    'web',
    [
      '## Browser: slimctr/web against onnxruntime-web',
      '',
      `\`npm run bench -- web\`, ${new Date().toISOString().slice(0, 10)}: headless Chromium ${run.chromium}, ${cpus()[0]?.model} (${availableParallelism()} cores), load average ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')} at the end;`,
      `slimctr kernels: ${run.kernels}. The DeepFM pair of the serve benchmark (criteo_80k, rows split; original and AFM ratio 3),`,
      `the same ${run.testRows} encoded test rows for both runtimes, a fresh browser context per case, with and without cross-origin isolation; each timing follows 1.5 s of unmeasured calls (V8 tiers hot WebAssembly up meanwhile).`,
      '',
      formatTable(rows).trim(),
      '',
      "Targets (slimctr ÷ onnxruntime-web, same run): batch-256 throughput >= 1.5x, batch-1 latency <= 1x; last column: largest gap between the two runtimes' probabilities on the first 8 rows.",
      '',
      '| model | isolated | batch-256 throughput | batch-1 latency | prob gap |',
      '|---|---|---|---|---|',
      ...checks,
    ].join('\n'),
    [],
  );
}

interface PageResult {
  engine: string;
  kernels?: string;
  threads: number;
  isolated: boolean;
  firstMs: number;
  batch1Ms: number;
  batch256RowsPerS: number;
  check: number[];
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { quick: { type: 'boolean', default: false } } });
  if (!existsSync(join(root, 'dist', 'lib', 'web.js')))
    throw new Error('bench web: dist/lib/web.js is missing: run `npm run build`');
  const dir = mkdtempSync(join(tmpdir(), 'slimctr-bench-web-'));
  const browser = await launchChromium('bench web');
  try {
    const pair = await criteoPair(dir, {
      quick: values.quick,
      threads: 1,
      log: (m) => console.error(`web bench: ${m}`),
    });
    const models = [pair.original, pair.compressed].map((m, i) => {
      const onnx = join(dir, `model${i}.onnx`);
      const loaded = loadModel(m.path);
      writeOnnx(onnx, loaded.model, loaded.meta.features, { bits: loaded.meta.compression?.bits });
      return { ...m, onnx, slim: m.path };
    });
    const data = join(dir, 'data');
    mkdirSync(data);
    const testRows = await writeEncodedRows(data, pair);
    writeFileSync(
      join(dir, 'index.html'),
      '<!doctype html><meta charset="utf-8"><title>bench</title><script type="module" src="/harness.js"></script>',
    );
    const routes = {
      '/index.html': join(dir, 'index.html'),
      '/harness.js': join(root, 'dist', 'bench', 'lib', 'web_page.js'),
      '/slimctr/': join(root, 'dist', 'lib'),
      '/ort/': join(root, 'node_modules', 'onnxruntime-web', 'dist'),
      '/data/': data,
      '/models/': dir,
    };
    const rows: Row[] = [];
    const results: Record<string, unknown>[] = [];
    for (const isolate of [true, false]) {
      const { url, server } = await serve(routes, isolate);
      try {
        for (const m of models) {
          const byEngine: Record<string, PageResult & { bytes: number }> = {};
          for (const eng of ['slimctr', 'ort']) {
            const context = await browser.newContext();
            const page = await context.newPage();
            let bytes = 0;
            page.on('requestfinished', async (req) => {
              if (/\/(slimctr|ort|models)\//.test(new URL(req.url()).pathname))
                bytes += (await req.sizes()).responseBodySize;
            });
            const model =
              eng === 'ort' ? `/models/${m.onnx.split('/').pop()}` : `/models/${m.slim.slice(dir.length + 1)}`;
            await page.goto(`${url}/index.html?engine=${eng}&model=${encodeURIComponent(model)}`);
            await page.waitForFunction(
              () => {
                const w = window as unknown as Record<string, unknown>;
                return w.benchResult !== undefined || w.benchError !== undefined;
              },
              undefined,
              { timeout: 600_000, polling: 200 },
            );
            const out = await page.evaluate(() => {
              const w = window as unknown as Record<string, unknown>;
              return { result: w.benchResult as PageResult | undefined, error: w.benchError as string | undefined };
            });
            await context.close();
            if (!out.result) throw new Error(`bench web: ${eng} on ${m.name}: ${out.error}`);
            byEngine[eng] = { ...out.result, bytes };
          }
          const s = byEngine.slimctr,
            o = byEngine.ort;
          const gap = Math.max(...s.check.map((p, i) => Math.abs(p - o.check[i])));
          for (const r of [s, o]) {
            rows.push({
              model: m.name,
              isolated: isolate ? 'yes' : 'no',
              runtime:
                r.engine === 'ort'
                  ? 'onnxruntime-web 1.31 (wasm)'
                  : `slimctr/web (${r.kernels?.replace('slimctr WebAssembly ', '')})`,
              threads: r.threads,
              'MB downloaded': Number((r.bytes / 2 ** 20).toFixed(2)),
              'first prediction ms': Math.round(r.firstMs),
              'batch-1 ms': Number(r.batch1Ms.toFixed(3)),
              'batch-256 rows/s': Math.round(r.batch256RowsPerS),
            });
          }
          rows.push({
            model: m.name,
            isolated: isolate ? 'yes' : 'no',
            runtime: 'slimctr ÷ onnxruntime-web',
            threads: '',
            'MB downloaded': Number((s.bytes / o.bytes).toFixed(3)),
            'first prediction ms': Number((s.firstMs / o.firstMs).toFixed(2)),
            'batch-1 ms': Number((s.batch1Ms / o.batch1Ms).toFixed(2)),
            'batch-256 rows/s': Number((s.batch256RowsPerS / o.batch256RowsPerS).toFixed(2)),
          });
          results.push({ model: m.name, isolated: isolate, slimctr: s, ort: o, max_prob_gap: gap });
        }
      } finally {
        await new Promise((r) => server.close(r));
      }
    }
    if (!values.quick)
      writeWebSection(rows, results, {
        chromium: browser.version(),
        kernels: String((results[0]?.slimctr as PageResult | undefined)?.kernels),
        testRows,
      });
    report('web', rows, {
      cpu: cpus()[0]?.model,
      cores: availableParallelism(),
      kernels: results.map((r) => (r.slimctr as PageResult).kernels)[0],
      chromium: browser.version(),
      loadavg_at_end: loadavg(),
      test_rows: testRows,
      params: { original: pair.original.params, afm: pair.compressed.params },
      auc: { original: pair.original.auc, afm: pair.compressed.auc },
      results,
    });
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
