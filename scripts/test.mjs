// Runs every compiled test file (dist/test/**/*.test.js) with node's test runner.
// Extra arguments narrow the run: `npm test -- engine` runs files whose path contains "engine".
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const dir = join(root, 'dist', 'test');
const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.test.js'))
  .map((f) => join(dir, f))
  .filter((f) => process.argv.slice(2).every((word) => relative(dir, f).includes(word)))
  .sort();
if (files.length === 0) {
  console.error('test: no test files matched');
  process.exit(1);
}
console.log(`test: ${files.length} file(s), kernel backend ${process.env.SLIMCTR_BACKEND || 'auto'}`);
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
