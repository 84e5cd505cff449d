/**
 * Request bodies, checked and encoded with the model's saved encoders into one ids / dense block.
 * POST /predict (and TensorFlow Serving's POST /v1/models/NAME:predict) takes any of:
 * - `{"rows": [...]}` or TensorFlow Serving's row form `{"instances": [...]}`: each row an object
 *   of raw values by column name, or an array of raw values in the model's input column order
 *   (categorical fields, then numeric);
 * - TensorFlow Serving's columnar form `{"inputs": {"C1": [...], "I1": [...]}}`: one list of values
 *   per column, all of one length.
 * The Open Inference Protocol's infer body (v2_request.ts) shares these rules.
 *
 * Rules for values (the same as training, where an empty cell is a missing value):
 * - a value is a string, a number or null; a number in a categorical column stands for its
 *   decimal text (5 and "5" are the same category); "" and null are missing values;
 * - a column absent from an object row (or from a columnar body) is a missing value too; keys that
 *   are not model inputs but columns of the training file (a label, an id) are ignored; any other
 *   key (a misspelt column) is a 400 naming it, unless the server was started to allow unknown
 *   columns;
 * - an array row must have exactly one value per input column;
 * - a category never seen in training gets the OOV id; a numeric column needs a number (or a
 *   string holding one).
 * Every violation is a RequestError (400) naming the row (or tensor) and column.
 */
import { DataError } from '../util/errors.js';
import { RequestError } from '../util/errors.js';
import type { Encoders } from '../data/index.js';

export interface EncodedRequest {
  rows: number;
  ids: Int32Array;
  dense: Float32Array;
}

/** What a request may carry: the encoders, the most rows, and the keys allowed beside the inputs (null: any). */
export interface RequestLimits {
  encoders: Encoders;
  maxRows: number;
  known: ReadonlySet<string> | null;
}

type Row = unknown[] | Record<string, unknown>;

export const typeName = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const okValue = (v: unknown): boolean =>
  v === null || v === undefined || typeof v === 'string' || typeof v === 'number';
export const bad = (message: string): RequestError => new RequestError(400, message);
export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseJson(text: string, example: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw bad(`the body is not valid JSON (${(err as Error).message})`);
  }
  if (!isObject(body)) throw bad(`the body must be a JSON object like ${example}, got ${typeName(body)}`);
  return body;
}

export function unknownKeys(keys: string[], where: string, lim: RequestLimits): void {
  const unknown = lim.known ? keys.filter((k) => !lim.known!.has(k)) : [];
  if (unknown.length) {
    throw bad(
      `${where} has column(s) the model does not know: ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ', ...' : ''} ` +
        `(its inputs: ${lim.encoders.inputColumns.join(', ')}; start the server with --allow-unknown-columns to ignore such keys)`,
    );
  }
}

/** `encoders.encodeInto` for row i, its DataError (a numeric column not a number) turned into a 400 placed by `where`. */
function encodeOne(lim: RequestLimits, row: Row, i: number, out: EncodedRequest, where: string): void {
  const { encoders } = lim;
  try {
    const raw = row as Parameters<Encoders['encodeInto']>[0];
    encoders.encodeInto(raw, out.ids, i * encoders.numCategorical, out.dense, i * encoders.numDense, where);
  } catch (err) {
    if (err instanceof DataError) throw bad(err.message.replace(/^(.*?\]):1:\d+: /, '$1: '));
    throw err;
  }
}

export function allocate(rows: number, lim: RequestLimits): EncodedRequest {
  if (rows > lim.maxRows) throw bad(`too many rows: ${rows} (at most ${lim.maxRows} per request)`);
  const { numCategorical: nc, numDense: nd } = lim.encoders;
  return { rows, ids: new Int32Array(rows * nc), dense: new Float32Array(rows * nd) };
}

/** Checks and encodes rows; `name` is how the body calls them (rows, instances). */
function encodeRows(rows: readonly unknown[], name: string, lim: RequestLimits): EncodedRequest {
  const out = allocate(rows.length, lim);
  const columns = lim.encoders.inputColumns;
  const known = lim.known;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const at = `${name}[${i}]`;
    if (Array.isArray(row)) {
      if (row.length !== columns.length) {
        throw bad(
          `${at} has ${row.length} values; an array row needs ${columns.length}, in this order: ${columns.join(', ')}`,
        );
      }
      const j = row.findIndex((v) => !okValue(v));
      if (j >= 0)
        throw bad(`${at}[${j}] (column ${columns[j]}): expected a string, number or null, got ${typeName(row[j])}`);
    } else if (isObject(row)) {
      if (known) for (const key in row) if (!known.has(key)) unknownKeys(Object.keys(row), at, lim);
      for (const col of columns)
        if (!okValue(row[col])) throw bad(`${at}.${col}: expected a string, number or null, got ${typeName(row[col])}`);
    } else {
      throw bad(`${at} must be an object (column -> value) or an array of values, got ${typeName(row)}`);
    }
    encodeOne(lim, row as Row, i, out, at);
  }
  return out;
}

/**
 * Columns (name -> values, each `n` long; n < 0 for none), checked row by row as object rows would
 * be (errors name `inputs[row i].column`) and encoded without building row objects.
 */
export function encodeColumns(columns: Map<string, unknown[]>, n: number, lim: RequestLimits): EncodedRequest {
  const out = allocate(Math.max(n, 0), lim);
  const inputs = lim.encoders.inputColumns;
  const lists = inputs.map((c) => columns.get(c));
  const row: unknown[] = new Array(inputs.length);
  for (let i = 0; i < out.rows; i++) {
    for (let c = 0; c < inputs.length; c++) {
      const v = lists[c]?.[i];
      if (!okValue(v))
        throw bad(`inputs[row ${i}].${inputs[c]}: expected a string, number or null, got ${typeName(v)}`);
      row[c] = v;
    }
    encodeOne(lim, row, i, out, `inputs[row ${i}]`);
  }
  return out;
}

/** Parses and encodes a POST /predict body in any of its three forms; throws RequestError(400) naming the first problem. */
export function encodePredictBody(text: string, lim: RequestLimits): EncodedRequest {
  const body = parseJson(text, '{"rows": [...]}');
  const forms = ['rows', 'instances', 'inputs'].filter((k) => k in body);
  if (forms.length === 0)
    throw bad(`missing field 'rows' (expected {"rows": [...]}, {"instances": [...]} or {"inputs": {"column": [...]}})`);
  if (forms.length > 1) throw bad(`the body has both ${forms.map((f) => `'${f}'`).join(' and ')}; send one form`);
  const form = forms[0],
    value = body[form];
  if (form !== 'inputs') {
    if (!Array.isArray(value)) throw bad(`'${form}' must be an array of rows, got ${typeName(value)}`);
    return encodeRows(value, form, lim);
  }
  if (!isObject(value))
    throw bad(`'inputs' must be an object of columns like {"C1": [...], "I1": [...]}, got ${typeName(value)}`);
  unknownKeys(Object.keys(value), "'inputs'", lim);
  const columns = new Map<string, unknown[]>();
  let n = -1,
    first = '';
  for (const [name, values] of Object.entries(value)) {
    if (!Array.isArray(values))
      throw bad(`inputs.${name} must be an array with one value per row, got ${typeName(values)}`);
    if (n >= 0 && values.length !== n)
      throw bad(
        `inputs.${name} has ${values.length} values but inputs.${first} has ${n}: every column needs one value per row`,
      );
    if (n < 0) {
      n = values.length;
      first = name;
    }
    columns.set(name, values);
  }
  return encodeColumns(columns, n, lim);
}
