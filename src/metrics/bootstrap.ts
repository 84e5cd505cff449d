/**
 * Paired bootstrap for comparing two models' AUC on the same labelled set: resample items with
 * replacement (the same resample for both models), recompute both AUCs, and report the spread of
 * their difference. Seeded, so a run can be repeated exactly.
 */
import { argsortScores, checkInputs, rocAuc, weightedAucInOrder, type Labels, type Scores } from './auc.js';
import { mulberry32 } from '../util/random.js';
import { MetricError } from '../util/errors.js';

export interface BootstrapOptions {
  /** Number of resamples (default 200). */
  samples?: number;
  /** PRNG seed (default 0). */
  seed?: number;
}

export interface PairedAucResult {
  aucA: number;
  aucB: number;
  /** aucA - aucB on the full set. */
  diff: number;
  /** Standard deviation of the bootstrap differences: the standard error of `diff`. */
  stderr: number;
  /** 95% percentile interval of the bootstrap differences. */
  ci95: [number, number];
  /** Two-sided bootstrap p-value for "no difference" (share of resamples on the other side of 0, doubled). */
  pValue: number;
  /** Resamples used (resamples with a single class are skipped). */
  samples: number;
}

/** Linear-interpolated quantile of an ascending array. */
function quantile(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * AUC difference of model A over model B with its bootstrap standard error and 95% interval.
 * Cost: one O(n log n) sort per model, then O(n) per resample.
 */
export function pairedBootstrapAuc(
  labels: Labels,
  scoresA: Scores,
  scoresB: Scores,
  options: BootstrapOptions = {},
): PairedAucResult {
  const samples = options.samples ?? 200;
  if (!Number.isInteger(samples) || samples < 2)
    throw new MetricError(`bootstrap samples must be an integer >= 2, got ${samples}`);
  checkInputs(labels, scoresA, 'scores A');
  checkInputs(labels, scoresB, 'scores B');
  const aucA = rocAuc(labels, scoresA);
  const aucB = rocAuc(labels, scoresB);
  const n = labels.length;
  const orderA = argsortScores(scoresA);
  const orderB = argsortScores(scoresB);
  const rand = mulberry32(options.seed ?? 0);
  const weights = new Uint32Array(n);
  const diffs: number[] = [];
  for (let s = 0; s < samples; s++) {
    weights.fill(0);
    for (let j = 0; j < n; j++) weights[Math.floor(rand() * n)]++;
    const a = weightedAucInOrder(orderA, labels, scoresA, weights);
    const b = weightedAucInOrder(orderB, labels, scoresB, weights);
    if (!Number.isNaN(a) && !Number.isNaN(b)) diffs.push(a - b);
  }
  if (diffs.length < 2) throw new MetricError(`bootstrap: fewer than 2 of ${samples} resamples had both classes`);
  const m = diffs.reduce((x, y) => x + y, 0) / diffs.length;
  const variance = diffs.reduce((acc, d) => acc + (d - m) * (d - m), 0) / (diffs.length - 1);
  const sorted = Float64Array.from(diffs).sort();
  const below = diffs.filter((d) => d <= 0).length / diffs.length;
  const above = diffs.filter((d) => d >= 0).length / diffs.length;
  return {
    aucA,
    aucB,
    diff: aucA - aucB,
    stderr: Math.sqrt(variance),
    ci95: [quantile(sorted, 0.025), quantile(sorted, 0.975)],
    pValue: Math.min(1, 2 * Math.min(below, above)),
    samples: diffs.length,
  };
}
