import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trainingSchema } from '../../src/config/training.js';
import { validateConfig } from '../../src/config/load.js';

test('training defaults', () => {
  assert.deepEqual(validateConfig(trainingSchema, {}), {
    optimizer: 'adam',
    lr: 0.001,
    batch_size: 4096,
    epochs: 10,
    l2_embedding: 0,
    weight_decay: 0,
    tt_rank: null,
    lr_decay_factor: 0.1,
    lr_patience: 1,
    monitor: { auc: 1 },
    min_delta: 0,
    finetune_patience: 1,
    early_stop_patience: 2,
    shuffle: 'auto',
    shuffle_buffer_rows: 262144,
    shuffle_memory_mb: 1024,
    seed: 2024,
    threads: 0,
    backend: null,
    eval_every: 0,
  });
});

test('training values are checked', () => {
  assert.equal(validateConfig(trainingSchema, { optimizer: 'sgd', lr: 0.5 }).optimizer, 'sgd');
  assert.throws(
    () => validateConfig(trainingSchema, { batch_size: 0 }),
    /config batch_size: expected a positive integer, got 0/,
  );
  assert.throws(
    () => validateConfig(trainingSchema, { threads: -1 }),
    /config threads: expected a non-negative integer, got -1/,
  );
  assert.throws(() => validateConfig(trainingSchema, { optimizer: 'rmsprop' }), /expected one of adam\|adagrad\|sgd/);
  assert.deepEqual(validateConfig(trainingSchema, { monitor: { auc: 1, logloss: -1 } }).monitor, {
    auc: 1,
    logloss: -1,
  });
  assert.throws(() => validateConfig(trainingSchema, { monitor: { gauc: 1 } }), /monitor/);
  assert.throws(
    () => validateConfig(trainingSchema, { monitor: { auc: 0 } }),
    /monitor: give at least one metric a non-zero weight/,
  );
  assert.throws(
    () => validateConfig(trainingSchema, { shuffle: 'chunks' }),
    /shuffle: expected one of auto\|full\|buffer\|none/,
  );
  assert.equal(validateConfig(trainingSchema, { backend: 'wasm' }).backend, 'wasm');
  assert.throws(
    () => validateConfig(trainingSchema, { backend: 'gpu' }),
    /config backend: expected one of auto\|native\|wasm/,
  );
});
