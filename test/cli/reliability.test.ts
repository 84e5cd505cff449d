/**
 * CLI reliability: bad rows are never hidden (eval and predict follow the model's on_bad_row, the
 * count and first examples are reported, "no valid rows" is its own error), predict never replaces
 * its input or an existing file without --force, overwriting a run removes the old model first,
 * and misleading messages (label null, NaN loss before any save) say what happened.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { readMetrics } from '../../src/train/run_dir.js';
import { scratchDir, toySetup } from '../train/toy_data.js';

const bin = fileURLToPath(new URL('../../../bin/slimctr.js', import.meta.url));
const slimctr = (cwd: string, ...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd });

/** A trained toy run (one epoch) with the given dataset overrides. */
function trained(
  tag: string,
  ...overrides: string[]
): { dir: string; file: string; runDir: string; cfgFile: string; r: ReturnType<typeof slimctr> } {
  const dir = scratchDir(tag);
  const { file, config } = toySetup(dir, 800);
  config.dataset.split = { by: 'rows', train: '1-600', validation: '601-700', test: '701-' };
  config.model.hidden = [8];
  const cfgFile = join(dir, 'toy.yaml');
  writeFileSync(cfgFile, stringify(config));
  const r = slimctr(dir, 'train', '--config', cfgFile, '--training.epochs=1', ...overrides);
  return { dir, file, runDir: config.run.dir, cfgFile, r };
}

/** The toy file with one malformed row (a word in the numeric column I1) at data row 3 (line 4). */
function withBadRow(file: string, out: string): string {
  const lines = readFileSync(file, 'utf8').split('\n');
  lines[3] = lines[3].replace(/^(\d),\d+,/, '$1,lots,');
  writeFileSync(out, lines.join('\n'));
  return out;
}

test("eval and predict follow the model's on_bad_row unless --bad-rows overrides it; skips are counted and shown", () => {
  const { dir, file, runDir, r } = trained('badrows');
  assert.equal(r.status, 0, r.stderr);
  const bad = withBadRow(file, join(dir, 'bad.csv'));
  const strict = slimctr(dir, 'eval', '--model', runDir, '--data', bad);
  assert.equal(strict.status, 1, strict.stderr);
  assert.match(strict.stderr, /bad\.csv:4:2: unparsable number 'lots'/);
  const skip = slimctr(dir, 'eval', '--model', runDir, '--data', bad, '--bad-rows', 'skip', '--json');
  assert.equal(skip.status, 0, skip.stderr);
  assert.equal(JSON.parse(skip.stdout).bad_rows, 1);
  assert.equal(JSON.parse(skip.stdout).rows, 799);
  const out = join(dir, 'p.csv');
  const p = slimctr(
    dir,
    'predict',
    '--model',
    runDir,
    '--input',
    bad,
    '--output',
    out,
    '--bad-rows',
    'skip',
    '--quiet',
  );
  assert.equal(p.status, 0, p.stderr);
  assert.match(p.stderr, /bad rows: 1 skipped; first 1:\n {2}.*bad\.csv:4:2: unparsable number 'lots'/);
  assert.equal(readFileSync(out, 'utf8').trim().split('\n').length, 800);
  assert.equal(slimctr(dir, 'eval', '--model', runDir, '--data', bad, '--bad-rows', 'maybe').status, 2);
});

test('a file with no valid row is its own error, not "AUC is undefined"', () => {
  const { dir, runDir } = trained('norows');
  const junk = join(dir, 'junk.csv');
  writeFileSync(
    junk,
    `label,I1,I2,C1,C2,C3,C4\n${Array.from({ length: 50 }, (_, i) => `x${i},\u0001\u0002,zz,q,w,e,r`).join('\n')}\n`,
  );
  const e = slimctr(dir, 'eval', '--model', runDir, '--data', junk, '--bad-rows', 'skip');
  assert.equal(e.status, 1);
  assert.match(e.stderr, /junk\.csv: no valid rows; bad rows: 50 skipped; first 5:/);
  assert.doesNotMatch(e.stderr, /AUC is undefined/);
});

test('train with on_bad_row: skip reports the count and first examples, in log.txt and metrics.jsonl too', () => {
  const dir = scratchDir('trainbad');
  const { file, config } = toySetup(dir, 800);
  withBadRow(file, file);
  config.dataset.on_bad_row = 'skip';
  config.model.hidden = [8];
  config.training.epochs = 1;
  const cfgFile = join(dir, 'toy.yaml');
  writeFileSync(cfgFile, stringify(config));
  const r = slimctr(dir, 'train', '--config', cfgFile);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /bad rows: 1 skipped; first 1:\n {2}.*toy\.csv:4:2: unparsable number 'lots'/);
  assert.match(readFileSync(join(config.run.dir, 'log.txt'), 'utf8'), /bad rows: 1 skipped/);
  const rec = readMetrics(join(config.run.dir, 'metrics.jsonl')).find((m) => m.event === 'bad_rows');
  assert.deepEqual(rec && { count: rec.count, n: (rec.examples as string[]).length }, { count: 1, n: 1 });
});

