/**
 * Tiny synthetic CTR data with a planted ground truth that has pairwise field interactions, and a
 * short training run, so every zoo model can be checked to learn (and interaction models to beat LR).
 */
import { backward, bceWithLogits, noGrad, sigmoid } from '../../src/autograd/index.js';
import { EmbeddingStore } from '../../src/embedding/store.js';
import { rocAuc } from '../../src/metrics/index.js';
import type { ModelEntry } from '../../src/models/registry.js';
import type { Batch, FeatureSpec } from '../../src/nn/types.js';
import { Optimizer, SLOTS } from '../../src/optim/optimizer.js';
import { Rng } from '../../src/tensor/rng.js';
import { tidy } from '../../src/tensor/tensor.js';

export const tinySpec: FeatureSpec = {
  categorical: [8, 12, 6, 20, 5].map((vocab, i) => ({ name: `C${i + 1}`, vocab })),
  numeric: ['I1', 'I2'],
};

/** `rows` examples; the label logit mixes first-order effects and products of field effects. */
export function tinyData(rows: number, seed: number, spec = tinySpec): Batch {
  const truth = new Rng(99); // the same planted model for every split
  const F = spec.categorical.length,
    N = spec.numeric.length;
  const vec = spec.categorical.map((f) => Array.from({ length: f.vocab }, () => [truth.normal(), truth.normal()]));
  const w1 = spec.categorical.map((f) => Array.from({ length: f.vocab }, () => truth.normal() * 0.5));
  const rng = new Rng(seed);
  const ids = new Int32Array(rows * F),
    dense = new Float32Array(rows * N),
    labels = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let logit = -0.5;
    for (let f = 0; f < F; f++) ids[r * F + f] = rng.int(spec.categorical[f].vocab);
    for (let n = 0; n < N; n++) dense[r * N + n] = rng.normal();
    for (let f = 0; f < F; f++) {
      logit += w1[f][ids[r * F + f]];
      for (let g = f + 1; g < F; g++) {
        const a = vec[f][ids[r * F + f]],
          b = vec[g][ids[r * F + g]];
        logit += 0.6 * (a[0] * b[0] + a[1] * b[1]);
      }
    }
    logit += 0.5 * dense[r * N] - 0.3 * dense[r * N + 1] * dense[r * N + 1];
    labels[r] = rng.next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  }
  return { rows, ids, dense, labels };
}

/** The subset of `options` that `entry`'s schema knows (so one set of small sizes fits every model). */
export function optionsFor(entry: ModelEntry, options: Record<string, unknown>): Record<string, unknown> {
  const shape = (entry.options as unknown as { shape?: Record<string, unknown> }).shape ?? {};
  return Object.fromEntries(Object.entries(options).filter(([k]) => k in shape));
}

/** Rows [a, b) of a batch. */
export function sliceBatch(b: Batch, a: number, e: number): Batch {
  const F = b.ids.length / b.rows,
    N = b.dense.length / b.rows;
  return {
    rows: e - a,
    ids: b.ids.subarray(a * F, e * F),
    dense: b.dense.subarray(a * N, e * N),
    labels: b.labels?.subarray(a, e),
  };
}

export interface TinyRun {
  firstLoss: number;
  lastLoss: number;
  testAuc: number;
}

/** Trains `entry` with Adam for `epochs` over 4096 rows (batch 256) and scores 2048 held-out rows. */
export function trainTiny(entry: ModelEntry, options: Record<string, unknown>, epochs = 6, lr = 5e-3): TinyRun {
  const train = tinyData(4096, 1),
    test = tinyData(2048, 2);
  const store = new EmbeddingStore({ mainBudget: 64 * 2 ** 20 });
  const opts = entry.options.parse(options);
  const model = entry.create(tinySpec, opts, { rng: new Rng(7), store, slots: SLOTS.adam });
  const opt = new Optimizer(model.params(), model.tables(), { kind: 'adam', lr });
  const losses: number[] = [];
  for (let ep = 0; ep < epochs; ep++) {
    for (let a = 0; a < train.rows; a += 256) {
      const b = sliceBatch(train, a, a + 256);
      losses.push(
        tidy(() => {
          const loss = bceWithLogits(model.forward(b), b.labels!);
          backward(loss);
          return loss.data[0];
        }),
      );
      opt.step();
      opt.zeroGrad();
    }
  }
  model.eval();
  const p = noGrad(() => tidy(() => sigmoid(model.forward(test)).toArray()));
  const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
  return { firstLoss: mean(losses.slice(0, 4)), lastLoss: mean(losses.slice(-4)), testAuc: rocAuc(test.labels!, p) };
}
