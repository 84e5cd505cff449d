/**
 * `npm run bench -- train [--steps N] [--threads 1,2] [--vocab V] [--no-torch] [--no-phases] [--backends wasm,native]`:
 * DeepFM training throughput (samples/s), batch 4096, on synthetic Criteo-shaped data (26
 * categorical fields with Zipf-like ids, total vocabulary >= 1M, 13 numeric values), slimctr next
 * to a PyTorch reference of the same model (bench/torch_deepfm.py) at each thread count.
 * Each kernel backend gets its rows (default: wasm, and native where built; see report.ts).
 * Then a per-phase breakdown of a slimctr step (separate, traced steps: the timed ones are plain).
 * PyTorch runs once per BLAS found: Debian's python3-torch is built with BLAS_INFO=generic and
 * calls whatever libblas.so.3 loads (the reference libblas3 by default; OpenBLAS if
 * libopenblas0-pthread is installed), selected per run with LD_LIBRARY_PATH.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { backward, bceWithLogits, observe } from '../src/autograd/index.js';
import { EmbeddingStore } from '../src/embedding/store.js';
import { initEngine } from '../src/kernels/engine.js';
import { findModel } from '../src/models/registry.js';
import type { Batch, FeatureSpec } from '../src/nn/types.js';
import { Optimizer, SLOTS } from '../src/optim/optimizer.js';
import { Rng } from '../src/tensor/rng.js';
import { tidy, type Tensor } from '../src/tensor/tensor.js';
import { timeBackward } from './lib/time_backward.js';
import { benchBackends, kernelsOf, loadAverage, report, type Row } from './report.js';

const FIELDS = 26,
  NUMERIC = 13,
  BATCH = 4096;

/** The shared recipe (same in torch_deepfm.py): uniform u, id = min(v-1, floor(v^u) - 1); numeric log1p(floor(50^u')); label ~ Bernoulli(0.25). */
function makeBatches(count: number, vocab: number, seed: number): Batch[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const ids = new Int32Array(BATCH * FIELDS),
      dense = new Float32Array(BATCH * NUMERIC),
      labels = new Float32Array(BATCH);
    for (let i = 0; i < ids.length; i++) ids[i] = Math.min(vocab - 1, Math.floor(vocab ** rng.next()) - 1);
    for (let i = 0; i < dense.length; i++) dense[i] = Math.log1p(Math.floor(50 ** rng.next()));
    for (let i = 0; i < BATCH; i++) labels[i] = rng.next() < 0.25 ? 1 : 0;
    return { rows: BATCH, ids, dense, labels };
  });
}

interface Setup {
  step(b: Batch): number;
  phases(b: Batch, acc: Map<string, number>): void;
}

