import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { getEngine } from '../../src/kernels/engine.js';
import { savedModel } from '../persist/saved_model.js';
import { scratchDir } from '../train/toy_data.js';

const bin = fileURLToPath(new URL('../../../bin/slimctr.js', import.meta.url));
const slimctr = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

before(async () => {
  await getEngine();
});

test('slimctr inspect MODEL.safetensors prints weights, encoders and metadata bytes that add up, and the gzip size', () => {
  const dir = scratchDir('inspect');
  const { path, weights, encoders } = savedModel(dir);
  const r = slimctr('inspect', path);
  assert.equal(r.status, 0, r.stderr);
  const count = (label: string): number => {
    const m = new RegExp(`^  ${label} +([\\d,]+)`, 'm').exec(r.stdout);
    assert.ok(m, `${label} in\n${r.stdout}`);
    return Number(m[1].replaceAll(',', ''));
  };
  const data = readFileSync(path);
  assert.match(r.stdout, /slimctr model file, format 3\.0, written by slimctr /);
  assert.match(r.stdout, /^model deepfm, [\d,]+ parameters$/m);
  assert.equal(count('weights'), weights);
  assert.equal(count('encoders'), encoders);
  assert.equal(count('weights') + count('encoders') + count('metadata'), data.length);
  assert.equal(count('file'), data.length);
  assert.equal(count('gzip -9'), gzipSync(data, { level: 9 }).length);
  assert.ok(count('gzip -9') < data.length);

  const flagged = slimctr('inspect', path, '--strict');
  assert.equal(flagged.status, 2);
  assert.match(flagged.stderr, /--strict applies to data files, not to a model file/);
  data[data.length - 1] ^= 1;
  writeFileSync(join(dir, 'bad.safetensors'), data);
  const bad = slimctr('inspect', join(dir, 'bad.safetensors'));
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /bad\.safetensors: corrupt: data checksum mismatch/);
});
