/**
 * libsvm (`label index:value ...`) and libffm (`label field:index:value ...`) lines into a
 * RowBlock with one column per field: column 0 is the label; libffm field f is column f+1 and
 * holds the feature index as a categorical token (the value, a weight, is checked and dropped);
 * libsvm index k is column k+1 and holds the value as a number (absent = missing, so give those
 * features `fill: 0`), unless a field map (field_map.ts) says which field each feature belongs
 * to: then, as for libffm, field f is column f+1 holding the feature index as a token.
 * A field seen twice in a row is a bad row unless `multiValue` is 'first'.
 */
import { isUtf8 } from 'node:buffer';
import type { BadRows } from '../bad_rows.js';
import { parseNumber } from '../numbers.js';
import { type RowBlock, snippetOf } from './row_block.js';
import type { LineChunk } from './chunks.js';
import { growBlock, type ParseState } from './delimited.js';
import type { FieldLookup } from './field_map.js';

export type SparseKind = 'libsvm' | 'libffm';
export type MultiValuePolicy = 'error' | 'first';

/** A non-negative integer of at most `maxDigits` digits (-1 when not one); feature indices may have 15. */
function readInt(buf: Buffer, s: number, e: number, maxDigits = 9): number {
  if (s >= e || e - s > maxDigits) return -1;
  let v = 0;
  for (let i = s; i < e; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Counters a sparse parse keeps across chunks. */
export interface SparseStats {
  /** Features dropped because their field already had a value in the row ('first' policy). */
  droppedDuplicates: number;
}

export function parseSparse(
  chunk: LineChunk,
  block: RowBlock,
  kind: SparseKind,
  multi: MultiValuePolicy,
  state: ParseState,
  bad: BadRows,
  stats: SparseStats,
  map: FieldLookup | null = null,
): void {
  const buf = chunk.buf;
  const n = buf.length;
  const cols = block.cols;
  const fields = cols - 1;
  block.reset(buf, Math.ceil(n / 40) + 2);
  const seen = new Int32Array(cols).fill(-1);
  let i = 0;
  while (i < n) {
    const ls = i;
    state.line++;
    let le = buf.indexOf(10, i);
    if (le < 0) le = n;
    i = le + 1;
    if (le > ls && buf[le - 1] === 13) le--;
    if (le === ls) continue;
    state.ordinal++;
    const r = block.rows;
    if (r >= block.capacity) growBlock(block);
    const { starts, ends } = block;
    const base = r * cols;
    for (let c = 0; c < cols; c++) {
      starts[base + c] = 0;
      ends[base + c] = 0;
    }
    let problem = '';
    let col = 0;
    let dropped = 0;
    if (!chunk.utf8 && !isUtf8(buf.subarray(ls, le))) problem = 'invalid UTF-8';
    let p = ls;
    let tok = 0;
    while (!problem && p < le) {
      while (p < le && (buf[p] === 32 || buf[p] === 9)) p++;
      if (p >= le) break;
      const ts = p;
      while (p < le && buf[p] !== 32 && buf[p] !== 9) p++;
      const te = p;
      tok++;
      col = tok;
      if (tok === 1) {
        starts[base] = ts;
        ends[base] = te;
        continue;
      }
      const c1 = buf.indexOf(58, ts);
      if (c1 < 0 || c1 >= te) {
        problem = `expected ${kind === 'libffm' ? 'field:index:value' : 'index:value'}, got '${buf.toString('utf8', ts, te)}'`;
        break;
      }
      let field: number;
      let vs: number;
      const ve = te;
      let cellS: number;
      let cellE: number;
      if (kind === 'libffm') {
        const c2 = buf.indexOf(58, c1 + 1);
        if (c2 < 0 || c2 >= te) {
          problem = `expected field:index:value, got '${buf.toString('utf8', ts, te)}'`;
          break;
        }
        field = readInt(buf, ts, c1);
        if (readInt(buf, c1 + 1, c2) < 0) {
          problem = `feature index is not a non-negative integer in '${buf.toString('utf8', ts, te)}'`;
          break;
        }
        cellS = c1 + 1;
        cellE = c2;
        vs = c2 + 1;
      } else if (map) {
        const index = readInt(buf, ts, c1, 15);
        if (index < 0) {
          problem = `feature index is not a non-negative integer in '${buf.toString('utf8', ts, te)}'`;
          break;
        }
        field = map.positional ? tok - 2 : map.fieldOf(index);
        if (field < 0) {
          problem = `index ${index} is in no range of dataset.field_map`;
          break;
        }
        if (field >= fields) {
          problem = `the row has more than ${fields} features (dataset.field_map.fields is ${fields})`;
          break;
        }
        vs = c1 + 1;
        cellS = ts;
        cellE = c1;
      } else {
        field = readInt(buf, ts, c1);
        vs = c1 + 1;
        cellS = vs;
        cellE = te;
      }
      if (field < 0) {
        problem = `field/index is not a non-negative integer in '${buf.toString('utf8', ts, te)}'`;
        break;
      }
      if (field >= fields) {
        problem = `field ${field} is out of range (dataset.num_fields is ${fields})`;
        break;
      }
      if (Number.isNaN(parseNumber(buf, vs, ve))) {
        problem = `unparsable value in '${buf.toString('utf8', ts, te)}'`;
        break;
      }
      const c = field + 1;
      if (seen[c] === state.ordinal) {
        if (multi === 'error') {
          problem = `field ${field} appears more than once (set dataset.multi_value: first to keep the first)`;
          break;
        }
        dropped++;
        continue;
      }
      seen[c] = state.ordinal;
      starts[base + c] = cellS;
      ends[base + c] = cellE;
    }
    if (!problem && tok === 0) problem = 'no label';
    if (problem) {
      bad.report(block.file, state.line, col, problem, snippetOf(buf, ls, le));
      continue;
    }
    stats.droppedDuplicates += dropped;
    block.lines[r] = state.line;
    block.ordinals[r] = state.ordinal - 1;
    block.lineStart[r] = ls;
    block.lineEnd[r] = le;
    block.rows = r + 1;
  }
}