function setup(vocab: number): Setup {
  const spec: FeatureSpec = {
    categorical: Array.from({ length: FIELDS }, (_, i) => ({ name: `C${i + 1}`, vocab })),
    numeric: Array.from({ length: NUMERIC }, (_, i) => `I${i + 1}`),
  };
  const entry = findModel('deepfm')!;
  const opts = entry.options.parse({});
  const store = new EmbeddingStore();
  const model = entry.create(spec, opts, { rng: new Rng(7), store, slots: SLOTS.adam });
  // Two optimizers (same rule and step count) so dense and sparse updates time separately.
  const dense = new Optimizer(model.params(), [], { kind: 'adam', lr: 1e-3 });
  const sparse = new Optimizer([], model.tables(), { kind: 'adam', lr: 1e-3 });
  const step = (b: Batch): number => {
    const loss = tidy(() => {
      const l = bceWithLogits(model.forward(b), b.labels!);
      backward(l);
      return l.data[0];
    });
    dense.step();
    sparse.step();
    dense.zeroGrad();
    sparse.zeroGrad();
    return loss;
  };
  const add = (acc: Map<string, number>, k: string, ms: number): void => void acc.set(k, (acc.get(k) ?? 0) + ms);
  const phases = (b: Batch, acc: Map<string, number>): void => {
    tidy(() => {
      // Forward: each op reports when its output is ready; the time since the previous report is its cost.
      let last = performance.now();
      let loss: Tensor | null = null;
      observe(
        {
          op: (e) => {
            const now = performance.now();
            const k = e.op === 'lookupFields' ? 'embedding lookup forward' : 'dense forward';
            add(acc, k, now - last);
            add(acc, `  fwd ${e.op}`, now - last);
            last = performance.now();
          },
        },
        () => {
          loss = bceWithLogits(model.forward(b), b.labels!);
        },
      );
      add(acc, 'dense forward', performance.now() - last);
      // Backward: wrap every node's backward with a timer.
      timeBackward(loss!, (op, _out, ms) => {
        add(acc, op === 'lookupFields' ? 'sparse grad (dedupe + scatter-add)' : 'backward (dense)', ms);
        add(acc, `  bwd ${op}`, ms);
      });
      const t0 = performance.now();
      backward(loss!);
      add(acc, 'backward total', performance.now() - t0);
    });
    let t0 = performance.now();
    sparse.step();
    sparse.zeroGrad();
    add(acc, 'sparse embedding update', performance.now() - t0);
    t0 = performance.now();
    dense.step();
    dense.zeroGrad();
    add(acc, 'dense optimizer update', performance.now() - t0);
  };
  return { step, phases };
}

/** BLAS libraries torch can load (Debian's python3-torch calls whatever libblas.so.3 is found first). */
const BLAS = [
  { name: 'openblas', dir: '/usr/lib/x86_64-linux-gnu/openblas-pthread' },
  { name: 'reference (Debian default libblas3)', dir: '/usr/lib/x86_64-linux-gnu/blas' },
].filter((b) => existsSync(join(b.dir, 'libblas.so.3')));

interface TorchResult {
  ok: boolean;
  msg: string;
  /** `${blas}@${threads}` -> the script's JSON line. */
  rows: Map<string, Record<string, number>>;
}

