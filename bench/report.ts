/** Shared output for benchmarks: a printed table and a JSON file under bench/results/. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTable, type Row } from '../src/cli/table.js';
import { backendChoice, resolveBackend, type BackendChoice } from '../src/kernels/backend.js';
import type { Engine } from '../src/kernels/engine.js';

export type { Row } from '../src/cli/table.js';

/** The kernels an engine runs, for a table's `kernels` column: "native avx512" or "wasm relaxed-simd". */
export function kernelsOf(e: Engine): string {
  return e.backend.name === 'native' ? `native ${e.backend.isa}` : `wasm ${e.variant}`;
}

/**
 * The backends a benchmark compares: from `--backends` (comma list), else SLIMCTR_BACKEND when set,
 * else WebAssembly plus native where the addon is built (a row per backend, side by side).
 */
export async function benchBackends(list?: string): Promise<BackendChoice[]> {
  if (list) return list.split(',').map((b) => backendChoice(b));
  if (process.env.SLIMCTR_BACKEND && process.env.SLIMCTR_BACKEND !== 'auto') return [backendChoice()];
  const native = await resolveBackend('auto');
  return native.name === 'native' ? ['wasm', 'native'] : ['wasm'];
}

/** The 1, 5 and 15 minute load averages (the box is shared: figures taken under load are noisy). */
export function loadAverage(): string {
  return existsSync('/proc/loadavg')
    ? readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
    : 'unknown';
}

/** Prints the table and writes `bench/results/<name>.json` with machine details. Returns the JSON path. */
export function report(name: string, rows: Row[], extra: Record<string, unknown> = {}): string {
  const machine = {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    loadavg: loadAverage(),
  };
  process.stdout.write(
    `\n${name} (cores: ${machine.cores}, ${machine.cpu}; load average ${machine.loadavg})\n${formatTable(rows)}`,
  );
  const dir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ name, date: new Date().toISOString(), machine, rows, ...extra }, null, 2));
  process.stdout.write(`wrote ${file}\n`);
  return file;
}
