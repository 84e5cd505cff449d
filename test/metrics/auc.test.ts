import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argsortScores, rocAuc, rocAucOrNull, weightedAucInOrder } from '../../src/metrics/auc.js';
import { MetricError } from '../../src/util/errors.js';
import { mulberry32 } from '../helpers.js';

/** O(n^2) definition: share of (positive, negative) pairs ranked right, ties counting 1/2. */
function bruteAuc(labels: number[], scores: number[]): number {
  let good = 0;
  let pairs = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < labels.length; j++) {
      if (labels[j] !== 0) continue;
      pairs++;
      good += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  return good / pairs;
}

function randomData(n: number, seed: number, levels: number): { labels: number[]; scores: number[] } {
  const r = mulberry32(seed);
  const labels: number[] = [];
  const scores: number[] = [];
  for (let i = 0; i < n; i++) {
    const y = r() < 0.3 ? 1 : 0;
    labels.push(y);
    scores.push(Math.floor((r() + 0.3 * y) * levels) / levels); // coarse: many ties
  }
  return { labels, scores };
}

test('AUC matches hand-computed values, with and without ties', () => {
  assert.equal(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.75);
  assert.equal(rocAuc([0, 0, 1, 1], [0.1, 0.5, 0.5, 0.9]), 0.875);
  assert.equal(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]), 0.5);
  assert.equal(rocAuc([1, 0, 1, 0, 0], [3, 1, 2, 2, 0]), 5.5 / 6);
  assert.equal(rocAuc([0, 1], [0, 1]), 1);
  assert.equal(rocAuc(new Uint8Array([1, 0]), new Float32Array([0, 1])), 0);
});

test('AUC agrees with the pairwise definition on random data with many ties', () => {
  for (const [seed, levels] of [
    [1, 5],
    [2, 50],
    [3, 1e6],
  ]) {
    const { labels, scores } = randomData(400, seed, levels);
    const got = rocAuc(labels, scores);
    assert.ok(Math.abs(got - bruteAuc(labels, scores)) < 1e-12, `seed ${seed}`);
    const w = new Uint8Array(labels.length).fill(1);
    assert.ok(Math.abs(weightedAucInOrder(argsortScores(scores), labels, scores, w) - got) < 1e-12);
  }
});

test('weighted AUC equals the AUC of the explicitly repeated data', () => {
  const { labels, scores } = randomData(100, 7, 10);
  const r = mulberry32(9);
  const w = labels.map(() => Math.floor(r() * 4));
  const repLabels: number[] = [];
  const repScores: number[] = [];
  labels.forEach((y, i) => {
    for (let k = 0; k < w[i]; k++) {
      repLabels.push(y);
      repScores.push(scores[i]);
    }
  });
  const got = weightedAucInOrder(argsortScores(scores), labels, scores, w);
  assert.ok(Math.abs(got - bruteAuc(repLabels, repScores)) < 1e-12);
  assert.ok(Number.isNaN(weightedAucInOrder(argsortScores(scores), labels, scores, labels)), 'positives only');
});

test('one class only, bad labels, non-finite scores and length mismatches are MetricErrors', () => {
  assert.throws(
    () => rocAuc([1, 1, 1], [0.1, 0.2, 0.3]),
    (e: unknown) => e instanceof MetricError && /all 3 labels are 1/.test(e.message),
  );
  assert.throws(() => rocAuc([0, 0], [0.1, 0.2]), /all 2 labels are 0/);
  assert.throws(() => rocAuc([], []), MetricError);
  assert.equal(rocAucOrNull([0, 0], [0.1, 0.2]), null);
  assert.equal(rocAucOrNull([0, 1], [0.1, 0.2]), 1);
  assert.throws(() => rocAuc([0, 2], [0.1, 0.2]), /label 1 is 2/);
  assert.throws(() => rocAuc([0, 1], [0.1, NaN]), /scores 1 is NaN/);
  assert.throws(() => rocAuc([0, 1], [0.1]), /2 labels but 1 scores/);
});

test('AUC on a million predictions is n log n, not quadratic', () => {
  const n = 1_000_000;
  const r = mulberry32(5);
  const labels = new Uint8Array(n);
  const scores = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = r() < 0.25 ? 1 : 0;
    scores[i] = Math.round((r() + 0.5 * labels[i]) * 1000) / 1000;
  }
  const t0 = performance.now();
  const auc = rocAuc(labels, scores);
  const ms = performance.now() - t0;
  // exact value for a uniform shift of 0.5 on [0, 1): 1 - 0.5^2 / 2 = 0.875 (up to rounding and sampling)
  assert.ok(Math.abs(auc - 0.875) < 0.003, `auc ${auc}`);
  assert.ok(ms < 5000, `took ${ms} ms`);
});
