import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { scratchDir, toySetup } from '../train/toy_data.js';

const bin = fileURLToPath(new URL('../../../bin/slimctr.js', import.meta.url));
const slimctr = (cwd: string, ...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd });

test('slimctr train writes a run folder whose model slimctr eval scores', () => {
  const dir = scratchDir('cli');
  const { file, config } = toySetup(dir);
  const cfgFile = join(dir, 'toy.yaml');
  writeFileSync(cfgFile, stringify(config));
  const r = slimctr(dir, 'train', '--config', cfgFile, '--json', '--training.epochs=2', '--model.hidden=[8]');
  assert.equal(r.status, 0, r.stderr);
  const events = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    events.filter((e) => e.event === 'eval').map((e) => e.split),
    ['validation', 'validation', 'test'],
  );
  const done = events.find((e) => e.event === 'done');
  const runDir = config.run.dir as string;
  assert.equal(done.run, runDir);
  for (const f of ['config.yaml', 'metrics.jsonl', 'log.txt', 'model.safetensors'])
    assert.ok(existsSync(join(runDir, f)), f);
  const resolved = parse(readFileSync(join(runDir, 'config.yaml'), 'utf8'));
  assert.deepEqual(resolved.model.hidden, [8], 'the resolved config holds the override');
  assert.equal(resolved.training.epochs, 2);
  assert.equal(resolved.training.optimizer, 'adam', 'and the defaults');

  const e = slimctr(dir, 'eval', '--model', runDir, '--data', file, '--rows', '1601-', '--json');
  assert.equal(e.status, 0, e.stderr);
  const m = JSON.parse(e.stdout);
  assert.equal(m.rows, 400);
  assert.ok(Math.abs(m.auc - done.test_auc) < 1e-9, `eval AUC ${m.auc} vs training's test AUC ${done.test_auc}`);
  assert.ok(Math.abs(m.logloss - done.test_logloss) < 1e-6);
  const plain = slimctr(dir, 'eval', '--model', join(runDir, 'model.safetensors'), '--data', file);
  assert.match(plain.stdout, /AUC 0\.\d{6} {2}logloss 0\.\d{6} {2}rows 2000/);
});

test('slimctr train reports config errors by key path and exits 2', () => {
  const dir = scratchDir('cli');
  const { config } = toySetup(dir, 50);
  const cfgFile = join(dir, 'toy.yaml');
  writeFileSync(cfgFile, stringify(config));
  const bad = slimctr(dir, 'train', '--config', cfgFile, '--model.embedding_dim=0');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /config model\.embedding_dim: expected a positive integer, got 0/);
  const unknown = slimctr(dir, 'train', '--config', cfgFile, '--model.name=deepfn');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /model\.name: unknown model 'deepfn'.*available: lr, deepfm, widedeep/s);
  assert.equal(slimctr(dir, 'train').status, 2);
  assert.match(slimctr(dir, 'train', '--config', cfgFile, '--bogus').stderr, /slimctr train: --bogus: unknown option/);
});

test('slimctr models lists every model with its options', () => {
  const r = slimctr(scratchDir('cli'), 'models');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /## lr\n/);
  assert.match(r.stdout, /## deepfm\n\nDeepFM/);
  assert.match(r.stdout, /\| `model\.embedding_dim` \| positive integer \| `16` \| width of every field embedding \|/);
  assert.equal(slimctr(scratchDir('cli'), 'models', 'nope').status, 2);
});

test('training.tt_rank trains the TT-Rec baseline (no embedding tables) and its model file loads for eval', () => {
  const dir = scratchDir('cli');
  const { file, config } = toySetup(dir);
  const cfgFile = join(dir, 'toy.yaml');
  writeFileSync(cfgFile, stringify(config));
  const r = slimctr(dir, 'train', '--config', cfgFile, '--json', '--training.epochs=1', '--training.tt_rank=2');
  assert.equal(r.status, 0, r.stderr);
  const runDir = config.run.dir as string;
  const e = slimctr(dir, 'eval', '--model', runDir, '--data', file, '--rows', '1601-', '--json');
  assert.equal(e.status, 0, e.stderr);
  assert.ok(JSON.parse(e.stdout).auc > 0.5);
});
