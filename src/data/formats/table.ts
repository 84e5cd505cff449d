/**
 * Opens a data file of any supported format as a stream of RowBlocks with named columns.
 * The same RowBlock object is reused for every block: use it before pulling the next one.
 */
import { isUtf8 } from 'node:buffer';
import { DataError } from '../../util/errors.js';
import { BadRows } from '../bad_rows.js';
import { readLineChunks, type LineChunk } from './chunks.js';
import { parseDelimited, splitLine, type ParseState } from './delimited.js';
import { RowBlock } from './row_block.js';
import { parseSparse, type MultiValuePolicy, type SparseStats } from './sparse.js';
import { FieldLookup, type ResolvedFieldMap } from './field_map.js';

export type FormatName = 'criteo_tsv' | 'csv' | 'tsv' | 'libsvm' | 'libffm';
export const FORMATS: readonly FormatName[] = ['criteo_tsv', 'csv', 'tsv', 'libsvm', 'libffm'];

export interface TableSpec {
  format: FormatName;
  /** Cell separator for csv/tsv (default ',' / '\t'). */
  separator?: string;
  /** Whether the first line names the columns (default: true for csv/tsv, false otherwise). */
  header?: boolean;
  /** Column names when there is no header (default for criteo_tsv: label, I1..I13, C1..C26). */
  columns?: string[];
  /** libsvm/libffm: number of fields (libffm) or max index + 1 (libsvm); scanned when absent. */
  numFields?: number;
  multiValue?: MultiValuePolicy;
  /** libsvm: which field each feature belongs to (one-hot files); without it, a column per index. */
  fieldMap?: ResolvedFieldMap;
  chunkBytes?: number;
}

/** Without a field map, a libsvm file gets a column per index: beyond this many, refuse and point to field_map. */
export const MAX_LIBSVM_COLUMNS = 100_000;

export const CRITEO_COLUMNS: readonly string[] = [
  'label',
  ...Array.from({ length: 13 }, (_, i) => `I${i + 1}`),
  ...Array.from({ length: 26 }, (_, i) => `C${i + 1}`),
];

export interface Table {
  file: string;
  columns: string[];
  /** Lines and data rows consumed so far. */
  state: ParseState;
  sparse: SparseStats;
  blocks(): AsyncGenerator<RowBlock>;
  /** Stops reading early (closes the file); not needed after blocks() ran to the end. */
  close(): Promise<void>;
}

function firstLine(buf: Buffer): [string, number] {
  let e = buf.indexOf(10);
  const next = e < 0 ? buf.length : e + 1;
  if (e < 0) e = buf.length;
  if (e > 0 && buf[e - 1] === 13) e--;
  return [buf.toString('utf8', 0, e), next];
}

/** Largest field (libffm) or index (libsvm) + 1 over the whole file. */
export async function scanSparseWidth(file: string, chunkBytes?: number): Promise<number> {
  let max = -1;
  for await (const { buf } of readLineChunks(file, { chunkBytes })) {
    const n = buf.length;
    let i = 0;
    let first = true;
    while (i < n) {
      const b = buf[i];
      if (b === 10) {
        first = true;
        i++;
        continue;
      }
      if (b === 32 || b === 9) {
        first = false;
        i++;
        continue;
      }
      if (first) {
        i++;
        continue;
      }
      // token start: read leading digits up to ':'
      let v = 0;
      let ok = false;
      while (i < n && buf[i] >= 48 && buf[i] <= 57) {
        v = v * 10 + buf[i] - 48;
        i++;
        ok = true;
      }
      if (ok && buf[i] === 58 && v > max) max = v;
      while (i < n && buf[i] !== 32 && buf[i] !== 9 && buf[i] !== 10) i++;
    }
  }
  return max + 1;
}

/** The column names `file` is read with (its header, or the spec's columns). */
export async function columnsOf(file: string, spec: TableSpec): Promise<string[]> {
  const t = await openTable(file, spec);
  await t.close();
  return t.columns;
}

