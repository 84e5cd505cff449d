/**
 * `npm run bench -- NAME [args]`: runs bench/NAME.ts (compiled to dist/bench/NAME.js), which
 * exports `run(args)`. With no NAME, lists the benchmarks.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { catchInterrupts } from '../src/cli/interrupt.js';
import { removeLiveTempFiles } from '../src/io/atomic.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const names = readdirSync(here)
  .filter((f) => f.endsWith('.js') && !['run.js', 'report.js'].includes(f))
  .map((f) => f.slice(0, -3));
const [name, ...args] = process.argv.slice(2);
if (!name || !names.includes(name)) {
  console.error(`usage: npm run bench -- <name> [args]\nbenchmarks: ${names.join(', ')}`);
  process.exit(name ? 2 : 0);
}
// Ctrl-C / SIGTERM: results are written only at the end of a benchmark, so stop at once (temp files removed).
const interrupt = catchInterrupts('bench', 'no results written; stopping');
interrupt.signal.addEventListener('abort', () => {
  removeLiveTempFiles();
  process.exit(interrupt.exitCode() ?? 130);
});
const mod = (await import(`./${name}.js`)) as { run(args: string[]): Promise<void> };
await mod.run(args);
process.exit(0);
