/**
 * `npm run bench -- serve [--duration S] [--connections N] [--rows N] [--workers N] [--body json|binary] [--quick]`:
 * makes the DeepFM pair of bench/lib/criteo_pair.ts (original and AFM ratio 3), then load-tests
 * `slimctr serve` on 127.0.0.1 for each of: original and compressed model on slimctr's kernels,
 * and both exported to onnxruntime-node. Each case runs twice (engines A B B A), each run a fresh server process, a 3 s warm-up, then a
 * closed loop for half the duration of N keep-alive connections, each POSTing R raw rows per request:
 * `--body json` (default) as JSON rows to /predict, `--body binary` as Open Inference Protocol
 * binary tensors to /v2/models/NAME/infer (lib/serve_bodies.ts).
 * Prints requests/s, rows/s, p50/p99 latency and the server's mean batch size; then the per-row
 * cost of parsing and encoding a body against scoring it (lib/serve_costs.ts), which bounds how far
 * apart two models' served rows/s can be. Workers default to one per core.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CRITEO_COLUMNS } from '../src/data/index.js';
import { backendChoice, resolveBackend } from '../src/kernels/backend.js';
import { criteoPair, type PairModel } from './lib/criteo_pair.js';
import { BODY_NAMES, type BodyForm, type RequestBody, requestBodies } from './lib/serve_bodies.js';
import { type RowCosts, servedRowCosts } from './lib/serve_costs.js';
import { formatTable } from '../src/cli/table.js';
import { writeResultsSection } from './lib/results_doc.js';
import { report, type Row } from './report.js';

/** What the per-row costs allow: the served AFM ÷ original ratio cannot pass (encode + original) / (encode + AFM). */
function rowCostNote(c: RowCosts, batches: number[]): string {
  const [orig, afm] = c.scoreUs;
  const bound = (c.encodeUs + orig) / (c.encodeUs + afm);
  return (
    `Per row, one thread, timed in the bench process: parsing and encoding the request bodies (${c.body}) ${c.encodeUs.toFixed(1)} µs; ` +
    `scoring ${orig.toFixed(1)} µs (original, batches of ${Math.round(batches[0])}) and ${afm.toFixed(1)} µs (AFM, batches of ${Math.round(batches[1])}), ` +
    `${(orig / afm).toFixed(2)}x apart. With the encoding the same for both, served rows/s can differ by at most ` +
    `(${c.encodeUs.toFixed(1)} + ${orig.toFixed(1)}) / (${c.encodeUs.toFixed(1)} + ${afm.toFixed(1)}) = ${bound.toFixed(2)}x.`
  );
}

/** The serve section of docs/results.md for this body form (one section per form): the table, the targets checked against this run, and the per-row costs. */
function writeServeSection(
  rows: Row[],
  o: { duration: number; connections: number; rowsPerRequest: number; workers: number; form: BodyForm },
  costNote: string,
): void {
  const rate = (model: string, engine: string): number =>
    Number(rows.find((r) => String(r.model).startsWith(model) && r.engine === engine)?.['rows/s'] ?? NaN);
  const afmGain = rate('DeepFM AFM', 'slimctr') / rate('DeepFM original', 'slimctr');
  const vsOrt = ['DeepFM original', 'DeepFM AFM'].map((m) => rate(m, 'slimctr') / rate(m, 'onnxruntime-node'));
  const errors = rows.reduce((n, r) => n + Number(r.errors), 0);
  writeResultsSection(
    o.form === 'json' ? 'serve' : `serve-${o.form}`,
    [
      `## Serving: slimctr serve under load (${BODY_NAMES[o.form]})`,
      '',
      `\`npm run bench -- serve${o.form === 'json' ? '' : ` --body ${o.form}`}\`, ${new Date().toISOString().slice(0, 10)}: ${cpus()[0]?.model} (${availableParallelism()} cores), load average ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')} at the end;`,
      `${o.workers} inference worker(s), ${o.connections} keep-alive connections x ${o.rowsPerRequest} raw rows per request (${BODY_NAMES[o.form]}), ${o.duration} s per case in two halves (each model's engines in the order slimctr, onnxruntime, onnxruntime, slimctr), loopback; one kernel thread per worker (kernels: the engine's default backend).`,
      '',
      formatTable(rows).trim(),
      '',
      `Targets, same run: AFM ÷ original served rows/s on slimctr's kernels ${afmGain.toFixed(2)}x (target >= 2.5x: ${afmGain >= 2.5 ? 'met' : 'not met'});`,
      `slimctr ÷ onnxruntime-node ${vsOrt.map((v) => `${v.toFixed(2)}x`).join(' (original), ')} (AFM) (target >= 1x: ${vsOrt.every((v) => v >= 1) ? 'met' : 'not met'}); errors ${errors}.`,
      '',
      costNote,
    ].join('\n'),
    [],
  );
}

