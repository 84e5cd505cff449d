/**
 * `npm run bench -- interaction [--models autoint,fibinet,...] [--threads 1,2] [--steps N] [--phases]`:
 * training samples/s and batch-4096 inference rows/s of the zoo on synthetic Criteo-shaped batches
 * (26 categorical fields, 13 numeric values as embedded fields: 39 fields, embedding 16).
 * 'fibinet-lr' is FiBiNET with its first MLP layer factored to rank 92 (as the compressor builds it).
 * `--train-batch N` sets the training batch (inference is always 4096). `--phases` adds a per-op
 * breakdown (ms per training step and per inference batch; SHAPES=1 in the environment keys it by
 * output shape too). Rates per CPU-second are printed beside wall-clock ones: on a busy machine
 * they are steadier (with one thread). Writes bench/results/interaction.json.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { backward, bceWithLogits, noGrad, observe } from '../src/autograd/index.js';
import { EmbeddingStore } from '../src/embedding/store.js';
import { initEngine } from '../src/kernels/engine.js';
import type { CTRModel } from '../src/models/model.js';
import { findModel } from '../src/models/registry.js';
import type { Batch, FeatureSpec } from '../src/nn/types.js';
import { LowRankLinear } from '../src/nn/low_rank_linear.js';
import { Optimizer, SLOTS } from '../src/optim/optimizer.js';
import { Rng } from '../src/tensor/rng.js';
import { tidy, type Tensor } from '../src/tensor/tensor.js';
import { timeBackward } from './lib/time_backward.js';
import { report, type Row } from './report.js';

const FIELDS = 26,
  NUMERIC = 13,
  BATCH = 4096,
  VOCAB = 40000;

function makeBatch(rng: Rng, BATCH: number): Batch {
  const ids = new Int32Array(BATCH * FIELDS),
    dense = new Float32Array(BATCH * NUMERIC),
    labels = new Float32Array(BATCH);
  for (let i = 0; i < ids.length; i++) ids[i] = Math.min(VOCAB - 1, Math.floor(VOCAB ** rng.next()) - 1);
  for (let i = 0; i < dense.length; i++) dense[i] = Math.log1p(Math.floor(50 ** rng.next()));
  for (let i = 0; i < BATCH; i++) labels[i] = rng.next() < 0.25 ? 1 : 0;
  return { rows: BATCH, ids, dense, labels };
}

function build(name: string): CTRModel {
  const spec: FeatureSpec = {
    categorical: Array.from({ length: FIELDS }, (_, i) => ({ name: `C${i + 1}`, vocab: VOCAB })),
    numeric: Array.from({ length: NUMERIC }, (_, i) => `I${i + 1}`),
  };
  const base = name === 'fibinet-lr' ? 'fibinet' : name;
  const entry = findModel(base)!;
  const model = entry.create(spec, entry.options.parse({}), {
    rng: new Rng(7),
    store: new EmbeddingStore(),
    slots: SLOTS.adam,
  });
  if (name === 'fibinet-lr') {
    const slot = model.parts().linears.find((s) => s.path === 'mlp.layer0')!;
    const first = slot.get();
    slot.set(new LowRankLinear(first.inDim, first.outDim, 92, 'none', new Rng(3)));
  }
  return model;
}

function trace(fn: () => Tensor, acc: Map<string, number>, bwd: boolean): void {
  const add = (k: string, ms: number): void => void acc.set(k, (acc.get(k) ?? 0) + ms);
  tidy(() => {
    let last = performance.now();
    let out: Tensor | null = null;
    observe(
      {
        op: (e) => {
          const now = performance.now();
          add(`fwd ${e.op}${process.env.SHAPES ? ` [${e.output.shape}]` : ''}`, now - last);
          last = performance.now();
        },
      },
      () => {
        out = fn();
      },
    );
    if (!bwd) return;
    timeBackward(out!, (op, t, ms) => add(`bwd ${op}${process.env.SHAPES ? ` [${t.shape}]` : ''}`, ms));
    backward(out!);
  });
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      models: { type: 'string', default: 'autoint,autointplus,fibinet,fibinet-lr,dcn,deepfm,nfm' },
      threads: { type: 'string', default: '1,2' },
      steps: { type: 'string', default: '3' },
      phases: { type: 'boolean', default: false },
      'no-train': { type: 'boolean', default: false },
      'train-batch': { type: 'string', default: String(BATCH) },
    },
  });
  const rng = new Rng(1);
  const batches = [makeBatch(rng, BATCH), makeBatch(rng, BATCH)];
  const tb = Number(values['train-batch']);
  const trainBatches = tb === BATCH ? batches : [makeBatch(rng, tb), makeBatch(rng, tb)];
  const steps = Number(values.steps);
  const rows: Row[] = [];
  for (const t of values.threads.split(',').map(Number)) {
    await initEngine({ threads: t });
    for (const name of values.models.split(',')) {
      const model = build(name);
      const opt = new Optimizer(model.params(), model.tables(), { kind: 'adam', lr: 1e-3 });
      const step = (b: Batch): number => {
        const l = tidy(() => {
          const loss = bceWithLogits(model.forward(b), b.labels!);
          backward(loss);
          return loss.data[0];
        });
        opt.step();
        opt.zeroGrad();
        return l;
      };
      let trainRate = NaN,
        trainCpu = NaN;
      if (!values['no-train']) {
        step(trainBatches[0]);
        const t0 = performance.now(),
          c0 = process.cpuUsage();
        for (let i = 0; i < steps; i++) step(trainBatches[i % 2]);
        trainRate = (steps * tb) / ((performance.now() - t0) / 1000);
        const cpu = process.cpuUsage(c0);
        trainCpu = (steps * tb) / ((cpu.user + cpu.system) / 1e6);
      }
      model.eval();
      const infer = (): void => noGrad(() => tidy(() => void model.forward(batches[0]).toArray()));
      infer();
      const times: number[] = [],
        cpus: number[] = [];
      const t1 = performance.now();
      while (times.length < 3 || (performance.now() - t1 < 1500 && times.length < 30)) {
        const s = performance.now(),
          c = process.cpuUsage();
        infer();
        times.push(performance.now() - s);
        const u = process.cpuUsage(c);
        cpus.push((u.user + u.system) / 1000);
      }
      const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      const inferRate = BATCH / (med(times) / 1000),
        inferCpu = BATCH / (med(cpus) / 1000);
      const n = (x: number): string => Math.round(x).toString().padStart(7);
      // Per CPU-second rates are steadier than wall-clock ones on a busy machine (one thread only).
      process.stderr.write(
        `threads=${t} ${name.padEnd(12)} train ${n(trainRate)} samples/s (${n(trainCpu)} per cpu-s)   infer ${n(inferRate)} rows/s (${n(inferCpu)} per cpu-s)\n`,
      );
      rows.push({
        threads: t,
        model: name,
        'train samples/s': Math.round(trainRate),
        'train per cpu-s': Math.round(trainCpu),
        'infer rows/s': Math.round(inferRate),
        'infer per cpu-s': Math.round(inferCpu),
        'load (1 min)': loadavg()[0].toFixed(2),
      });
      if (values.phases) {
        for (const [label, bwd] of [
          ['train step', true],
          ['inference', false],
        ] as const) {
          const acc = new Map<string, number>();
          if (bwd) {
            model.train();
            trace(() => bceWithLogits(model.forward(trainBatches[0]), trainBatches[0].labels!), acc, true);
            opt.zeroGrad();
          } else {
            model.eval();
            noGrad(() => trace(() => model.forward(batches[0]), acc, false));
          }
          const top = [...acc].sort((a, b) => b[1] - a[1]).slice(0, 14);
          process.stderr.write(`  ${label}: ${top.map(([k, ms]) => `${k} ${ms.toFixed(1)}`).join(', ')}\n`);
        }
      }
      model.train();
    }
  }
  report('interaction', rows, { batch: BATCH, trainBatch: tb, steps });
}