test('predict refuses to write over its input, an existing file (without --force), a folder or into a missing folder', () => {
  const { dir, file, runDir } = trained('predout');
  const before = readFileSync(file, 'utf8');
  const same = slimctr(dir, 'predict', '--model', runDir, '--input', file, '--output', file, '--force');
  assert.equal(same.status, 2);
  assert.match(same.stderr, /--output .*toy\.csv is the --input file/);
  assert.equal(readFileSync(file, 'utf8'), before);
  const out = join(dir, 'preds.csv');
  writeFileSync(out, 'precious');
  const exists = slimctr(dir, 'predict', '--model', runDir, '--input', file, '--output', out);
  assert.equal(exists.status, 2);
  assert.match(exists.stderr, /--output .*preds\.csv already exists; pass --force to replace it/);
  assert.equal(readFileSync(out, 'utf8'), 'precious');
  assert.equal(
    slimctr(dir, 'predict', '--model', runDir, '--input', file, '--output', out, '--force', '--quiet').status,
    0,
  );
  assert.match(readFileSync(out, 'utf8'), /^label,probability\n/);
  mkdirSync(join(dir, 'afolder'));
  assert.match(
    slimctr(dir, 'predict', '--model', runDir, '--input', file, '--output', join(dir, 'afolder')).stderr,
    /--output .*afolder is a folder; give a file path/,
  );
  assert.match(
    slimctr(dir, 'predict', '--model', runDir, '--input', file, '--output', join(dir, 'nope', 'p.csv')).stderr,
    /--output .*p\.csv: folder .*nope does not exist/,
  );
});

test("--run.overwrite removes the old run's model before training; label null is refused before training", () => {
  const { dir, runDir, cfgFile, r } = trained('overwrite');
  assert.equal(r.status, 0, r.stderr);
  assert.ok(existsSync(join(runDir, 'model.safetensors')));
  // The new run dies (NaN loss) before its first save: the old model must be gone, not scored beside the new config.
  const again = slimctr(
    dir,
    'train',
    '--config',
    cfgFile,
    '--run.overwrite=true',
    '--training.lr=1e30',
    '--training.epochs=1',
  );
  assert.equal(again.status, 1, again.stdout);
  assert.match(again.stderr, /training loss became (NaN|Infinity)/);
  assert.match(again.stderr, /No model was saved yet/);
  assert.doesNotMatch(again.stderr, /The best model so far/);
  assert.equal(existsSync(join(runDir, 'model.safetensors')), false);
  const noLabel = slimctr(dir, 'train', '--config', cfgFile, '--dataset.label=null', '--run.dir', join(dir, 'nolabel'));
  assert.equal(noLabel.status, 2, noLabel.stderr);
  assert.match(noLabel.stderr, /config dataset\.label: training needs labels/);
  assert.equal(existsSync(join(dir, 'nolabel')), false);
});

test('eval --rows: an empty, reversed, zero-based or past-the-end range is a usage error', () => {
  const { dir, file, runDir } = trained('evalrows');
  for (const [range, message] of [
    ['5-3', /--rows 5-3: the range ends before it starts/],
    ['0-5', /--rows 0-5: data rows are numbered from 1/],
    ['700-900', /--rows 700-900: the range goes past the end of .*toy\.csv \(800 data rows\)/],
    ['900-', /--rows 900-: the range goes past the end/],
  ] as const) {
    const r = slimctr(dir, 'eval', '--model', runDir, '--data', file, '--rows', range);
    assert.equal(r.status, 2, `${range}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  assert.equal(slimctr(dir, 'eval', '--model', runDir, '--data', file, '--rows', '701-800').status, 0);
});

test('a missing data file, too many threads and an unwritable output name the key or the path', () => {
  const dir = scratchDir('rawerrors');
  const { config } = toySetup(dir, 100);
  const cfgFile = join(dir, 'toy.yaml');
  writeFileSync(cfgFile, stringify(config));
  const missing = slimctr(dir, 'train', '--config', cfgFile, `--dataset.train=${join(dir, 'nope.csv')}`);
  assert.equal(missing.status, 2, missing.stderr);
  assert.match(missing.stderr, /config dataset\.train: no such file: .*nope\.csv/);
  assert.equal(existsSync(config.run.dir), false, 'no run folder made');
  const threads = slimctr(dir, 'train', '--config', cfgFile, '--training.threads=100000');
  assert.equal(threads.status, 2, threads.stderr);
  assert.match(
    threads.stderr,
    /config training\.threads: 100000 threads cannot start: kernel heap: need .*; use fewer threads/,
  );
  const out = slimctr(dir, 'inspect', join(dir, 'toy.csv'), '--config-out', join(dir, 'nope', 'c.yaml'));
  assert.equal(out.status, 1, out.stderr);
  assert.match(out.stderr, /c\.yaml: cannot write: folder .*nope does not exist/);
});
