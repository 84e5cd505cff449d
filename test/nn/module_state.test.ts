import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { EmbeddingStore } from '../../src/embedding/store.js';
import { getEngine } from '../../src/kernels/engine.js';
import { findModel } from '../../src/models/registry.js';
import { MLP } from '../../src/nn/mlp.js';
import { Rng } from '../../src/tensor/rng.js';
import { optionsFor, tinySpec } from '../models/tiny.js';

before(async () => {
  await getEngine();
});

test('Rng.getState/setState resume the same stream, the cached normal included', () => {
  const r = new Rng(7);
  r.normal(); // leaves a spare normal cached
  const s = r.getState();
  assert.notEqual(s.spare, null);
  const ahead = [r.normal(), r.next(), r.normal()];
  const other = new Rng(1);
  other.setState(s);
  assert.deepEqual([other.normal(), other.next(), other.normal()], ahead);
});

test('random streams and buffers are what modules register, named by module path', () => {
  const mlp = new MLP(4, { hidden: [3], dropout: 0.5, batchNorm: true }, new Rng(1));
  assert.deepEqual(
    mlp.namedRngs().map(([n]) => n),
    ['.rng'],
  );
  assert.deepEqual(
    mlp.namedBuffers().map(([n, a]) => [n, a.length]),
    [
      ['norm0.running_mean', 3],
      ['norm0.running_var', 3],
    ],
  );
  const entry = findModel('nfm')!;
  const store = new EmbeddingStore({ mainBudget: 2 ** 20 });
  const nfm = entry.create(tinySpec, entry.options.parse(optionsFor(entry, { hidden: [4] })), {
    rng: new Rng(2),
    store,
    slots: 0,
  });
  assert.deepEqual(
    nfm.namedRngs().map(([n]) => n),
    ['.rng', 'deep.rng'],
  );
});
