/**
 * The aarch64 NEON kernels, where this machine cannot load them in Node: native/test/check.c with
 * every kernel source, cross-compiled by Debian's aarch64-linux-gnu-gcc and run under qemu-aarch64
 * (packages gcc-aarch64-linux-gnu and qemu-user, which .ci/run installs). On x86-64 the same check
 * also runs natively, over AVX-512 / AVX2 / baseline. Skipped when a tool is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const native = fileURLToPath(new URL('../../../native/', import.meta.url));
const sources = [
  join(native, 'test', 'check.c'),
  ...readdirSync(join(native, 'src'))
    .filter((f) => f.endsWith('.c') && f !== 'addon.c')
    .map((f) => join(native, 'src', f)),
];
const has = (cmd: string): boolean => spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;

function buildAndRun(cc: string, run: string[], extra: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'slimctr-check-'));
  try {
    const exe = join(dir, 'check');
    const b = spawnSync(
      cc,
      [
        '-O2',
        '-std=gnu11',
        '-ffp-contract=off',
        '-fno-math-errno',
        '-Wall',
        '-Werror',
        '-Wno-unused-parameter',
        ...extra,
        '-o',
        exe,
        ...sources,
        '-lm',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(b.status, 0, `${cc} failed:\n${b.stderr}`);
    const r = spawnSync(run[0], [...run.slice(1), exe], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    return r.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const cross = has('aarch64-linux-gnu-gcc') && has('qemu-aarch64');
test('aarch64 NEON sgemm and gather_rows_q, cross-compiled and run under qemu, matches its references', {
  skip: cross ? false : 'needs aarch64-linux-gnu-gcc and qemu-aarch64 (Debian: gcc-aarch64-linux-gnu, qemu-user)',
}, () => {
  const out = buildAndRun('aarch64-linux-gnu-gcc', ['qemu-aarch64'], ['-static']);
  assert.match(out, /^neon: sgemm matches float64 on 32 cases$/m);
  assert.match(out, /^neon: gather_rows_q matches the reference on 16 cases$/m);
});

test('the C check of every x86-64 ISA this CPU runs passes', {
  skip: process.arch === 'x64' && has('cc') ? false : 'x86-64 with cc only',
}, () => {
  const out = buildAndRun('cc', ['env'], []);
  assert.match(out, /^baseline: sgemm matches float64 on 32 cases$/m);
  for (const isa of [
    'baseline',
    ...(out.includes('avx2:') ? ['avx2'] : []),
    ...(out.includes('avx512:') ? ['avx512'] : []),
  ])
    assert.match(out, new RegExp(`^${isa}: gather_rows_q matches the reference on 16 cases$`, 'm'));
});
