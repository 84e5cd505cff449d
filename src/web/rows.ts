/**
 * The page's row input: text typed or pasted by a person, turned into raw rows for
 * Encoders.encodeRow. Accepted forms:
 * - JSON: an array of objects (column -> value) or of arrays (values in input-column order),
 *   or one such object / array per line (JSON Lines);
 * - TSV or CSV (tab if any line has one, else comma): cells in input-column order, or a header
 *   line naming the columns first (then extra columns, such as the label, are ignored).
 */
import type { RawRow } from '../data/encoders/encoders.js';
import { splitLine } from '../data/formats/split_line.js';
import { DataError } from '../util/errors.js';

const SOURCE = 'rows';

export interface ParsedRows {
  rows: RawRow[];
  /** 1-based line of each row in the text (for messages). */
  lines: number[];
  format: 'json' | 'tsv' | 'csv';
}

function isCell(v: unknown): v is string | number | null {
  return v === null || typeof v === 'string' || typeof v === 'number';
}

function checkJsonRow(v: unknown, line: number, width: number): RawRow {
  if (Array.isArray(v)) {
    if (v.length !== width) throw new DataError(SOURCE, line, 0, `expected ${width} values, got ${v.length}`);
    const bad = v.findIndex((c) => !isCell(c));
    if (bad >= 0)
      throw new DataError(
        SOURCE,
        line,
        bad + 1,
        `a value must be a string, number or null, got ${JSON.stringify(v[bad])}`,
      );
    return v as (string | number | null)[];
  }
  if (typeof v !== 'object' || v === null)
    throw new DataError(SOURCE, line, 0, `expected an object or an array, got ${JSON.stringify(v)}`);
  for (const [k, c] of Object.entries(v)) {
    if (!isCell(c))
      throw new DataError(
        SOURCE,
        line,
        0,
        `column ${k}: a value must be a string, number or null, got ${JSON.stringify(c)}`,
      );
  }
  return v as Record<string, string | number | null>;
}

function parseJsonLine(line: string, at: number): unknown {
  try {
    return JSON.parse(line);
  } catch (err) {
    throw new DataError(SOURCE, at, 0, `not valid JSON (${(err as Error).message})`);
  }
}

function parseJson(text: string, width: number): ParsedRows {
  let whole: unknown;
  try {
    whole = JSON.parse(text);
  } catch {
    whole = undefined; // not one JSON value: JSON Lines
  }
  if (whole !== undefined) {
    // One value: a list of rows, or a single row (an object, or an array of values).
    const list = Array.isArray(whole) && !whole.every(isCell) ? whole : [whole];
    return {
      rows: list.map((r, i) => checkJsonRow(r, i + 1, width)),
      lines: list.map((_, i) => i + 1),
      format: 'json',
    };
  }
  const out: ParsedRows = { rows: [], lines: [], format: 'json' };
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    out.rows.push(checkJsonRow(parseJsonLine(raw, i + 1), i + 1, width));
    out.lines.push(i + 1);
  });
  return out;
}

function parseDelimitedText(text: string, columns: readonly string[]): ParsedRows {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const tsv = lines.some((l) => l.includes('\t'));
  const sep = tsv ? '\t' : ',';
  const out: ParsedRows = { rows: [], lines: [], format: tsv ? 'tsv' : 'csv' };
  let header: number[] | null = null; // cell index of each input column, from a header line
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const cells = splitLine(lines[i], sep, !tsv).map((c) => c.trim());
    if (out.rows.length === 0 && header === null && columns.every((c) => cells.includes(c))) {
      header = columns.map((c) => cells.indexOf(c));
      continue;
    }
    const want = header === null ? columns.length : Math.max(0, ...header) + 1;
    if (header === null ? cells.length !== want : cells.length < want) {
      const n = header === null ? `${want}` : `at least ${want}`;
      throw new DataError(SOURCE, i + 1, 0, `expected ${n} cells (${columns.join(', ')}), got ${cells.length}`);
    }
    out.rows.push(header === null ? cells : header.map((k) => cells[k]));
    out.lines.push(i + 1);
  }
  return out;
}

/** Parses the text into rows for a model whose raw input columns are `columns`; throws DataError. */
export function parseRows(text: string, columns: readonly string[]): ParsedRows {
  const start = text.trimStart()[0];
  const parsed = start === '{' || start === '[' ? parseJson(text, columns.length) : parseDelimitedText(text, columns);
  if (parsed.rows.length === 0) throw new DataError(SOURCE, 1, 0, 'no rows to score');
  return parsed;
}
