/**
 * The aarch64 NEON kernels, where this machine cannot load them in Node: native/test/check.c with
 * every kernel source, cross-compiled by Debian's aarch64-linux-gnu-gcc and run under qemu-aarch64
 * (packages gcc-aarch64-linux-gnu and qemu-user, which .ci/run installs). On x86-64 the same check
 * also runs natively, over AVX-512 / AVX2 / baseline, and the interaction kernels (whose ISA is
 * GCC's clone for the CPU, not the addon's choice) run under qemu-x86_64's CPU models too, each
 * clone and aarch64 giving the same bits. Skipped when a tool is missing.
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

/** Builds the check with `cc` and runs it once per entry of `runs` (a launcher prefix, then arguments); returns each output. */
function buildAndRun(cc: string, runs: [string[], string[]][], extra: string[]): string[] {
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
    return runs.map(([pre, args]) => {
      const r = spawnSync(pre[0] ?? exe, [...pre.slice(1), ...(pre.length ? [exe] : []), ...args], {
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
      return r.stdout;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const cross = has('aarch64-linux-gnu-gcc') && has('qemu-aarch64');
test('aarch64 NEON sgemm and gather_rows_q, cross-compiled and run under qemu, matches its references', {
  skip: cross ? false : 'needs aarch64-linux-gnu-gcc and qemu-aarch64 (Debian: gcc-aarch64-linux-gnu, qemu-user)',
}, () => {
  const [out] = buildAndRun('aarch64-linux-gnu-gcc', [[['qemu-aarch64'], []]], ['-static']);
  assert.match(out, /^neon: sgemm matches float64 on 32 cases$/m);
  assert.match(out, /^neon: gather_rows_q matches the reference on 16 cases$/m);
});

test('the C check of every x86-64 ISA this CPU runs passes', {
  skip: process.arch === 'x64' && has('cc') ? false : 'x86-64 with cc only',
}, () => {
  const [out] = buildAndRun('cc', [[[], []]], []);
  assert.match(out, /^baseline: sgemm matches float64 on 32 cases$/m);
  for (const isa of [
    'baseline',
    ...(out.includes('avx2:') ? ['avx2'] : []),
    ...(out.includes('avx512:') ? ['avx512'] : []),
  ])
    assert.match(out, new RegExp(`^${isa}: gather_rows_q matches the reference on 16 cases$`, 'm'));
});

test('the interaction kernels give the same bits on every x86-64 clone (AVX-512, AVX2 and baseline CPUs under qemu) and on aarch64', {
  skip:
    process.arch === 'x64' && has('cc') && has('qemu-x86_64')
      ? false
      : 'x86-64 with cc and qemu-x86_64 only (Debian: qemu-user)',
}, () => {
  // qemu's CPU models make GCC's clone resolvers pick the AVX2 (Haswell) and baseline (qemu64) bodies.
  const x86 = buildAndRun(
    'cc',
    [
      [[], ['interaction']],
      [['qemu-x86_64', '-cpu', 'Haswell'], ['interaction']],
      [['qemu-x86_64', '-cpu', 'qemu64'], ['interaction']],
    ],
    [],
  );
  const arm = cross ? buildAndRun('aarch64-linux-gnu-gcc', [[['qemu-aarch64'], ['interaction']]], ['-static']) : [];
  const digests = [...x86, ...arm].map((out) => out.match(/^interaction digest ([0-9a-f]{8})$/m)?.[1]);
  assert.ok(digests[0], x86[0]);
  assert.deepEqual(
    digests,
    digests.map(() => digests[0]),
    'native, AVX2, baseline, aarch64',
  );
});
