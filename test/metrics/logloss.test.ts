import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logloss, LOGLOSS_EPS } from '../../src/metrics/logloss.js';
import { MetricError } from '../../src/util/errors.js';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);

test('logloss matches hand-computed values', () => {
  close(logloss([1, 0], [0.9, 0.2]), -(Math.log(0.9) + Math.log(0.8)) / 2);
  close(logloss([1, 1, 0, 0], [0.5, 0.5, 0.5, 0.5]), Math.log(2));
  close(logloss(new Uint8Array([0]), new Float32Array([0.25])), -Math.log(0.75));
});

test('probabilities are clipped so certain mistakes cost a finite amount', () => {
  close(logloss([1], [0]), -Math.log(LOGLOSS_EPS));
  close(logloss([0], [1]), -Math.log(LOGLOSS_EPS), 1e-6);
  close(logloss([1], [1]), -Math.log(1 - LOGLOSS_EPS));
  close(logloss([1], [0], 1e-3), -Math.log(1e-3));
  assert.ok(Number.isFinite(logloss([1, 0], [0, 1])));
});

test('bad inputs are MetricErrors', () => {
  assert.throws(() => logloss([], []), MetricError);
  assert.throws(() => logloss([1], [1.5]), /probability 0 is 1.5/);
  assert.throws(() => logloss([1], [NaN]), /probabilities 0 is NaN/);
  assert.throws(() => logloss([3], [0.5]), /labels must be 0 or 1/);
  assert.throws(() => logloss([1], [0.5], 0), /eps/);
});
