/** Helpers for data tests: temp files with hand-written content, and reading a whole table. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { BadRows } from '../../src/data/bad_rows.js';
import { openTable, type TableSpec } from '../../src/data/formats/table.js';

let dir: string | null = null;
/** A fresh temp folder shared by one test process. */
export function tempDir(): string {
  dir ??= mkdtempSync(join(tmpdir(), 'slimctr-data-'));
  return dir;
}

let n = 0;
/** Writes `content` (gzipped when asked) to a new temp file and returns its path. */
export function fixture(content: string | Buffer, name = 'f.txt', gzip = false): string {
  const file = join(tempDir(), `${n++}-${name}`);
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  writeFileSync(file, gzip ? gzipSync(bytes) : bytes);
  return file;
}

/** Reads every row of a file as strings (cells), plus line numbers. */
export async function readAll(
  file: string,
  spec: TableSpec,
  bad = new BadRows(),
): Promise<{ columns: string[]; rows: string[][]; lines: number[] }> {
  const t = await openTable(file, spec, bad);
  const rows: string[][] = [];
  const lines: number[] = [];
  for await (const b of t.blocks())
    for (let r = 0; r < b.rows; r++) {
      rows.push(t.columns.map((_, c) => b.cell(r, c)));
      lines.push(b.lines[r]);
    }
  return { columns: t.columns, rows, lines };
}

/** Criteo TSV line with the given label and cell overrides (index 1..39 after the label). */
export function criteoLine(label: string, over: Record<number, string> = {}): string {
  const cells = [label];
  for (let i = 1; i <= 39; i++) cells.push(over[i] ?? (i <= 13 ? String(i) : `c${i}`));
  return cells.join('\t');
}
