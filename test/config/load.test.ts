import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { loadConfig, readConfigFile, validateConfig } from '../../src/config/load.js';
import { trainingSchema } from '../../src/config/training.js';
import { ConfigError } from '../../src/util/errors.js';

const schema = z.object({
  model: z
    .object({
      embedding_dim: z.number().int().positive().default(10),
      hidden: z.array(z.number().int().positive()).default([400, 400]),
      name: z.string().default('dnn'),
      use_bn: z.boolean().default(false),
    })
    .prefault({}),
  training: trainingSchema.prefault({}),
});

function configError(fn: () => unknown, path: string, detail: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `not a ConfigError: ${e}`);
    assert.equal(e.path, path);
    assert.match(e.message, detail);
    return true;
  });
}

function withFile(text: string, fn: (path: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'slimctr-config-'));
  try {
    const p = join(dir, 'c.yaml');
    writeFileSync(p, text);
    fn(p);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('defaults fill every key when nothing is given', () => {
  const { config } = loadConfig({ schema });
  assert.deepEqual(config.model, { embedding_dim: 10, hidden: [400, 400], name: 'dnn', use_bn: false });
  assert.equal(config.training.optimizer, 'adam');
  assert.equal(config.training.lr_decay_factor, 0.1);
});

test('file over defaults over schema defaults, command line over file', () => {
  withFile('model:\n  embedding_dim: 8\n  hidden: [100]\ntraining:\n  lr: 0.01\n  epochs: 3\n', (file) => {
    const { config, rest } = loadConfig({
      schema,
      file,
      defaults: { model: { name: 'preset', embedding_dim: 4 } },
      args: ['--training.lr=1e-3', '--model.use_bn', '--model.hidden', '[400,400]', '--out', 'x'],
    });
    assert.equal(config.model.embedding_dim, 8);
    assert.equal(config.model.name, 'preset');
    assert.equal(config.model.use_bn, true);
    assert.deepEqual(config.model.hidden, [400, 400]);
    assert.equal(config.training.lr, 0.001);
    assert.equal(config.training.epochs, 3);
    assert.equal(config.training.batch_size, 4096);
    assert.deepEqual(rest, ['--out', 'x']);
  });
});

test('a bad value names the dotted key, what was expected and what was given', () => {
  const load =
    (...args: string[]) =>
    () =>
      loadConfig({ schema, args });
  configError(
    load('--model.embedding_dim=abc'),
    'model.embedding_dim',
    /^config model\.embedding_dim: expected a positive integer, got "abc"$/,
  );
  configError(load('--model.embedding_dim=0'), 'model.embedding_dim', /expected a positive integer, got 0/);
  configError(load('--model.embedding_dim=1.5'), 'model.embedding_dim', /expected a positive integer, got 1\.5/);
  configError(load('--training.optimizer=adm'), 'training.optimizer', /expected one of adam\|adagrad\|sgd, got "adm"/);
  configError(
    load('--training.lr_decay_factor=2'),
    'training.lr_decay_factor',
    /expected a positive number <= 1, got 2/,
  );
  configError(load('--model.hidden=[400,-1]'), 'model.hidden[1]', /expected a positive integer, got -1/);
  configError(load('--model.hidden=400'), 'model.hidden', /expected a list of positive integers, got 400/);
  configError(load('--model.use_bn=maybe'), 'model.use_bn', /expected true or false, got "maybe"/);
  configError(load('--model=3'), 'model', /expected a mapping, got 3/);
});

test('several problems are all reported, the first one in the path', () => {
  configError(
    () => loadConfig({ schema, args: ['--training.lr=-1', '--training.epochs=x'] }),
    'training.lr',
    /training\.lr: expected a positive number, got -1\nconfig training\.epochs: expected a positive integer, got "x"/,
  );
});

test('missing required keys say so', () => {
  const s = z.object({ data: z.object({ path: z.string().describe('CSV file') }) });
  configError(() => validateConfig(s, { data: {} }), 'data.path', /missing: expected a string/);
});

test('unknown keys are errors, with a suggestion when a close key exists', () => {
  const load =
    (...args: string[]) =>
    () =>
      loadConfig({ schema, args });
  configError(load('--training.lrr=1'), 'training.lrr', /unknown key; did you mean training\.lr\?/);
  configError(load('--model.embeding_dim=1'), 'model.embeding_dim', /did you mean model\.embedding_dim\?/);
  configError(load('--traning.lr=1'), 'traning', /did you mean training\?/);
  configError(load('--model.lr=1'), 'model.lr', /did you mean training\.lr\?/);
  configError(
    load('--model.zzzzzz=1'),
    'model.zzzzzz',
    /unknown key \(known keys in model: embedding_dim, hidden, name, use_bn\)/,
  );
});

test('config files: YAML errors give the line, non-mappings and missing files are refused', () => {
  withFile('model:\n  embedding_dim: [1,\n', (file) => {
    configError(() => readConfigFile(file), '', /c\.yaml:\d+:\d+: not valid YAML/);
  });
  withFile('- 1\n- 2\n', (file) => configError(() => readConfigFile(file), '', /top level must be a mapping/));
  withFile('', (file) => assert.deepEqual(readConfigFile(file), {}));
  withFile('training:\n  epoch: 3\n', (file) =>
    configError(() => loadConfig({ schema, file }), 'training.epoch', /did you mean training\.epochs\?/),
  );
  configError(() => readConfigFile('/no/such/file.yaml'), '', /cannot read config file \/no\/such\/file\.yaml: ENOENT/);
});
