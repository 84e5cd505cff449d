import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupAuc } from '../../src/metrics/group_auc.js';
import { rocAuc } from '../../src/metrics/auc.js';
import { MetricError } from '../../src/util/errors.js';

test('group AUC is the impression-weighted mean over groups with both classes', () => {
  // group 7: AUC 1 over 2 items; group 3: AUC 2.5/4 over 4 items (a tie); group 42: all negative, skipped
  const rows: [number, number, number][] = [
    [3, 1, 0.2],
    [7, 1, 0.9],
    [42, 0, 0.5],
    [3, 0, 0.6],
    [42, 0, 0.1],
    [3, 0, 0.1],
    [7, 0, 0.1],
    [3, 1, 0.6],
    [42, 0, 0.3],
  ];
  const r = groupAuc(
    rows.map((x) => x[1]),
    rows.map((x) => x[2]),
    rows.map((x) => x[0]),
  );
  assert.equal(r.groups, 3);
  assert.equal(r.groupsUsed, 2);
  assert.equal(r.impressionsUsed, 6);
  assert.equal(r.gauc, (2 * 1 + 4 * 0.625) / 6);
});

test('one group gives the plain AUC', () => {
  const labels = [0, 1, 1, 0, 1];
  const scores = [0.3, 0.3, 0.9, 0.5, 0.1];
  assert.equal(groupAuc(labels, scores, [5, 5, 5, 5, 5]).gauc, rocAuc(labels, scores));
});

test('no group with both classes is a MetricError; mismatched lengths too', () => {
  assert.throws(
    () => groupAuc([0, 1], [0.1, 0.2], [1, 2]),
    (e: unknown) => e instanceof MetricError && /none of the 2 groups/.test(e.message),
  );
  assert.throws(() => groupAuc([0, 1], [0.1, 0.2], [1]), /2 labels but 1 group ids/);
});
