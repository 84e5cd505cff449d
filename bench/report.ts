/** Shared output for benchmarks: a printed table and a JSON file under bench/results/. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTable, type Row } from '../src/cli/table.js';

export type { Row } from '../src/cli/table.js';

/** Prints the table and writes `bench/results/<name>.json` with machine details. Returns the JSON path. */
export function report(name: string, rows: Row[], extra: Record<string, unknown> = {}): string {
  const machine = { cores: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown', node: process.version };
  process.stdout.write(`\n${name} (cores: ${machine.cores}, ${machine.cpu})\n${formatTable(rows)}`);
  const dir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ name, date: new Date().toISOString(), machine, rows, ...extra }, null, 2));
  process.stdout.write(`wrote ${file}\n`);
  return file;
}
