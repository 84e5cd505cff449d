import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseOverrides, parseOverrideValue } from '../../src/config/overrides.js';
import { deepMerge, dottedPath, setDotted } from '../../src/config/merge.js';
import { closest } from '../../src/config/suggest.js';
import { ConfigError } from '../../src/util/errors.js';

test('override values are read as YAML: numbers, booleans, lists, strings', () => {
  assert.equal(parseOverrideValue('16'), 16);
  assert.equal(parseOverrideValue('1e-3'), 0.001);
  assert.equal(parseOverrideValue('true'), true);
  assert.equal(parseOverrideValue('false'), false);
  assert.deepEqual(parseOverrideValue('[400,400]'), [400, 400]);
  assert.equal(parseOverrideValue('adam'), 'adam');
  assert.equal(parseOverrideValue('runs/x y'), 'runs/x y');
  assert.equal(parseOverrideValue(''), '');
  assert.equal(parseOverrideValue('[1,'), '[1,', 'invalid YAML stays a string');
});

test('both --key=value and --key value forms; bare flags are true; other args pass through', () => {
  const r = parseOverrides(
    [
      'train',
      '--model.embedding_dim=16',
      '--training.lr',
      '1e-3',
      '--model.hidden=[400,400]',
      '--json',
      '--training.verbose',
      '--data.path',
      'a.csv',
      'extra',
    ],
    ['model', 'training'],
  );
  assert.deepEqual(r.values, {
    model: { embedding_dim: 16, hidden: [400, 400] },
    training: { lr: 0.001, verbose: true },
    data: { path: 'a.csv' },
  });
  assert.deepEqual(r.keys, ['model.embedding_dim', 'training.lr', 'model.hidden', 'training.verbose', 'data.path']);
  assert.deepEqual(r.rest, ['train', '--json', 'extra']);
  // a top-level section name without a dot counts as an override when listed
  assert.deepEqual(parseOverrides(['--seed=3'], ['seed']).values, { seed: 3 });
  assert.deepEqual(parseOverrides(['--training.lr=-1']).values, { training: { lr: -1 } });
});

test('repeated keys and clashing paths are ConfigErrors', () => {
  assert.throws(
    () => parseOverrides(['--a.b=1', '--a.b=2']),
    (e: unknown) => e instanceof ConfigError && e.path === 'a.b',
  );
  assert.throws(() => parseOverrides(['--a.b=1', '--a.b.c=2']), /config a\.b: is 1, not a mapping/);
});

test('deepMerge merges objects and replaces everything else, without mutating', () => {
  const base = { m: { a: 1, b: [1, 2], c: { d: 1 } }, t: 1 };
  const over = { m: { b: [3], c: { e: 2 } } };
  assert.deepEqual(deepMerge(base, over), { m: { a: 1, b: [3], c: { d: 1, e: 2 } }, t: 1 });
  assert.deepEqual(base, { m: { a: 1, b: [1, 2], c: { d: 1 } }, t: 1 });
  const o = {};
  setDotted(o, 'x.y.z', 5);
  assert.deepEqual(o, { x: { y: { z: 5 } } });
  assert.equal(dottedPath(['model', 'hidden', 0]), 'model.hidden[0]');
});

test('closest suggests near keys only', () => {
  assert.equal(closest('embeding_dim', ['embedding_dim', 'hidden']), 'embedding_dim');
  assert.equal(closest('lrr', ['lr', 'seed']), 'lr');
  assert.equal(closest('zzzzzz', ['lr', 'seed']), null);
});
