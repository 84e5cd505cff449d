/**
 * Splits chunks of CSV/TSV lines into a RowBlock in one byte loop. CSV quoting is supported
 * within a line ("a,b" and "" escapes, unescaped in place); quoted newlines are not.
 * Blank lines are ignored. A row with the wrong number of columns or invalid UTF-8 goes to
 * the bad-row policy and is not emitted.
 */
import { isUtf8 } from 'node:buffer';
import type { BadRows } from '../bad_rows.js';
import { type RowBlock, snippetOf } from './row_block.js';
import type { LineChunk } from './chunks.js';

export { splitLine } from './split_line.js';

/** Position in a file carried across chunks. */
export interface ParseState {
  /** Lines consumed so far (the next line is line + 1). */
  line: number;
  /** Data rows seen so far (bad rows included). */
  ordinal: number;
}

function firstBadUtf8Column(buf: Buffer, s: number, e: number, sep: number): number {
  let col = 1;
  let cs = s;
  for (let i = s; i <= e; i++) {
    if (i === e || buf[i] === sep) {
      if (!isUtf8(buf.subarray(cs, i))) return col;
      col++;
      cs = i + 1;
    }
  }
  return 0;
}

/** Parses every line of `chunk` into `block` (which is reset). */
export function parseDelimited(
  chunk: LineChunk,
  block: RowBlock,
  sep: number,
  quotes: boolean,
  state: ParseState,
  bad: BadRows,
): void {
  const buf = chunk.buf;
  const n = buf.length;
  const cols = block.cols;
  block.reset(buf, Math.ceil(n / (2 * cols)) + 2);
  let { starts, ends } = block;
  let i = 0;
  while (i < n) {
    const ls = i;
    state.line++;
    const r = block.rows;
    if (r >= block.capacity) {
      growBlock(block);
      starts = block.starts;
      ends = block.ends;
    }
    const base = r * cols;
    let c = 0;
    let cs = i;
    let problem = '';
    let problemCol = 0;
    let le = n;
    for (;;) {
      if (i >= n) {
        le = n;
        break;
      }
      const b = buf[i];
      if (b === sep) {
        if (c < cols) {
          starts[base + c] = cs;
          ends[base + c] = i;
        }
        c++;
        i++;
        cs = i;
        continue;
      }
      if (b === 10) {
        le = i;
        i++;
        break;
      }
      if (b === 34 && quotes && i === cs) {
        // Quoted cell: unescape in place, then expect a separator or the end of the line.
        let j = i + 1;
        let w = j;
        let closed = false;
        while (j < n && buf[j] !== 10) {
          if (buf[j] === 34) {
            if (j + 1 < n && buf[j + 1] === 34) {
              buf[w++] = 34;
              j += 2;
              continue;
            }
            closed = true;
            j++;
            break;
          }
          buf[w++] = buf[j++];
        }
        if (!closed) {
          problem ||= 'unterminated quote (quoted newlines are not supported)';
          problemCol ||= c + 1;
          i = j;
          continue;
        }
        const after = j < n ? buf[j] : 10;
        if (after !== sep && after !== 10 && !(after === 13 && (j + 1 >= n || buf[j + 1] === 10))) {
          problem ||= 'unexpected text after a closing quote';
          problemCol ||= c + 1;
        }
        if (c < cols) {
          starts[base + c] = i + 1;
          ends[base + c] = w;
        }
        // Skip to the separator / end of line; the generic loop must not overwrite this cell.
        while (j < n && buf[j] !== sep && buf[j] !== 10) j++;
        if (j < n && buf[j] === sep) {
          c++;
          i = j + 1;
          cs = i;
          continue;
        }
        le = j;
        i = j < n ? j + 1 : j;
        c++;
        cs = -1;
        break;
      }
      i++;
    }
    let lineEnd = le;
    if (lineEnd > ls && buf[lineEnd - 1] === 13) lineEnd--;
    if (cs >= 0) {
      // Close the last (unquoted) cell.
      if (c < cols) {
        starts[base + c] = cs;
        ends[base + c] = Math.max(cs, lineEnd);
      }
      c++;
    }
    if (lineEnd === ls) continue; // blank line
    state.ordinal++;
    if (!problem && !chunk.utf8 && !isUtf8(buf.subarray(ls, lineEnd))) {
      problem = 'invalid UTF-8';
      problemCol = firstBadUtf8Column(buf, ls, lineEnd, sep);
    }
    if (!problem && c !== cols) {
      problem = `expected ${cols} columns, found ${c}`;
      problemCol = c > cols ? cols + 1 : c + 1;
    }
    if (problem) {
      bad.report(block.file, state.line, problemCol, problem, snippetOf(buf, ls, lineEnd));
      continue;
    }
    block.lines[r] = state.line;
    block.ordinals[r] = state.ordinal - 1;
    block.lineStart[r] = ls;
    block.lineEnd[r] = lineEnd;
    block.rows = r + 1;
  }
}

/** Doubles a block's capacity, keeping its rows. */
export function growBlock(block: RowBlock): void {
  const old = {
    starts: block.starts,
    ends: block.ends,
    lines: block.lines,
    ordinals: block.ordinals,
    lineStart: block.lineStart,
    lineEnd: block.lineEnd,
  };
  const rows = block.rows;
  const buf = block.buf;
  block.reset(buf, block.capacity * 2);
  block.starts.set(old.starts.subarray(0, rows * block.cols));
  block.ends.set(old.ends.subarray(0, rows * block.cols));
  block.lines.set(old.lines.subarray(0, rows));
  block.ordinals.set(old.ordinals.subarray(0, rows));
  block.lineStart.set(old.lineStart.subarray(0, rows));
  block.lineEnd.set(old.lineEnd.subarray(0, rows));
  block.rows = rows;
}
