import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLr } from '../../src/train/progress.js';
import { afterValidation, initialLoop } from '../../src/train/schedule.js';

const cfg = { monitor: { auc: 1 }, min_delta: 0, lr_decay_factor: 0.1, lr_patience: 1, early_stop_patience: 2 };
const at = (auc: number, logloss = 0.5) => ({ auc, logloss });

test('the learning rate decays after lr_patience flat evaluations and training stops after early_stop_patience', () => {
  const loop = initialLoop(1e-3);
  const seq = [0.7, 0.72, 0.71, 0.73, 0.73, 0.725].map((auc, i) => ({
    ...afterValidation(loop, at(auc), i + 1, cfg),
    lr: loop.lr,
  }));
  assert.deepEqual(
    seq.map((d) => d.improved),
    [true, true, false, true, false, false],
  );
  assert.deepEqual(
    seq.map((d) => d.decayed),
    [false, false, true, false, true, true],
  );
  assert.deepEqual(
    seq.map((d) => d.stop),
    [false, false, false, false, false, true],
  );
  assert.ok(Math.abs(seq[5].lr - 1e-6) < 1e-18, `lr ${seq[5].lr}`);
  assert.equal(loop.bestAuc, 0.73);
  assert.equal(loop.bestEpoch, 4);
});

test('patience 0 disables decay and early stopping', () => {
  const loop = initialLoop(0.5);
  for (let i = 0; i < 5; i++) {
    const d = afterValidation(loop, at(0.6), i + 1, { ...cfg, lr_patience: 0, early_stop_patience: 0 });
    assert.equal(d.stop, false);
  }
  assert.equal(loop.lr, 0.5);
  assert.equal(loop.sinceBest, 4);
});

test('min_delta: a rise no larger than it is no improvement', () => {
  const loop = initialLoop(1e-3);
  const seq = [0.7, 0.7005, 0.7011, 0.7012].map(
    (auc, i) => afterValidation(loop, at(auc), i + 1, { ...cfg, min_delta: 0.001, early_stop_patience: 0 }).improved,
  );
  assert.deepEqual(seq, [true, false, true, false]);
  assert.equal(loop.bestEpoch, 3);
});

test('monitor {auc: 1, logloss: -1}: a tiny AUC gain bought with a worse logloss is no improvement', () => {
  const loop = initialLoop(1e-3);
  const monitor = { auc: 1, logloss: -1 };
  const seq = [at(0.75, 0.306), at(0.7503, 0.399), at(0.751, 0.3)].map(
    (m, i) => afterValidation(loop, m, i + 1, { ...cfg, monitor, early_stop_patience: 0 }).improved,
  );
  assert.deepEqual(seq, [true, false, true]);
  assert.equal(loop.bestAuc, 0.751);
  // AUC alone (the default) would have taken the second evaluation.
  const auc = initialLoop(1e-3);
  assert.deepEqual(
    [at(0.75, 0.306), at(0.7503, 0.399)].map((m, i) => afterValidation(auc, m, i + 1, cfg).improved),
    [true, true],
  );
});

test('decayed learning rates stay readable: 1e-3 x 0.1 x 0.1 x 0.1 is 0.000001, not 0.0000010000000000000002', () => {
  const loop = initialLoop(1e-3);
  [0.7, 0.6, 0.6, 0.6].forEach((auc, i) => afterValidation(loop, at(auc), i + 1, { ...cfg, early_stop_patience: 0 }));
  assert.equal(String(loop.lr), '0.000001');
  assert.equal(formatLr(1e-3 * 0.1 * 0.1 * 0.1), '0.000001');
  assert.equal(formatLr(1e-7 * 1.0000000001), '1e-7');
});
