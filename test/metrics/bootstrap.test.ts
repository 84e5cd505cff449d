import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pairedBootstrapAuc } from '../../src/metrics/bootstrap.js';
import { rocAuc } from '../../src/metrics/auc.js';
import { MetricError } from '../../src/util/errors.js';
import { mulberry32 } from '../helpers.js';

function data(n: number, seed: number) {
  const r = mulberry32(seed);
  const labels = new Uint8Array(n);
  const good = new Float64Array(n);
  const weak = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = r() < 0.3 ? 1 : 0;
    good[i] = r() + 0.6 * labels[i];
    weak[i] = r() + 0.2 * labels[i];
  }
  return { labels, good, weak };
}

test('a clearly better model: positive difference, interval excludes 0, small p', () => {
  const { labels, good, weak } = data(2000, 1);
  const r = pairedBootstrapAuc(labels, good, weak, { samples: 200, seed: 3 });
  assert.equal(r.aucA, rocAuc(labels, good));
  assert.equal(r.aucB, rocAuc(labels, weak));
  assert.equal(r.diff, r.aucA - r.aucB);
  assert.ok(r.diff > 0.1, `diff ${r.diff}`);
  assert.ok(r.stderr > 0.002 && r.stderr < 0.05, `stderr ${r.stderr}`);
  assert.ok(r.ci95[0] > 0 && r.ci95[0] < r.diff && r.diff < r.ci95[1], `ci ${r.ci95}`);
  assert.equal(r.pValue, 0);
  assert.equal(r.samples, 200);
});

test('identical models: zero difference and zero spread', () => {
  const { labels, good } = data(300, 2);
  const r = pairedBootstrapAuc(labels, good, good, { samples: 50 });
  assert.equal(r.diff, 0);
  assert.equal(r.stderr, 0);
  assert.deepEqual(r.ci95, [0, 0]);
  assert.equal(r.pValue, 1);
});

test('seeded: same seed same answer, another seed another resample', () => {
  const { labels, good, weak } = data(500, 4);
  const a = pairedBootstrapAuc(labels, good, weak, { samples: 30, seed: 1 });
  const b = pairedBootstrapAuc(labels, good, weak, { samples: 30, seed: 1 });
  const c = pairedBootstrapAuc(labels, good, weak, { samples: 30, seed: 2 });
  assert.deepEqual(a, b);
  assert.notEqual(a.stderr, c.stderr);
});

test('bad inputs are MetricErrors', () => {
  assert.throws(() => pairedBootstrapAuc([0, 1], [0.1, 0.2], [0.3], {}), /2 labels but 1 scores B/);
  assert.throws(() => pairedBootstrapAuc([1, 1], [0.1, 0.2], [0.3, 0.1]), MetricError);
  assert.throws(() => pairedBootstrapAuc([0, 1], [0.1, 0.2], [0.3, 0.1], { samples: 1 }), /samples/);
});
