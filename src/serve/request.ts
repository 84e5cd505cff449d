/**
 * The body of POST /predict: `{"rows": [...]}`, each row either an object of raw values by column
 * name or an array of raw values in the model's input column order (categorical fields, then
 * numeric). Checked and encoded with the model's saved encoders into one ids / dense block.
 *
 * Rules (the same as training, where an empty cell is a missing value):
 * - a value is a string, a number or null; a number in a categorical column stands for its
 *   decimal text (5 and "5" are the same category); "" and null are missing values;
 * - a column absent from an object row is a missing value too; keys that are not model inputs
 *   but columns of the training file (a label, an id) are ignored; any other key (a misspelt
 *   column) is a 400 naming it, unless the server was started to allow unknown columns;
 * - an array row must have exactly one value per input column;
 * - a category never seen in training gets the OOV id; a numeric column needs a number (or a
 *   string holding one).
 * Every violation is a RequestError (400) naming the row and column.
 */
import { DataError } from '../util/errors.js';
import { RequestError } from '../util/errors.js';
import type { Encoders } from '../data/index.js';

export interface EncodedRequest {
  rows: number;
  ids: Int32Array;
  dense: Float32Array;
}

const typeName = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const okValue = (v: unknown): boolean => v === null || v === undefined || typeof v === 'string' || typeof v === 'number';
const bad = (message: string): RequestError => new RequestError(400, message);

/**
 * Parses and encodes a request body; throws RequestError(400) naming the first problem.
 * `known`: column names an object row may carry (null: any key; those not inputs are ignored).
 */
export function encodePredictBody(text: string, encoders: Encoders, maxRows: number, known: ReadonlySet<string> | null = null): EncodedRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw bad(`the body is not valid JSON (${(err as Error).message})`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw bad(`the body must be a JSON object like {"rows": [...]}, got ${typeName(body)}`);
  }
  if (!('rows' in body)) throw bad(`missing field 'rows' (expected {"rows": [...]})`);
  const rows = (body as { rows: unknown }).rows;
  if (!Array.isArray(rows)) throw bad(`'rows' must be an array of rows, got ${typeName(rows)}`);
  if (rows.length > maxRows) throw bad(`too many rows: ${rows.length} (at most ${maxRows} per request)`);
  const columns = encoders.inputColumns;
  const nc = encoders.numCategorical, nd = encoders.numDense;
  const ids = new Int32Array(rows.length * nc);
  const dense = new Float32Array(rows.length * nd);
  rows.forEach((row: unknown, i) => {
    if (Array.isArray(row)) {
      if (row.length !== columns.length) {
        throw bad(`rows[${i}] has ${row.length} values; an array row needs ${columns.length}, in this order: ${columns.join(', ')}`);
      }
      const j = row.findIndex((v) => !okValue(v));
      if (j >= 0) throw bad(`rows[${i}][${j}] (column ${columns[j]}): expected a string, number or null, got ${typeName(row[j])}`);
    } else if (typeof row === 'object' && row !== null) {
      const rec = row as Record<string, unknown>;
      const unknown = known ? Object.keys(rec).filter((k) => !known.has(k)) : [];
      if (unknown.length) {
        throw bad(`rows[${i}] has column(s) the model does not know: ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ', ...' : ''} ` +
          `(its inputs: ${columns.join(', ')}; start the server with --allow-unknown-columns to ignore such keys)`);
      }
      const col = columns.find((c) => !okValue(rec[c]));
      if (col !== undefined) throw bad(`rows[${i}].${col}: expected a string, number or null, got ${typeName(rec[col])}`);
    } else {
      throw bad(`rows[${i}] must be an object (column -> value) or an array of values, got ${typeName(row)}`);
    }
    try {
      encoders.encodeRow(row as Parameters<Encoders['encodeRow']>[0], { ids: ids.subarray(i * nc, (i + 1) * nc), dense: dense.subarray(i * nd, (i + 1) * nd) }, `rows[${i}]`);
    } catch (err) {
      if (err instanceof DataError) throw bad(err.message.replace(/^(rows\[\d+\]):1:\d+: /, '$1: '));
      throw err;
    }
  });
  return { rows: rows.length, ids, dense };
}
