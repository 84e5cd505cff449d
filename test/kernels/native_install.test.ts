/**
 * The install without a C compiler: native/build.mjs (npm's install script) prints one line
 * and succeeds, and slimctr then runs on its WebAssembly kernels (auto falls back and says why;
 * asking for native fails with a clear message).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

test('with CC=false CXX=false the native build prints one line, exits 0 and leaves no addon', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slimctr-native-'));
  try {
    cpSync(join(root, 'native', 'binding.gyp'), join(dir, 'binding.gyp'));
    cpSync(join(root, 'native', 'src'), join(dir, 'src'), { recursive: true });
    const r = spawnSync(process.execPath, [join(root, 'native', 'build.mjs'), dir], {
      encoding: 'utf8',
      env: { ...process.env, CC: 'false', CXX: 'false' },
    });
    assert.equal(r.status, 0, r.stderr);
    const lines = `${r.stdout}${r.stderr}`.trim().split('\n');
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0], /^slimctr: native kernels not built \(.+\); using the WebAssembly kernels$/);
    assert.ok(!existsSync(join(dir, 'build', 'Release', 'slimctr_native.node')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without the addon slimctr runs on WebAssembly: info says why, --backend native fails clearly', () => {
  // The installed layout (bin, dist, node_modules) without native/build.
  const dir = mkdtempSync(join(tmpdir(), 'slimctr-nonative-'));
  try {
    for (const p of ['bin', 'package.json', join('dist', 'src'), join('dist', 'kernels')])
      cpSync(join(root, p), join(dir, p), { recursive: true });
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    const env = { ...process.env, SLIMCTR_BACKEND: '' };
    const info = spawnSync(process.execPath, [join(dir, 'bin', 'slimctr.js'), 'info'], { encoding: 'utf8', env });
    assert.equal(info.status, 0, info.stderr);
    assert.match(info.stdout, /^backend wasm \(native kernels not built \(no C compiler at install time\?\)\)$/m);
    const native = spawnSync(process.execPath, [join(dir, 'bin', 'slimctr.js'), '--backend', 'native', 'info'], {
      encoding: 'utf8',
      env,
    });
    assert.equal(native.status, 2);
    assert.match(native.stderr, /native was asked for, but native kernels not built/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
