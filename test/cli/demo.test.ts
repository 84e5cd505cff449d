import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scratchDir } from '../train/toy_data.js';

const bin = fileURLToPath(new URL('../../../bin/slimctr.js', import.meta.url));

test('slimctr demo --quick runs the whole story and leaves models, table and report', () => {
  const out = join(scratchDir('demo'), 'demo');
  const r = spawnSync(process.execPath, [bin, 'demo', '--quick', '--out', out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\| original DeepFM \| \d+ \|/);
  assert.match(r.stdout, /\| AFM \+ fine-tune \| \d+ \|/);
  assert.match(r.stdout, /\| SVD \(same budget\) \| \d+ \|/);
  const rows = JSON.parse(readFileSync(join(out, 'comparison.json'), 'utf8')) as {
    variant: string;
    params: number;
    testAuc: number;
  }[];
  const [orig, afm] = rows;
  assert.ok(orig.params / afm.params >= 3.5, `compression ${orig.params} -> ${afm.params}`);
  for (const row of rows) assert.ok(row.testAuc > 0.5, `${row.variant} AUC ${row.testAuc}`);
  for (const f of [
    'original/model.safetensors',
    'afm/model.safetensors',
    'svd/model.safetensors',
    'report.html',
    'comparison.md',
  ]) {
    assert.ok(existsSync(join(out, f)), f);
  }
  assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /<svg/);
});