function torchRows(threads: number[], steps: number, vocab: number): TorchResult {
  const py = '/usr/bin/python3';
  const has = (): boolean => spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  if (!has()) {
    process.stderr.write('torch missing: apt-get update && apt-get install -y python3-torch\n');
    const r = spawnSync(
      'sh',
      ['-c', 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y python3-torch'],
      { stdio: 'inherit' },
    );
    if (r.status !== 0 || !has())
      return {
        ok: false,
        msg: 'PyTorch rows skipped: python3-torch could not be installed (needs root and Debian packages)',
        rows: new Map(),
      };
  }
  const script = fileURLToPath(new URL('../../bench/torch_deepfm.py', import.meta.url));
  const rows = new Map<string, Record<string, number>>();
  for (const blas of BLAS.length ? BLAS : [{ name: 'system', dir: '' }]) {
    for (const t of threads) {
      // The reference BLAS is ~10x slower: fewer steps.
      const n = blas.name.startsWith('reference') ? Math.min(steps, 5) : steps;
      const env = {
        ...process.env,
        OMP_NUM_THREADS: String(t),
        OPENBLAS_NUM_THREADS: String(t),
        LD_LIBRARY_PATH: blas.dir,
      };
      const r = spawnSync(py, [script, '--threads', String(t), '--steps', String(n), '--vocab', String(vocab)], {
        encoding: 'utf8',
        env,
      });
      if (r.status !== 0) return { ok: false, msg: `PyTorch run failed: ${r.stderr.slice(-500)}`, rows };
      rows.set(`${blas.name}@${t}`, JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number>);
      process.stderr.write(
        `pytorch (${blas.name}) threads=${t}: ${Math.round(rows.get(`${blas.name}@${t}`)!.samples_per_s)} samples/s\n`,
      );
    }
  }
  return { ok: true, msg: '', rows };
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      steps: { type: 'string', default: '20' },
      threads: { type: 'string', default: '1,2' },
      vocab: { type: 'string', default: '40000' },
      'no-torch': { type: 'boolean', default: false },
      'no-phases': { type: 'boolean', default: false },
      backends: { type: 'string' },
    },
  });
  const backends = await benchBackends(values.backends);
  const steps = Number(values.steps),
    vocab = Number(values.vocab);
  const threads = values.threads.split(',').map(Number);
  const batches = makeBatches(8, vocab, 1);
  /** `${backend}@${threads}` -> samples/s; `kernels` -> what ran, for the table. */
  const ours = new Map<string, number>();
  const kernels = new Map<string, string>();
  const phaseRows: Row[] = [];
  for (const backend of backends)
    for (const t of threads) {
      const e = await initEngine({ threads: t, backend });
      const key = `${backend}@${t}`;
      kernels.set(key, kernelsOf(e));
      const s = setup(vocab);
      for (let i = 0; i < 3; i++) s.step(batches[i % batches.length]);
      const t0 = performance.now();
      let loss = 0;
      for (let i = 0; i < steps; i++) loss = s.step(batches[i % batches.length]);
      const sec = (performance.now() - t0) / 1000;
      ours.set(key, (steps * BATCH) / sec);
      process.stderr.write(
        `slimctr ${kernels.get(key)} threads=${t}: ${Math.round((steps * BATCH) / sec)} samples/s (loss ${loss.toFixed(4)}; load ${loadAverage()})\n`,
      );
      if (!values['no-phases']) {
        const acc = new Map<string, number>();
        const n = Math.max(5, Math.floor(steps / 2));
        for (let i = 0; i < n; i++) s.phases(batches[i % batches.length], acc);
        const total = [
          'embedding lookup forward',
          'dense forward',
          'backward total',
          'sparse embedding update',
          'dense optimizer update',
        ].reduce((a, k) => a + (acc.get(k) ?? 0), 0);
        for (const [k, ms] of [...acc].sort(
          (a, b) => (a[0].startsWith(' ') ? 1 : 0) - (b[0].startsWith(' ') ? 1 : 0) || b[1] - a[1],
        )) {
          phaseRows.push({
            kernels: kernels.get(key)!,
            threads: t,
            phase: k,
            'ms/step': ms / n,
            share:
              k.startsWith(' ') || k.startsWith('sparse grad') || k.startsWith('backward (')
                ? ''
                : `${((100 * ms) / total).toFixed(1)}%`,
          });
        }
      }
    }
  const torch: TorchResult = values['no-torch']
    ? { ok: false, msg: 'PyTorch rows skipped (--no-torch)', rows: new Map() }
    : torchRows(threads, steps, vocab);
  const rows: Row[] = [];
  for (const t of threads) {
    for (const b of backends) {
      rows.push({
        threads: t,
        kernels: kernels.get(`${b}@${t}`)!,
        'slimctr samples/s': Math.round(ours.get(`${b}@${t}`)!),
        'pytorch BLAS': '',
        'pytorch samples/s': '',
        'slimctr / pytorch': '',
      });
    }
    for (const [key, tr] of torch.rows) {
      const [blas, tt] = key.split('@');
      if (Number(tt) !== t) continue;
      for (const b of backends)
        rows.push({
          threads: t,
          kernels: kernels.get(`${b}@${t}`)!,
          'pytorch BLAS': blas,
          'pytorch samples/s': Math.round(tr.samples_per_s),
          'slimctr / pytorch': ours.get(`${b}@${t}`)! / tr.samples_per_s,
          'torch fwd ms': tr.forward_ms,
          'torch bwd ms': tr.backward_ms,
          'torch opt ms': tr.optim_ms,
        });
    }
  }
  if (!torch.ok) process.stdout.write(`${torch.msg}\n`);
  report('train', rows, {
    batch: BATCH,
    fields: FIELDS,
    numeric: NUMERIC,
    vocabPerField: vocab,
    totalIds: vocab * FIELDS,
    steps,
    phases: phaseRows,
    torchNote: torch.msg,
  });
  if (phaseRows.length) report('train-phases', phaseRows);
}
