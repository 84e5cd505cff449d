/**
 * Scoring raw rows with a loaded model, host-independent: the API's Model (api/model.ts) and the
 * browser page use it, and the browser tests call it in Node for the expected probabilities.
 */
import { noGrad, sigmoid } from '../autograd/index.js';
import type { Encoders, RawRow } from '../data/encoders/encoders.js';
import { fitsFloat32, parseNumberString } from '../data/numbers.js';
import type { CTRModel } from '../models/model.js';
import type { Batch, FeatureSpec } from '../nn/types.js';
import type { LoadedModel } from '../persist/model_bytes.js';
import { tidy } from '../tensor/tensor.js';
import { DataError } from '../util/errors.js';

/** The raw columns a row holds, in array order: the encoders' inputs, or the model's fields (ids) then numeric features. */
export function inputColumns(loaded: Pick<LoadedModel, 'encoders' | 'meta'>): string[] {
  return (
    loaded.encoders?.inputColumns ?? [
      ...loaded.meta.features.categorical.map((f) => f.name),
      ...loaded.meta.features.numeric,
    ]
  );
}

/** One row of a model saved without encoders: categorical ids (integers in 0..vocab-1), then numbers. */
function encodeIds(row: RawRow, features: FeatureSpec, ids: Int32Array, dense: Float32Array, line: number): void {
  const names = [...features.categorical.map((f) => f.name), ...features.numeric];
  const values = names.map((name, i) => (Array.isArray(row) ? row[i] : (row as Record<string, unknown>)[name]));
  values.forEach((v, i) => {
    const x = typeof v === 'number' ? v : typeof v === 'string' ? parseNumberString(v) : NaN;
    const field = features.categorical[i];
    if (field && !(Number.isInteger(x) && x >= 0 && x < field.vocab)) {
      throw new DataError(
        'rows',
        line,
        i + 1,
        `column ${names[i]}: expected an id in 0..${field.vocab - 1}, got ${JSON.stringify(v)}`,
      );
    }
    if (!Number.isFinite(x))
      throw new DataError('rows', line, i + 1, `column ${names[i]}: expected a number, got ${JSON.stringify(v)}`);
    if (!fitsFloat32(x))
      throw new DataError(
        'rows',
        line,
        i + 1,
        `column ${names[i]}: ${JSON.stringify(v)} is out of the float32 range (|x| <= 3.4e38)`,
      );
    if (field) ids[i] = x;
    else dense[i - features.categorical.length] = x;
  });
}

/** encodeRow, with its errors placed at `line` of the input. */
function encodeWith(
  encoders: Encoders,
  row: RawRow,
  out: { ids: Int32Array; dense: Float32Array },
  line: number,
): void {
  const source = 'row';
  try {
    encoders.encodeRow(row, out, source);
  } catch (err) {
    if (!(err instanceof DataError)) throw err;
    const prefix = `${source}:${err.line}${err.column > 0 ? `:${err.column}` : ''}: `;
    throw new DataError(
      'rows',
      line,
      err.column,
      err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message,
    );
  }
}

/** Encodes raw rows into one batch; `lines` (1-based, per row) place errors in the input. */
export function encodeRows(
  rows: readonly RawRow[],
  encoders: Encoders | null,
  features: FeatureSpec,
  lines?: readonly number[],
): Batch {
  const F = features.categorical.length,
    N = features.numeric.length;
  const batch: Batch = {
    rows: rows.length,
    ids: new Int32Array(rows.length * F),
    dense: new Float32Array(rows.length * N),
  };
  rows.forEach((row, r) => {
    const ids = batch.ids.subarray(r * F, (r + 1) * F),
      dense = batch.dense.subarray(r * N, (r + 1) * N);
    const line = lines?.[r] ?? r + 1;
    if (encoders) encodeWith(encoders, row, { ids, dense }, line);
    else encodeIds(row, features, ids, dense, line);
  });
  return batch;
}

/** Click probabilities of a batch (eval mode, no graph). */
export function predictProbabilities(model: CTRModel, batch: Batch): Float32Array {
  return noGrad(() => tidy(() => sigmoid(model.forward(batch)).toArray()));
}
