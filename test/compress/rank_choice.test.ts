import { test } from 'node:test';
import assert from 'node:assert/strict';
import { budgetOf, checkRankChoice, rankProblem } from '../../src/compress/rank_choice.js';
import { ConfigError } from '../../src/util/errors.js';

test('a rank choice from an API caller is exactly one rule; a bad one is a ConfigError naming its key', () => {
  assert.deepEqual(checkRankChoice({ by: 'ratio', ratio: 3 }), { by: 'ratio', ratio: 3 });
  assert.deepEqual(checkRankChoice({ by: 'ratio', ratio: 3, fieldEnergy: 0 }), {
    by: 'ratio',
    ratio: 3,
    fieldEnergy: 0,
  });
  assert.deepEqual(checkRankChoice({ by: 'budget', params: 5000 }), { by: 'budget', params: 5000 });
  assert.deepEqual(checkRankChoice({ by: 'energy', energy: 0.9 }), { by: 'energy', energy: 0.9 });
  assert.deepEqual(checkRankChoice({ by: 'ranks', ranks: { embedding: 2 } }), {
    by: 'ranks',
    ranks: { embedding: 2 },
  });
  const rejects = (v: unknown, key: string, words: RegExp): void =>
    assert.throws(
      () => checkRankChoice(v),
      (e: unknown) => e instanceof ConfigError && e.path === key && words.test(e.message),
      JSON.stringify(v),
    );
  rejects(undefined, 'rank', /expected \{ by: 'ratio', ratio \}/);
  rejects({ ratio: 2 }, 'rank.by', /must be ratio, budget, bytes, energy or ranks, got undefined/);
  assert.deepEqual(checkRankChoice({ by: 'bytes', bytes: 1e6 }), { by: 'bytes', bytes: 1e6 });
  rejects({ by: 'bytes', bytes: 0.5 }, 'rank.bytes', /a positive whole number of bytes/);
  rejects({ by: 'bytes', bytes: 100, ratio: 2 }, 'rank.ratio', /not a setting of \{ by: 'bytes' \}/);
  rejects({ by: 'ratio', ratio: 1 }, 'rank.ratio', /must be a number above 1, got 1/);
  rejects({ by: 'ratio', ratio: '2' }, 'rank.ratio', /must be a number above 1, got "2"/);
  rejects({ by: 'budget', params: 10.5 }, 'rank.params', /a positive integer/);
  rejects({ by: 'energy', energy: 1 }, 'rank.energy', /between 0 and 1/);
  rejects({ by: 'ratio', ratio: 2, fieldEnergy: 1 }, 'rank.fieldEnergy', /at least 0 and below 1/);
  // Two rules at once used to be settled silently by the order of an if/else.
  rejects({ by: 'energy', energy: 0.9, ratio: 2 }, 'rank.ratio', /not a setting of \{ by: 'energy' \}/);
  rejects({ by: 'energy', energy: 0.9, fieldEnergy: 0.5 }, 'rank.fieldEnergy', /not a setting/);
  rejects({ by: 'ranks', ranks: [3] }, 'rank.ranks', /mapping of target -> rank/);
});

test('the budget of a choice: params / ratio, or the params asked; none under energy or explicit ranks', () => {
  assert.equal(budgetOf({ by: 'ratio', ratio: 4 }, 1000), 250);
  assert.equal(budgetOf({ by: 'budget', params: 300 }, 1000), 300);
  assert.equal(budgetOf({ by: 'energy', energy: 0.9 }, 1000), null);
  assert.equal(budgetOf({ by: 'ranks', ranks: {} }, 1000), null);
  assert.equal(budgetOf({ by: 'bytes', bytes: 400 }, 1000), null, 'a file-size budget is not a parameter budget');
});

test('rank bounds: an integer in 1..max', () => {
  for (const k of [1, 7, 15]) assert.equal(rankProblem(k, 15), null);
  for (const k of [0, 16, 2.5, -1, Number.NaN, '3', null])
    assert.match(rankProblem(k, 15) ?? '', /^must be an integer in 1\.\.15, got /, String(k));
});
