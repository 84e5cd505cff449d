/**
 * `npm run bench -- engine [--quick] [--backends wasm,native]`: sgemm GFLOP/s beside the core's
 * FP32 FMA peak (measured in the same run by the native addon's independent-FMA-chains loop), an
 * MLP training step (624-400-400-400-1, batch 4096, Adam), embedding gather + sparse Adam
 * throughput (26 tables, 10M rows x 16), and (unless --quick) a 33M-row table with Adam state
 * (6.3 GB) spread over several memories; each for every backend (default: wasm, and native where built).
 */
import { availableParallelism } from 'node:os';
import { backward, bceWithLogits, linear, lookupFields, relu } from '../src/autograd/index.js';
import { EmbeddingStore } from '../src/embedding/store.js';
import { initEngine, type Engine } from '../src/kernels/engine.js';
import { Optimizer } from '../src/optim/optimizer.js';
import { Rng } from '../src/tensor/rng.js';
import { Tensor, tidy } from '../src/tensor/tensor.js';
import { benchBackends, kernelsOf, loadAverage, report, type Row } from './report.js';

function timeIt(fn: () => void, minMs = 1500, warm = 3): number {
  for (let i = 0; i < warm; i++) fn();
  let reps = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    fn();
    reps++;
  }
  return (performance.now() - t0) / reps / 1000;
}

function sgemmBench(e: Engine): number {
  const M = 4096,
    N = 400,
    K = 624;
  const rng = new Rng(1);
  const A = Tensor.randn([M, K], rng),
    B = Tensor.randn([K, N], rng),
    C = new Tensor([M, N]);
  // The fastest of many calls, as for the FMA peak it is set against: the least disturbed by other processes.
  const run = () => e.sgemm(false, false, M, N, K, 1, A.ptr, K, B.ptr, N, 0, C.ptr, N);
  timeIt(run, 300);
  let s = Infinity;
  for (let i = 0; i < 60; i++) {
    const t0 = performance.now();
    run();
    s = Math.min(s, (performance.now() - t0) / 1000);
  }
  for (const t of [A, B, C]) t.dispose();
  return (2 * M * N * K) / s / 1e9;
}

function mlpBench(): { samples: number; gflops: number } {
  const batch = 4096,
    sizes = [624, 400, 400, 400, 1];
  const rng = new Rng(2);
  const params: Tensor[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    params.push(Tensor.param(Tensor.randn([sizes[i], sizes[i + 1]], rng, Math.sqrt(2 / sizes[i]))));
    params.push(Tensor.param(Tensor.zeros([sizes[i + 1]])));
  }
  const x = Tensor.randn([batch, 624], rng);
  const y = Float32Array.from({ length: batch }, () => (rng.next() < 0.25 ? 1 : 0));
  const opt = new Optimizer(params, [], { kind: 'adam', lr: 1e-3 });
  const s = timeIt(() => {
    tidy(() => {
      let h = x;
      for (let i = 0; i < params.length; i += 2) {
        h = linear(h, params[i], params[i + 1]);
        if (i + 2 < params.length) h = relu(h);
      }
      backward(bceWithLogits(h, y));
    });
    opt.step();
    opt.zeroGrad();
  }, 3000);
  // Forward 2*m*n*k per layer; backward: weight grad for every layer, input grad for layers 2..4.
  let macs = 0;
  for (let i = 0; i + 1 < sizes.length; i++) macs += sizes[i] * sizes[i + 1] * (i === 0 ? 2 : 3);
  for (const p of params) p.dispose();
  x.dispose();
  return { samples: batch / s, gflops: (2 * macs * batch) / s / 1e9 };
}

function embeddingBench(
  totalRows: number,
  fields: number,
  dim: number,
  store: EmbeddingStore,
): {
  rowsPerSec: number;
  groups: number;
  gb: number;
  phases: { lookup: number; backward: number; update: number };
  distinct: number;
} {
  const rng = new Rng(3);
  const per = Math.floor(totalRows / fields);
  const tables = Array.from({ length: fields }, (_, f) => store.create(`C${f + 1}`, per, dim, 2));
  for (const t of tables) t.init(rng, 'normal', 1e-2);
  const opt = new Optimizer([], tables, { kind: 'adam', lr: 1e-3 });
  const batch = 4096;
  // Zipf-like ids: most lookups hit a small head, as in click logs.
  const batches = Array.from({ length: 8 }, () =>
    Int32Array.from({ length: batch * fields }, () => Math.min(per - 1, Math.floor(per ** rng.next()) - 1)),
  );
  // The gradient arriving from the layer above (in a model: the first MLP layer's input gradient).
  const upstream = Tensor.randn([batch, fields, dim], rng, 1e-3);
  let k = 0,
    distinct = 0;
  // Milliseconds summed over steps, per phase: where the time goes (the update is bound by memory).
  const phases = { lookup: 0, backward: 0, update: 0 };
  const clock = (phase: keyof typeof phases, t0: number): number => {
    const t = performance.now();
    phases[phase] += t - t0;
    return t;
  };
  const s = timeIt(() => {
    const ids = batches[k++ % batches.length];
    let t = performance.now();
    tidy(() => {
      const out = lookupFields(tables, ids, batch);
      t = clock('lookup', t);
      backward(out, upstream);
      t = clock('backward', t);
    });
    for (const table of tables) for (const p of table.pending) distinct += p.n;
    opt.step();
    opt.zeroGrad();
    clock('update', t);
  }, 3000);
  upstream.dispose();
  const perStep = (x: number): number => x / k;
  return {
    rowsPerSec: (batch * fields) / s,
    groups: store.groups.length,
    gb: store.bytes() / 1e9,
    phases: { lookup: perStep(phases.lookup), backward: perStep(phases.backward), update: perStep(phases.update) },
    distinct: perStep(distinct),
  };
}

