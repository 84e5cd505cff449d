import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../../bin/slimctr.js', import.meta.url));

test('slimctr --help lists the commands', () => {
  const out = execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
  assert.match(out, /Commands:/);
  assert.match(out, /\binfo\b/);
});

test('slimctr with an unknown command exits 2 and says so', () => {
  const r = spawnSync(process.execPath, [bin, 'no-such-command'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command 'no-such-command'/);
});

test('slimctr info reports kernels and threads', () => {
  const out = execFileSync(process.execPath, [bin, 'info'], { encoding: 'utf8' });
  assert.match(out, /kernels (relaxed-simd|simd128)/);
  assert.match(out, /backend (native|wasm)/);
  assert.match(out, /threads \d+/);
});

test('slimctr --backend wasm info runs the WebAssembly kernels; a bad backend exits 2 naming it', () => {
  const out = execFileSync(process.execPath, [bin, '--backend', 'wasm', 'info'], { encoding: 'utf8' });
  assert.match(out, /^backend wasm$/m);
  assert.match(out, /^isa wasm simd$/m);
  const bad = spawnSync(process.execPath, [bin, '--backend', 'gpu', 'info'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--backend: must be one of auto, native, wasm, got 'gpu'/);
  const env = spawnSync(process.execPath, [bin, 'info'], {
    encoding: 'utf8',
    env: { ...process.env, SLIMCTR_BACKEND: 'gpu' },
  });
  assert.notEqual(env.status, 0);
  assert.match(env.stderr, /SLIMCTR_BACKEND: 'gpu' is not one of auto, native, wasm/);
});

test('numeric flags are checked: a bad value exits 2 naming the flag, before any work', () => {
  const c = spawnSync(process.execPath, [bin, 'compare', 'nowhere', '--threads', 'abc'], { encoding: 'utf8' });
  assert.equal(c.status, 2);
  assert.match(c.stderr, /--threads: must be a whole number, got 'abc'/);
  const s = spawnSync(process.execPath, [bin, 'compare', 'nowhere', '--seconds', '0'], { encoding: 'utf8' });
  assert.match(s.stderr, /--seconds: must be a positive number, got '0'/);
  const d = spawnSync(process.execPath, [bin, 'demo', '--ratio', '1'], { encoding: 'utf8' });
  assert.equal(d.status, 2);
  assert.match(d.stderr, /--ratio: must be a number above 1, got '1'/);
});

test('output into a pipe closed early (slimctr inspect FILE | head -1) ends quietly: no EPIPE stack trace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slimctr-epipe-'));
  const file = join(dir, 'wide.csv');
  // A report far larger than a pipe's buffer, so writes continue after head has gone.
  const header = ['label', ...Array.from({ length: 2000 }, (_, i) => `c${i}`)].join(',');
  const rows = Array.from({ length: 20 }, (_, r) =>
    [r % 2, ...Array.from({ length: 2000 }, (_, i) => (r * i) % 7)].join(','),
  );
  writeFileSync(file, `${header}\n${rows.join('\n')}\n`);
  for (const args of [['inspect', file], ['--help']]) {
    const r = spawnSync(
      'bash',
      [
        '-c',
        `set -o pipefail; "${process.execPath}" "${bin}" ${args.map((a) => `"${a}"`).join(' ')} 2>"${dir}/err" | head -c 20 >/dev/null; echo $?`,
      ],
      { encoding: 'utf8' },
    );
    const err = readFileSync(join(dir, 'err'), 'utf8');
    assert.equal(err, '', `${args[0]}: stderr ${err.slice(0, 300)}`);
    assert.equal(r.stdout.trim(), '0', `${args[0]}: exit status of slimctr in the pipe`);
  }
});
