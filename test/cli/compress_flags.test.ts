import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../../bin/slimctr.js', import.meta.url));
const compress = (...args: string[]) =>
  spawnSync(process.execPath, [bin, 'compress', '--model', 'no-such-run', ...args], { encoding: 'utf8' });

test('slimctr compress takes exactly one rank rule, checked before any run is read', () => {
  const cases: [string[], RegExp][] = [
    [[], /give exactly one of --ratio, --energy, --ranks/],
    [['--ratio', '2', '--energy', '0.9'], /give exactly one of --ratio, --energy, --ranks/],
    [['--ratio', '1'], /--ratio: must be a number above 1, got '1'/],
    [['--energy', '1.5'], /--energy: must be between 0 and 1, got '1.5'/],
    [['--ratio', '2', '--field-energy', '1'], /--field-energy: must be at least 0 and below 1, got '1'/],
    // --field-energy only means something under a budget; with --energy it was silently ignored.
    [['--energy', '0.9', '--field-energy', '0.5'], /--field-energy applies only with --ratio/],
    [
      ['--ratio', '2', '--bytes', '1MB'],
      /give exactly one of --ratio, --energy, --ranks, --bytes \(or --quantize alone\)/,
    ],
    [['--bytes', 'lots'], /--bytes: expected a size like 1MB, 500KB, 1.5MiB or 250000, got "lots"/],
    [['--bytes', '1MB', '--quantize', 'int8'], /--bytes chooses the bit widths itself/],
    [['--quantize', 'int2'], /--quantize: must be one of int8, int4/],
  ];
  for (const [args, message] of cases) {
    const r = compress(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^slimctr compress: ${message.source}`, 'm'), args.join(' '));
  }
});
