import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parseDataConfig } from '../../src/data/config.js';
import { generateSynth } from '../../src/data/synth.js';
import { prepareData } from '../../src/data/pipeline.js';
import { criteoLine, fixture, tempDir } from './fixtures.js';

const bin = fileURLToPath(new URL('../../../bin/slimctr.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

test('slimctr inspect: stats, malformed rows, and a YAML block the config schema accepts', async () => {
  const lines = Array.from({ length: 50 }, (_, i) =>
    criteoLine(i % 5 === 0 ? '1' : '0', { 1: i % 10 === 0 ? '' : String(i), 14: `a${i % 4}` }),
  );
  lines.splice(10, 0, 'broken\tline');
  const file = fixture(lines.join('\n') + '\n', 'i.tsv');
  const r = run('inspect', file);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /rows: 50\n/);
  assert.match(r.stdout, /label: label {2}positives 10 \(20\.00 %\)/);
  assert.match(r.stdout, /I1 +integer +45 +10\.00 +1 \.\. 49/);
  assert.match(r.stdout, /C1 +string +4 +0/);
  assert.match(r.stdout, /malformed rows: 1 skipped[\s\S]*i\.tsv:11:3: expected 40 columns, found 2/);
  const yamlText = r.stdout.slice(r.stdout.indexOf('dataset:'));
  const cfg = parseDataConfig({
    ...parse(yamlText),
    dataset: { ...parse(yamlText).dataset, on_bad_row: 'skip', cache_dir: join(tempDir(), 'insp') },
  });
  assert.deepEqual(cfg.features.numeric.I1, { transform: 'criteo_bucket', min_count: 1 });
  const d = await prepareData(cfg);
  assert.equal(d.splits.train!.rows, 50);
  // I2..I13 and C2..C26 hold one value on every row: flagged, and left out of the proposal.
  assert.match(
    r.stdout,
    /constant columns \(one value on every row; left out of the proposal\): I2, I3, .*, C25, C26\n/,
  );
  assert.deepEqual(Object.keys(cfg.features.categorical), ['C1']);
  assert.deepEqual(Object.keys(cfg.features.numeric), ['I1']);
  assert.equal(d.encoders.numCategorical, 2);
  const strict = run('inspect', '--strict', file);
  assert.equal(strict.status, 1);
  assert.match(strict.stderr, /1 malformed row/);
});

test('config errors name the dotted key', () => {
  assert.throws(
    () => parseDataConfig({ dataset: { train: 'x' }, features: { categorical: { C3: { min_count: -1 } } } }),
    /features\.categorical\.C3\.min_count: expected a positive integer, got -1/,
  );
  assert.throws(
    () => parseDataConfig({ dataset: { train: 'x', sep: ',' }, features: {} }),
    /dataset\.sep: unknown key/,
  );
  assert.throws(
    () => parseDataConfig({ dataset: { train: 'x' }, features: { categorical: { C1: { encoder: 'hash' } } } }),
    /features\.categorical\.C1\.buckets: required/,
  );
  assert.throws(
    () => parseDataConfig({ dataset: { train: 'x', split: { by: 'ratio', train: 0.5 } }, features: {} }),
    /dataset\.split: train \+ validation \+ test must be 1/,
  );
});

test('synth: deterministic by seed, Criteo-shaped, planted positives rate', () => {
  const text = (seed: number) => {
    let s = '';
    const r = generateSynth({ rows: 2000, seed }, (t) => (s += t));
    return { s, ...r };
  };
  const a = text(3);
  assert.equal(a.s, text(3).s);
  assert.notEqual(a.s, text(4).s);
  const rows = a.s.trimEnd().split('\n');
  assert.equal(rows.length, 2000);
  assert.ok(rows.every((l) => l.split('\t').length === 40 && /^[01]\t/.test(l)));
  assert.ok(a.positives > 200 && a.positives < 800, `positives ${a.positives}`);
  const c3 = new Set(rows.map((l) => l.split('\t')[16]));
  assert.ok(c3.size > 800, `C3 has a huge vocabulary (${c3.size} distinct in 2000 rows)`);
});

test('slimctr synth writes a file inspect reads back', () => {
  const out = join(tempDir(), 'syn.tsv');
  const r = run('synth', '--rows', '300', '--out', out, '--seed', '5');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(out, 'utf8').trimEnd().split('\n').length, 300);
  assert.equal(run('synth', '--rows', '-3', '--out', out).status, 2);
  const i = run('inspect', '--strict', out);
  assert.equal(i.status, 0, i.stderr);
  assert.match(i.stdout, /format: criteo_tsv/);
});
