/**
 * docs/scale.md's local example, run as written by bash in a scratch folder: a trained toy run as
 * $MODEL, its CSV as data.csv, and `slimctr` on PATH as this repository's CLI. The shards scored by
 * four processes at once and joined must equal one predict over the whole file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toyRun } from '../serve/fixture.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** The ```sh block under "Locally" in docs/scale.md. */
function localExample(md: string): string {
  const start = md.indexOf('## Locally');
  assert.ok(start >= 0, 'docs/scale.md has a "Locally" section');
  const block = /```sh\n([\s\S]*?)```/.exec(md.slice(start, md.indexOf('\n## ', start + 1)));
  assert.ok(block, 'the section has a ```sh block');
  return block[1];
}

test('docs/scale.md: shards through several processes, joined, equal one predict over the whole file', async () => {
  const run = await toyRun('scale-doc');
  const dir = join(run.dir, 'scale');
  mkdirSync(join(dir, 'bin'), { recursive: true });
  copyFileSync(run.file, join(dir, 'data.csv'));
  const shim = join(dir, 'bin', 'slimctr');
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${join(root, 'bin', 'slimctr.js')}" "$@"\n`);
  chmodSync(shim, 0o755);
  const script = localExample(readFileSync(join(root, 'docs', 'scale.md'), 'utf8'));
  const r = spawnSync('bash', ['-eo', 'pipefail', '-c', script], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, MODEL: run.runDir, PATH: `${join(dir, 'bin')}:${process.env.PATH}` },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'identical');
  const whole = readFileSync(join(dir, 'whole.csv'), 'utf8').trim().split('\n');
  assert.equal(
    whole.length,
    readFileSync(run.file, 'utf8').trim().split('\n').length,
    'one line per row, plus the header',
  );
});
