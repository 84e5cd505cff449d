import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { scratchDir, toySetup } from '../train/toy_data.js';

const bin = fileURLToPath(new URL('../../../bin/slimctr.js', import.meta.url));
const slimctr = (cwd: string, ...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd });

test('compress --quantize and --bytes on a trained run: the saved file is what was scored, at its bits and under its budget', () => {
  const dir = scratchDir('compress-quantize');
  const { config, file } = toySetup(dir);
  writeFileSync(join(dir, 'toy.yaml'), stringify(config));
  const t = slimctr(
    dir,
    'train',
    '--config',
    'toy.yaml',
    '--json',
    '--model.hidden=[32,32]',
    '--model.embedding_dim=8',
  );
  assert.equal(t.status, 0, t.stderr);
  const runDir = config.run.dir as string;

  const q = slimctr(
    dir,
    'compress',
    '--model',
    runDir,
    '--ratio',
    '1.5',
    '--quantize',
    'int4',
    '--out',
    'q4',
    '--json',
  );
  assert.equal(q.status, 0, q.stderr);
  const r = JSON.parse(q.stdout);
  assert.deepEqual(
    r.variants.map((v: { name: string }) => v.name),
    ['original', 'afm', 'afm + int4 tables + int8 weights'],
  );
  assert.deepEqual(Object.fromEntries(r.targets.map((x: { target: string; bits: number }) => [x.target, x.bits])), {
    'mlp.layer0': 8,
    'mlp.layer1': 8,
    embedding: 4,
  });
  for (const x of r.targets) assert.ok(x.heldOutError > 0 && x.heldOutError < 0.5, `${x.target}: ${x.heldOutError}`);
  // The file holds the quantized model that was scored: eval on the test rows gives its AUC.
  const e = slimctr(dir, 'eval', '--model', join(dir, 'q4'), '--data', file, '--rows', '1601-', '--json');
  assert.equal(e.status, 0, e.stderr);
  assert.equal(JSON.parse(e.stdout).auc.toFixed(6), r.variants[2].test.auc.toFixed(6));

  const original = statSync(join(runDir, 'model.safetensors')).size;
  const budget = Math.floor(original * 0.6);
  const b = slimctr(dir, 'compress', '--model', runDir, '--bytes', String(budget), '--out', 'b', '--json');
  assert.equal(b.status, 0, b.stderr);
  const rb = JSON.parse(b.stdout);
  const size = statSync(join(dir, 'b', 'model.safetensors')).size;
  assert.equal(rb.bytes.file, size);
  assert.equal(rb.bytes.before, original);
  assert.ok(size <= budget, `${size} > ${budget}`);

  const no = slimctr(dir, 'compress', '--model', runDir, '--bytes', '100', '--out', 'none');
  assert.equal(no.status, 2, no.stderr);
  assert.match(
    no.stderr,
    /^slimctr compress: --bytes 100: the smallest file this model can be compressed to is about \d+ bytes/m,
  );
});
