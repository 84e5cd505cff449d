/**
 * README.md's "Use it as a library" block, run as written: extracted, type-checked and run in a
 * project that installed slimctr from its tarball (test/package/installed.ts), beside a small
 * `clicks.csv` with the columns the block names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from '../helpers.js';
import { compileConsumer, installPackage, repoRoot } from '../package/installed.js';

/** The ```ts block of README's library section. */
export function libraryExample(md: string): string {
  const start = md.indexOf('## Use it as a library');
  assert.ok(start >= 0, 'README has a "Use it as a library" section');
  const section = md.slice(start, md.indexOf('\n## ', start + 1));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(block, 'the section has a ```ts block');
  return block[1];
}

/** 2,000 rows of label,hour,site,app,device where the label follows site and device. */
function clicksCsv(): string {
  const rand = mulberry32(7);
  const lines = ['label,hour,site,app,device'];
  for (let r = 0; r < 2000; r++) {
    const site = Math.floor(rand() * 6),
      app = Math.floor(rand() * 5),
      device = ['ios', 'android', 'web'][Math.floor(rand() * 3)];
    const logit = (site % 2 ? 1.2 : -1.2) + (device === 'ios' ? 0.8 : -0.4);
    lines.push(`${rand() < 1 / (1 + Math.exp(-logit)) ? 1 : 0},${Math.floor(rand() * 24)},s${site},a${app},${device}`);
  }
  return `${lines.join('\n')}\n`;
}

test('README "Use it as a library": the TypeScript block type-checks and runs against the installed package', () => {
  const code = libraryExample(readFileSync(join(repoRoot, 'README.md'), 'utf8'));
  assert.ok(code.split('\n').length <= 25, 'the example stays short');
  const dir = join(installPackage().project, 'readme');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'clicks.csv'), clicksCsv());
  const out = execFileSync(process.execPath, [compileConsumer(dir, 'example', code)], { cwd: dir, encoding: 'utf8' });
  const m = /^(\d+) parameters \(from (\d+)\), p\(click\) = (0\.\d{4})$/m.exec(out);
  assert.ok(m, `the example prints its line: ${out}`);
  assert.ok(Number(m[1]) < Number(m[2]), 'the compressed model is smaller');
});
