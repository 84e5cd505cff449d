import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadTrainConfig, parseTrainConfig } from '../../src/train/config.js';
import { ConfigError } from '../../src/util/errors.js';
import { scratchDir } from './toy_data.js';

const base = () => ({
  dataset: { train: 'x.csv' },
  features: { categorical: { C1: null } },
  model: { name: 'deepfm' } as Record<string, unknown>,
});

const configError = (pattern: RegExp, path?: string) => (err: unknown) =>
  err instanceof ConfigError && pattern.test(err.message) && (path === undefined || err.path === path);

test('defaults fill every section; model options come from the model schema', () => {
  const c = parseTrainConfig(base());
  assert.equal(c.model.embedding_dim, 16);
  assert.deepEqual(c.model.hidden, [400, 400, 400]);
  assert.equal(c.training.optimizer, 'adam');
  assert.equal(c.run.root, 'runs');
  assert.equal(c.run.checkpoint, true);
});

test('errors name the key path and what was expected', () => {
  const bad = (patch: (c: ReturnType<typeof base>) => void) => {
    const c = base();
    patch(c);
    return () => parseTrainConfig(c);
  };
  assert.throws(
    bad((c) => (c.model.embedding_dim = -4)),
    configError(/config model\.embedding_dim: expected a positive integer, got -4/, 'model.embedding_dim'),
  );
  assert.throws(
    bad((c) => (c.model.hidden = [400, 'wide'])),
    configError(/model\.hidden\[1\]: expected a positive integer, got "wide"/),
  );
  assert.throws(
    bad((c) => (c.model.embeding_dim = 8)),
    configError(/model\.embeding_dim: unknown key; did you mean model\.embedding_dim\?/),
  );
  assert.throws(
    bad((c) => Object.assign(c, { training: { lr: 'fast' } })),
    configError(/training\.lr: expected a positive number, got "fast"/),
  );
  assert.throws(
    bad((c) => Object.assign(c, { run: { overwrite: 'yes' } })),
    configError(/run\.overwrite: expected true or false/),
  );
  assert.throws(
    bad((c) => (c.dataset = {} as never)),
    configError(/dataset\.train: missing/),
  );
});

test('an unknown or missing model name lists the available models', () => {
  assert.throws(
    () => parseTrainConfig({ ...base(), model: { name: 'deepfn' } }),
    configError(/model\.name: unknown model 'deepfn' \(did you mean deepfm\?\); available: lr, deepfm/, 'model.name'),
  );
  assert.throws(
    () => parseTrainConfig({ ...base(), model: {} }),
    configError(/model\.name: missing: expected one of lr\|deepfm/),
  );
  assert.throws(
    () => parseTrainConfig({ ...base(), model: { name: 'lr', embedding_dim: 8 } }),
    configError(/model\.embedding_dim: unknown key/),
  );
});

test('file plus dotted overrides; switching the model on the command line drops the file options it lacks', () => {
  const dir = scratchDir('cfg');
  const file = join(dir, 'c.yaml');
  writeFileSync(file, stringify({ ...base(), model: { name: 'deepfm', embedding_dim: 8, hidden: [32] } }));
  const a = loadTrainConfig({ file, args: ['--model.embedding_dim=12', '--training.lr', '3e-3', '--json'] });
  assert.equal(a.config.model.embedding_dim, 12);
  assert.deepEqual(a.config.model.hidden, [32]);
  assert.equal(a.config.training.lr, 0.003);
  assert.deepEqual(a.rest, ['--json']);
  const b = loadTrainConfig({ file, args: ['--model.name=lr'] });
  assert.deepEqual(b.config.model, { name: 'lr' });
  assert.match(b.notes[0], /ignoring the file's model\.embedding_dim, model\.hidden/);
  assert.throws(
    () => loadTrainConfig({ file, args: ['--model.name=lr', '--model.hidden=[8]'] }),
    configError(/model\.hidden: unknown key/),
  );
});
