import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { RunDir, readMetrics, timestamp } from '../../src/train/run_dir.js';
import { UsageError } from '../../src/util/errors.js';

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'slimctr-run-'));
}
const fixed = () => new Date(Date.UTC(2026, 0, 2, 3, 4, 5));

test('generated folders are runs/<name>-<timestamp>, with a suffix when taken', () => {
  const root = scratch();
  try {
    assert.equal(timestamp(fixed()), '20260102-030405');
    const a = RunDir.create({ root, name: 'deepfm a/b', now: fixed });
    assert.equal(basename(a.path), 'deepfm_a_b-20260102-030405');
    assert.deepEqual(readdirSync(a.path).sort(), ['log.txt', 'metrics.jsonl']);
    a.log('hello');
    const b = RunDir.create({ root, name: 'deepfm a/b', now: fixed });
    assert.equal(basename(b.path), 'deepfm_a_b-20260102-030405-2');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('config, metrics and log files hold what was written', () => {
  const root = scratch();
  try {
    const run = RunDir.create({ path: join(root, 'r1'), now: fixed });
    const config = { training: { lr: 0.001, optimizer: 'adam' }, model: { hidden: [400, 400] } };
    run.writeConfig(config);
    assert.deepEqual(parseYaml(readFileSync(run.configPath, 'utf8')), config);
    run.appendMetrics({ epoch: 1, auc: 0.79 });
    run.appendMetrics({ epoch: 2, auc: 0.8, note: 'a\nb' });
    assert.equal(readFileSync(run.metricsPath, 'utf8').split('\n').length, 3);
    assert.deepEqual(readMetrics(run.metricsPath), [
      { epoch: 1, auc: 0.79 },
      { epoch: 2, auc: 0.8, note: 'a\nb' },
    ]);
    run.log('epoch 1 done');
    assert.equal(readFileSync(run.logPath, 'utf8'), '2026-01-02T03:04:05.000Z epoch 1 done\n');
    assert.equal(run.file('best.safetensors'), join(run.path, 'best.safetensors'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a non-empty folder is refused unless overwrite is set; an empty one is used', () => {
  const root = scratch();
  try {
    const dir = join(root, 'r');
    const run = RunDir.create({ path: dir });
    run.appendMetrics({ epoch: 1 });
    assert.throws(
      () => RunDir.create({ path: dir }),
      (e: unknown) => e instanceof UsageError && /already exists and is not empty/.test(e.message),
    );
    assert.deepEqual(readMetrics(run.metricsPath), [{ epoch: 1 }], 'refusal changed nothing');
    const again = RunDir.create({ path: dir, overwrite: true });
    assert.deepEqual(readMetrics(again.metricsPath), []);
    const empty = join(root, 'empty');
    mkdirSync(empty);
    RunDir.create({ path: empty });
    const file = join(root, 'f');
    writeFileSync(file, 'x');
    assert.throws(() => RunDir.create({ path: file }), /is not a folder/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('readMetrics skips a torn last line but not a bad line in the middle', () => {
  const root = scratch();
  try {
    const run = RunDir.create({ path: join(root, 'r') });
    run.appendMetrics({ step: 1 });
    appendFileSync(run.metricsPath, '{"step": 2, "au');
    assert.deepEqual(readMetrics(run.metricsPath), [{ step: 1 }]);
    appendFileSync(run.metricsPath, '\n{"step": 3}\n');
    assert.throws(() => readMetrics(run.metricsPath), /metrics\.jsonl:2: not a JSON line/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
