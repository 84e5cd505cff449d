import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { scratchDir, toySetup } from '../train/toy_data.js';

const bin = fileURLToPath(new URL('../../../bin/slimctr.js', import.meta.url));
const slimctr = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd });

test('slimctr compress (AFM, ratio, fine-tune + control) and slimctr compare on a trained run', () => {
  const dir = scratchDir('compress');
  const { config } = toySetup(dir);
  const cfgFile = join(dir, 'toy.yaml');
  writeFileSync(cfgFile, stringify(config));
  const t = slimctr(dir, 'train', '--config', cfgFile, '--json', '--training.epochs=2', '--model.hidden=[32,32]', '--model.embedding_dim=8');
  assert.equal(t.status, 0, t.stderr);
  const runDir = config.run.dir as string;
  const c = slimctr(dir, 'compress', '--model', runDir, '--ratio', '1.5', '--finetune', '--epochs', '1', '--json');
  assert.equal(c.status, 0, c.stderr);
  const r = JSON.parse(c.stdout);
  const names = r.variants.map((v: { name: string }) => v.name);
  assert.deepEqual(names, ['original', 'afm', 'afm + fine-tune', 'original + same extra training']);
  const [orig, afm] = r.variants;
  assert.ok(afm.params * 1.5 <= orig.params, `${afm.params} vs ${orig.params}`);
  for (const v of r.variants) assert.ok(v.test.auc > 0.5 && v.test.auc <= 1, `${v.name} AUC ${v.test.auc}`);
  assert.ok(r.targets.some((x: { target: string; rank: number | null }) => x.rank !== null));
  for (const f of ['model.safetensors', 'report.json', 'control.safetensors']) assert.ok(existsSync(join(r.outDir, f)), f);

  const out = join(dir, 'cmp');
  const cmp = slimctr(dir, 'compare', runDir, r.outDir, '--out', out, '--seconds', '0.2');
  assert.equal(cmp.status, 0, cmp.stderr);
  const rows = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8'));
  assert.equal(rows.length, 3);
  assert.equal(rows[1].params, afm.params);
  assert.ok(rows[1].bytes < rows[0].bytes, 'the compressed file is smaller');
  for (const row of rows) assert.ok(row.latencyMs > 0 && row.throughput > 0);
  assert.match(readFileSync(join(out, 'compare.md'), 'utf8'), /\| variant \| parameters \|/);
  assert.match(readFileSync(join(out, 'auc_vs_size.svg'), 'utf8'), /<circle/);
  assert.ok(existsSync(join(out, 'spectrum-compressed-afm.svg')));

  const far = slimctr(dir, 'compress', '--model', runDir, '--ratio', '50', '--out', join(dir, 'far'));
  assert.equal(far.status, 0, far.stderr);
  assert.match(far.stderr, /cannot be reached; the smallest plan keeps \d+/);

  const bad = slimctr(dir, 'compress', '--model', runDir, '--ratio', '2', '--energy', '0.9');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /exactly one of --ratio, --energy, --ranks/);
});
