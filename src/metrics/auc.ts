/**
 * Exact ROC AUC (the Mann-Whitney U statistic): the probability that a random positive scores
 * above a random negative, ties counting one half. O(n log n) with native typed-array sorts, float64
 * sums (exact for any realistic n: rank sums stay far below 2^53).
 */
import { MetricError } from '../util/errors.js';

export type Labels = ArrayLike<number>;
export type Scores = ArrayLike<number>;

/** Checks lengths, labels in {0, 1} and finite scores; returns the number of positives. */
export function checkInputs(labels: Labels, scores: Scores, what = 'scores'): number {
  if (labels.length !== scores.length) {
    throw new MetricError(`${labels.length} labels but ${scores.length} ${what}`);
  }
  let pos = 0;
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y === 1) pos++;
    else if (y !== 0) throw new MetricError(`label ${i} is ${y}; labels must be 0 or 1`);
    if (!Number.isFinite(scores[i]))
      throw new MetricError(`${what} ${i} is ${scores[i]}; scores must be finite numbers`);
  }
  return pos;
}

/**
 * AUC from all scores and the positives' scores, both sorted ascending. Each run of tied scores
 * gets the average of the ranks it spans; the positives' rank sum gives U.
 */
export function aucFromSorted(all: Float64Array, positives: Float64Array): number {
  const n = all.length;
  const nPos = positives.length;
  const nNeg = n - nPos;
  let rankSum = 0;
  let p = 0;
  let i = 0;
  while (i < n) {
    const v = all[i];
    let j = i + 1;
    while (j < n && all[j] === v) j++;
    let k = p;
    while (k < nPos && positives[k] === v) k++;
    // ranks i+1 .. j (1-based) are shared: average (i + 1 + j) / 2
    rankSum += (k - p) * ((i + 1 + j) / 2);
    p = k;
    i = j;
  }
  const u = rankSum - (nPos * (nPos + 1)) / 2;
  return u / (nPos * nNeg);
}

/**
 * ROC AUC of `scores` against 0/1 `labels`. Throws MetricError when only one class is present
 * (AUC is undefined there), on a length mismatch, a label other than 0/1, or a non-finite score.
 */
export function rocAuc(labels: Labels, scores: Scores): number {
  const nPos = checkInputs(labels, scores);
  const n = labels.length;
  if (nPos === 0 || nPos === n) {
    throw new MetricError(`AUC is undefined: all ${n} labels are ${nPos === 0 ? 0 : 1} (need both classes)`);
  }
  const all = Float64Array.from(scores);
  const positives = new Float64Array(nPos);
  for (let i = 0, k = 0; i < n; i++) if (labels[i] === 1) positives[k++] = all[i];
  all.sort();
  positives.sort();
  return aucFromSorted(all, positives);
}

/** Like rocAuc but returns null instead of throwing when only one class is present. */
export function rocAucOrNull(labels: Labels, scores: Scores): number | null {
  const nPos = checkInputs(labels, scores);
  if (nPos === 0 || nPos === labels.length) return null;
  return rocAuc(labels, scores);
}

/**
 * Weighted AUC over items visited in ascending score order (`order`), item i counted weights[i]
 * times. Linear time; used by the bootstrap, where the order is computed once. Returns NaN when
 * the weighted data has one class only.
 */
export function weightedAucInOrder(
  order: Uint32Array,
  labels: Labels,
  scores: Scores,
  weights: ArrayLike<number>,
): number {
  let negBelow = 0;
  let u = 0;
  let totalPos = 0;
  let i = 0;
  const n = order.length;
  while (i < n) {
    const v = scores[order[i]];
    let gPos = 0;
    let gNeg = 0;
    while (i < n && scores[order[i]] === v) {
      const idx = order[i];
      if (labels[idx] === 1) gPos += weights[idx];
      else gNeg += weights[idx];
      i++;
    }
    u += gPos * (negBelow + gNeg / 2);
    negBelow += gNeg;
    totalPos += gPos;
  }
  return totalPos === 0 || negBelow === 0 ? NaN : u / (totalPos * negBelow);
}

/** Indices 0..n-1 sorted by ascending score. */
export function argsortScores(scores: Scores): Uint32Array {
  const order = new Uint32Array(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => scores[a] - scores[b]);
}
