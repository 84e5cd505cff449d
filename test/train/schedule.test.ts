import { test } from 'node:test';
import assert from 'node:assert/strict';
import { afterValidation, initialLoop } from '../../src/train/schedule.js';

const cfg = { lr_decay_factor: 0.1, lr_patience: 1, early_stop_patience: 2 };

test('the learning rate decays after lr_patience flat evaluations and training stops after early_stop_patience', () => {
  const loop = initialLoop(1e-3);
  const seq = [0.70, 0.72, 0.71, 0.73, 0.73, 0.725].map((auc, i) => ({ ...afterValidation(loop, auc, i + 1, cfg), lr: loop.lr }));
  assert.deepEqual(seq.map((d) => d.improved), [true, true, false, true, false, false]);
  assert.deepEqual(seq.map((d) => d.decayed), [false, false, true, false, true, true]);
  assert.deepEqual(seq.map((d) => d.stop), [false, false, false, false, false, true]);
  assert.ok(Math.abs(seq[5].lr - 1e-6) < 1e-18, `lr ${seq[5].lr}`);
  assert.equal(loop.bestAuc, 0.73);
  assert.equal(loop.bestEpoch, 4);
});

test('patience 0 disables decay and early stopping', () => {
  const loop = initialLoop(0.5);
  for (let i = 0; i < 5; i++) {
    const d = afterValidation(loop, 0.6, i + 1, { lr_decay_factor: 0.1, lr_patience: 0, early_stop_patience: 0 });
    assert.equal(d.stop, false);
  }
  assert.equal(loop.lr, 0.5);
  assert.equal(loop.sinceBest, 4);
});