/** Opens `file`; reads the header (if any) before returning. */
export async function openTable(file: string, spec: TableSpec, bad: BadRows = new BadRows()): Promise<Table> {
  const chunks = readLineChunks(file, { chunkBytes: spec.chunkBytes });
  const head = await chunks.next();
  if (head.done) throw new DataError(file, 1, 0, 'file is empty');
  let first: LineChunk = head.value;
  const state: ParseState = { line: 0, ordinal: 0 };
  const sparse: SparseStats = { droppedDuplicates: 0 };
  const sparseKind = spec.format === 'libsvm' || spec.format === 'libffm' ? spec.format : null;
  let columns: string[];
  const sepStr = spec.separator ?? (spec.format === 'csv' ? ',' : '\t');
  const quotes = spec.format === 'csv' || sepStr === ',';
  const lookup = sparseKind === 'libsvm' && spec.fieldMap ? new FieldLookup(spec.fieldMap) : null;
  if (lookup) {
    columns = ['label', ...lookup.names];
  } else if (sparseKind) {
    const width = spec.numFields ?? (await scanSparseWidth(file, spec.chunkBytes));
    if (sparseKind === 'libsvm' && width > MAX_LIBSVM_COLUMNS) {
      throw new DataError(
        file,
        0,
        0,
        `libsvm indices reach ${width - 1}: a column per index would not fit in memory. ` +
          'For a one-hot file (one active index per field) set dataset.field_map (by: position, ranges or featindex); slimctr inspect proposes one',
      );
    }
    if (sparseKind === 'libffm' && width > MAX_LIBSVM_COLUMNS) {
      throw new DataError(
        file,
        0,
        0,
        `libffm field numbers reach ${width - 1}, more than any file has fields: is this a libsvm file (label index:value)?`,
      );
    }
    const prefix = sparseKind === 'libffm' ? 'f' : 'x';
    columns = ['label', ...Array.from({ length: width }, (_, i) => `${prefix}${i}`)];
  } else {
    const header = spec.header ?? spec.format !== 'criteo_tsv';
    const [line, next] = firstLine(first.buf);
    if (header) {
      if (!isUtf8(first.buf.subarray(0, next))) throw new DataError(file, 1, 0, 'invalid UTF-8 in the header');
      columns = splitLine(line, sepStr, quotes).map((s) => s.trim());
      const dup = columns.find((c, i) => columns.indexOf(c) !== i);
      if (dup !== undefined) throw new DataError(file, 1, 0, `column '${dup}' appears twice in the header`);
      state.line = 1;
      first = { buf: first.buf.subarray(next), utf8: first.utf8 };
    } else if (spec.columns) {
      columns = spec.columns;
    } else if (spec.format === 'criteo_tsv') {
      columns = [...CRITEO_COLUMNS];
    } else {
      columns = splitLine(line, sepStr, quotes).map((_, i) => `col${i + 1}`);
    }
  }
  const block = new RowBlock(file, columns.length, 4096);
  const sep = sepStr.charCodeAt(0);
  const multi = spec.multiValue ?? 'error';
  async function* blocks(): AsyncGenerator<RowBlock> {
    let chunk: LineChunk | undefined = first;
    while (chunk) {
      if (sparseKind) parseSparse(chunk, block, sparseKind, multi, state, bad, sparse, lookup);
      else parseDelimited(chunk, block, sep, quotes, state, bad);
      if (block.rows > 0) yield block;
      const nx = await chunks.next();
      chunk = nx.done ? undefined : nx.value;
    }
    if (state.ordinal === 0) throw new DataError(file, Math.max(state.line, 1), 0, 'no data rows');
  }
  const close = async (): Promise<void> => void (await chunks.return(undefined));
  return { file, columns, state, sparse, blocks, close };
}

/** Guesses the format from a file's first line. */
export async function detectFormat(file: string): Promise<{ format: FormatName; header: boolean }> {
  const chunks = readLineChunks(file, { chunkBytes: 1 << 16 });
  const head = await chunks.next();
  await chunks.return(undefined);
  if (head.done) throw new DataError(file, 1, 0, 'file is empty');
  const [line] = firstLine(head.value.buf);
  const tabs = line.split('\t');
  const toks = line.trim().split(/\s+/);
  if (tabs.length === 1 && toks.length > 1 && toks.slice(1).every((t) => /^\d+:[^:]*$/.test(t)))
    return { format: 'libsvm', header: false };
  if (tabs.length === 1 && toks.length > 1 && toks.slice(1).every((t) => /^\d+:[^:]*:[^:]*$/.test(t)))
    return { format: 'libffm', header: false };
  const numeric = (s: string) => s === '' || /^[+-]?\d+(\.\d*)?$/.test(s);
  if (tabs.length > 1) {
    const header = !tabs.every(numeric) && !/^[01]$/.test(tabs[0]);
    if (tabs.length === 40 && !header) return { format: 'criteo_tsv', header: false };
    return { format: 'tsv', header };
  }
  const cells = line.split(',');
  const header = cells.some((c) => /^[A-Za-z_][\w.\- ]*$/.test(c)) && !cells.some((c) => /^\d+$/.test(c));
  return { format: 'csv', header };
}