/**
 * One core's FP32 FMA peak (GFLOP/s) on the native ISA, from the addon's independent-FMA-chains
 * loop: the best of many short runs (the least disturbed by other processes); null without the addon.
 */
function fmaPeak(e: Engine): number | null {
  const { addon, isa } = e.backend;
  if (!addon || isa === null) return null;
  const k = addon.bind(new Uint8Array(e.heap.memory.buffer), isa);
  k.fma_peak(1e6);
  let best = 0;
  for (let i = 0; i < 40; i++) {
    const t0 = performance.now();
    const flops = k.fma_peak(2e5);
    best = Math.max(best, flops / ((performance.now() - t0) / 1000) / 1e9);
  }
  return best;
}

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const at = args.indexOf('--backends');
  const backends = await benchBackends(at >= 0 ? args[at + 1] : undefined);
  const cores = availableParallelism();
  const rows: Row[] = [];
  for (const backend of backends) {
    for (const threads of [1, 2]) {
      const e = await initEngine({ threads, backend });
      const kernels = kernelsOf(e),
        load = loadAverage();
      const peak = threads === 1 ? fmaPeak(e) : null;
      if (peak !== null)
        rows.push({
          benchmark: 'FP32 FMA peak, one core (independent FMA chains)',
          cores,
          threads,
          value: peak,
          unit: 'GFLOP/s',
          target: '',
          kernels,
          load,
        });
      const gemm = sgemmBench(e);
      rows.push({
        benchmark: 'sgemm 4096x624 @ 624x400',
        cores,
        threads,
        value: gemm,
        unit: 'GFLOP/s',
        target: threads === 1 ? '>= 50' : '>= 95',
        kernels,
        load,
      });
      if (peak !== null)
        rows.push({
          benchmark: '  (sgemm / FMA peak)',
          cores,
          threads,
          value: `${((100 * gemm) / peak).toFixed(1)}%`,
          unit: '',
          target: '>= 75%',
          kernels,
          load,
        });
      const m = mlpBench();
      rows.push({
        benchmark: 'MLP 624-400-400-400-1 train step, batch 4096, Adam',
        cores,
        threads,
        value: Math.round(m.samples),
        unit: 'samples/s',
        target: threads === 2 ? '>= 28000' : '',
        kernels,
        load: loadAverage(),
      });
      rows.push({
        benchmark: '  (same step, effective)',
        cores,
        threads,
        value: m.gflops,
        unit: 'GFLOP/s',
        target: '',
        kernels,
        load: loadAverage(),
      });
    }
  }
  for (const backend of backends) {
    const e = await initEngine({ threads: cores, backend });
    const emb = embeddingBench(10_000_000, 26, 16, new EmbeddingStore({ mainBudget: 3 * 2 ** 30 }));
    rows.push({
      benchmark: `embedding 26 tables, 10M x 16, gather + sparse Adam (${emb.gb.toFixed(2)} GB, ${emb.groups} memories)`,
      cores,
      threads: e.threads,
      value: Math.round(emb.rowsPerSec),
      unit: 'rows/s',
      target: '>= 30000000',
      kernels: kernelsOf(e),
      load: loadAverage(),
    });
    const { lookup, backward: back, update } = emb.phases;
    rows.push({
      benchmark: `  (per step: lookup ${lookup.toFixed(2)} ms, backward ${back.toFixed(2)} ms, Adam update of ${Math.round(emb.distinct)} distinct rows ${update.toFixed(2)} ms)`,
      cores,
      threads: e.threads,
      value: Number(((update * 1e6 * e.threads) / emb.distinct).toFixed(1)),
      unit: 'ns per distinct row updated, per thread',
      target: '',
      kernels: kernelsOf(e),
      load: loadAverage(),
    });
    if (!quick) {
      const full = embeddingBench(33_000_000, 26, 16, new EmbeddingStore());
      rows.push({
        benchmark: `embedding 26 tables, 33M x 16 + Adam state (${full.gb.toFixed(2)} GB, ${full.groups} memories)`,
        cores,
        threads: e.threads,
        value: Math.round(full.rowsPerSec),
        unit: 'rows/s',
        target: 'works past 4 GiB',
        kernels: kernelsOf(e),
        load: loadAverage(),
      });
    }
  }
  report('engine', rows);
}