/** Load before measuring: the JIT compiles the server's hot paths (requests parsed, batches scored) meanwhile. */
const WARM_UP_MS = 3000;

const bin = fileURLToPath(new URL('../../bin/slimctr.js', import.meta.url));

interface LoadResult {
  requests: number;
  errors: number;
  latencies: number[];
  seconds: number;
}

/** Closed-loop load: `connections` loops each POSTing the next body to `url` as soon as the last answer came. */
async function load(url: string, bodies: RequestBody[], connections: number, ms: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  let errors = 0;
  const post = ({ body, headers }: RequestBody): Promise<boolean> =>
    new Promise((resolve) => {
      const req = request(
        url,
        {
          method: 'POST',
          agent,
          headers: { ...headers, 'content-length': body.length },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode === 200));
        },
      );
      req.on('error', () => resolve(false));
      req.end(body);
    });
  const t0 = performance.now(),
    end = t0 + ms;
  await Promise.all(
    Array.from({ length: connections }, async (_, c) => {
      for (let i = c; performance.now() < end; i += connections) {
        const s = performance.now();
        if (await post(bodies[i % bodies.length])) latencies.push(performance.now() - s);
        else errors++;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  return { requests: latencies.length, errors, latencies: latencies.sort((a, b) => a - b), seconds };
}

async function startServer(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [bin, 'serve', '--host', '127.0.0.1', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 60_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
  return { child, url };
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGTERM');
  await exited;
}

const pct = (xs: number[], p: number): number =>
  xs.length ? xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] : NaN;

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '16' },
      rows: { type: 'string', default: '16' },
      workers: { type: 'string' },
      'max-batch': { type: 'string', default: '256' },
      'max-wait-ms': { type: 'string', default: '2' },
      body: { type: 'string', default: 'json' },
      quick: { type: 'boolean', default: false },
    },
  });
  const quick = values.quick!;
  const form = values.body as BodyForm;
  if (form !== 'json' && form !== 'binary') throw new Error(`--body must be json or binary, got '${form}'`);
  const duration = Number(quick ? 3 : values.duration),
    connections = Number(values.connections),
    rowsPerRequest = Number(values.rows);
  // As many inference workers as cores: each both parses bodies and scores batches, and a worker
  // is busy far more than the event loop (the server's own default leaves one core to it).
  const workers = Number(values.workers ?? availableParallelism());
  const dir = mkdtempSync(join(tmpdir(), 'slimctr-bench-serve-'));
  try {
    const pair = await criteoPair(dir, {
      quick,
      threads: availableParallelism(),
      log: (m) => console.error(`serve bench: ${m}`),
    });
    const { file, plan } = pair;
    const models = [pair.original, pair.compressed];
    // Request bodies: raw test rows as objects by column name (label left out).
    const lines = readFileSync(file, 'utf8')
      .split('\n')
      .slice(pair.testRows[0] - 1, pair.testRows[1])
      .filter(Boolean);
    const objects = lines.map((l) =>
      Object.fromEntries(
        l
          .split('\t')
          .map((v, i) => [CRITEO_COLUMNS[i], v])
          .slice(1),
      ),
    );
    const requests = Array.from({ length: Math.floor(objects.length / rowsPerRequest) }, (_, i) =>
      objects.slice(i * rowsPerRequest, (i + 1) * rowsPerRequest),
    );
    const bodies = requestBodies(form, requests);
    // What the slimctr workers run: each starts its own one-thread engine with the default backend.
    const backend = await resolveBackend(backendChoice());
    const kernels = backend.name === 'native' ? `native ${backend.isa}` : 'wasm';
    const rows: Row[] = [];
    // Each model's two engines run in the order A B B A, and each row sums both runs of its case,
    // so a drift in the machine's load during the run falls on both alike.
    for (const m of models) {
      const runs = new Map<string, { r: LoadResult; rows: number; batches: number }[]>();
      for (const engineName of ['slimctr', 'onnx', 'onnx', 'slimctr']) {
        const { child, url } = await startServer([
          '--model',
          m.path,
          '--engine',
          engineName,
          '--workers',
          String(workers),
          '--max-batch',
          values['max-batch']!,
          '--max-wait-ms',
          values['max-wait-ms']!,
          '--name',
          'ctr',
        ]);
        const target = `${url}${form === 'json' ? '/predict' : '/v2/models/ctr/infer'}`;
        try {
          await load(target, bodies, connections, WARM_UP_MS);
          const before = (await (await fetch(`${url}/metadata`)).json()).stats;
          const r = await load(target, bodies, connections, (duration * 1000) / 2);
          const after = (await (await fetch(`${url}/metadata`)).json()).stats;
          const done = runs.get(engineName) ?? [];
          done.push({ r, rows: after.rows - before.rows, batches: after.batches - before.batches });
          runs.set(engineName, done);
        } finally {
          await stopServer(child);
        }
      }
      for (const [engineName, done] of runs) {
        const sum = (f: (d: (typeof done)[0]) => number) => done.reduce((t, d) => t + f(d), 0);
        const requests = sum((d) => d.r.requests),
          seconds = sum((d) => d.r.seconds),
          batches = sum((d) => d.batches);
        const latencies = done.flatMap((d) => d.r.latencies).sort((x, y) => x - y);
        rows.push({
          model: m.name,
          engine: engineName === 'onnx' ? 'onnxruntime-node' : 'slimctr',
          body: BODY_NAMES[form],
          kernels: engineName === 'onnx' ? 'onnxruntime (1 thread/worker)' : `${kernels} (1 thread/worker)`,
          params: m.params,
          'test AUC': Number(m.auc.toFixed(4)),
          'req/s': Math.round(requests / seconds),
          'rows/s': Math.round((requests * rowsPerRequest) / seconds),
          'p50 ms': Number(pct(latencies, 50).toFixed(2)),
          'p99 ms': Number(pct(latencies, 99).toFixed(2)),
          'rows/batch': batches ? Math.round(sum((d) => d.rows) / batches) : 0,
          errors: sum((d) => d.r.errors),
        });
      }
    }
    const served = (m: PairModel) => rows.find((r) => r.model === m.name && r.engine === 'slimctr')!;
    const costs = await servedRowCosts(
      models.map((m) => ({ path: m.path, batch: Number(served(m)['rows/batch']) })),
      requests,
      form,
    );
    const costNote = rowCostNote(
      costs,
      models.map((m) => Number(served(m)['rows/batch'])),
    );
    console.log(costNote);
    if (!quick) writeServeSection(rows, { duration, connections, rowsPerRequest, workers, form }, costNote);
    report('serve', rows, {
      duration_s: duration,
      connections,
      rows_per_request: rowsPerRequest,
      body: form,
      workers,
      max_batch: Number(values['max-batch']),
      max_wait_ms: Number(values['max-wait-ms']),
      loadavg_at_start: loadavg(),
      plan,
      data: file,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
