/**
 * Low-bit storage of float32 matrices, the reference for the kernels that read it:
 * - rows (embedding tables, original or low-rank): each row in `bits` = 8 or 4 bits, symmetric
 *   around zero with one scale per row: x ~ (q - zero) * scale, zero = 2^(bits - 1) (128 or 8), q
 *   stored unsigned (1..255 or 1..15) and scale = max |x| / (zero - 1) rounded up to a
 *   half-precision value, so a file stores one 16-bit number per row (half.ts). (Per-row min/max
 *   with an offset would take twice that, which for 16-wide 4-bit rows is as much as the levels;
 *   AFM's rows are centred anyway.) In memory each row also has its offset -zero * scale, and the
 *   kernels widen a level as q * scale + offset: both products and the sum are exact in float32.
 *   Four-bit rows pack two levels a byte, the lower nibble first. A row of zeros stores scale 0.
 * - channels (Linear weights [in, out]): signed int8 per output column, symmetric:
 *   w ~ q * scale with scale = max |w| / 127.
 * Dequantization is a multiply then an add, each rounded to float32 (no fused multiply-add), so
 * every backend gets the same bits. Each element is within scale / 2 of its original.
 */
import { ShapeError } from '../util/errors.js';
import { halfAtLeast, HALF_MAX } from './half.js';

export type RowBits = 8 | 4;

export interface QuantizedRows {
  bits: RowBits;
  rows: number;
  dim: number;
  /** Bytes per row: dim (8 bits) or ceil(dim / 2) (4 bits). */
  rowBytes: number;
  data: Uint8Array;
  scale: Float32Array;
  offset: Float32Array;
}

export interface QuantizedChannels {
  rows: number;
  cols: number;
  data: Int8Array;
  /** One per column (output channel). */
  scale: Float32Array;
}

function rowBytesFor(bits: RowBits, dim: number): number {
  return bits === 8 ? dim : Math.ceil(dim / 2);
}

function finite(values: Float32Array, what: string): void {
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new ShapeError(`${what}: value ${values[bad]} at element ${bad} cannot be quantized`);
}

/** A row's offset in memory: -zero * scale (exact). */
export function rowOffset(bits: RowBits, scale: number): number {
  return -(1 << (bits - 1)) * scale;
}

/** Quantizes a row-major [rows, dim] matrix row by row. */
export function quantizeRows(values: Float32Array, rows: number, dim: number, bits: RowBits): QuantizedRows {
  if (values.length !== rows * dim)
    throw new ShapeError(`quantizeRows: ${values.length} values is not ${rows} x ${dim}`);
  finite(values, 'quantizeRows');
  const zero = 1 << (bits - 1),
    top = zero - 1;
  const rowBytes = rowBytesFor(bits, dim);
  const out: QuantizedRows = {
    bits,
    rows,
    dim,
    rowBytes,
    data: new Uint8Array(rows * rowBytes),
    scale: new Float32Array(rows),
    offset: new Float32Array(rows),
  };
  for (let r = 0; r < rows; r++) {
    const row = values.subarray(r * dim, (r + 1) * dim);
    let max = 0;
    for (const v of row) max = Math.max(max, Math.abs(v));
    // Scale and offset (zero * scale) must both be half values: |x| up to (HALF_MAX / zero) * top, about 57k (4 bits) or 65k (8).
    const limit = (HALF_MAX / zero) * top;
    if (max > limit)
      throw new ShapeError(
        `quantizeRows: row ${r} holds values beyond +-${Math.floor(limit)}, past half-precision scales`,
      );
    const scale = halfAtLeast(max / top);
    out.scale[r] = scale;
    out.offset[r] = rowOffset(bits, scale);
    const base = r * rowBytes;
    for (let j = 0; j < dim; j++) {
      const q = zero + (scale > 0 ? Math.min(top, Math.max(-top, Math.round(row[j] / scale))) : 0);
      if (bits === 8) out.data[base + j] = q;
      else out.data[base + (j >> 1)] |= j & 1 ? q << 4 : q;
    }
  }
  return out;
}

/** Level j of row r. */
export function rowLevel(q: QuantizedRows, r: number, j: number): number {
  const byte = q.data[r * q.rowBytes + (q.bits === 8 ? j : j >> 1)];
  return q.bits === 8 ? byte : j & 1 ? byte >> 4 : byte & 15;
}

/** Row r as float32 values (multiply, then add, each rounded to float32). */
export function dequantizeRow(q: QuantizedRows, r: number, out = new Float32Array(q.dim)): Float32Array {
  const s = q.scale[r],
    o = q.offset[r];
  for (let j = 0; j < q.dim; j++) out[j] = Math.fround(Math.fround(rowLevel(q, r, j) * s) + o);
  return out;
}

/** The whole matrix back as float32 [rows, dim]. */
export function dequantizeRows(q: QuantizedRows): Float32Array {
  const out = new Float32Array(q.rows * q.dim);
  for (let r = 0; r < q.rows; r++) dequantizeRow(q, r, out.subarray(r * q.dim, (r + 1) * q.dim));
  return out;
}

/** Quantizes a row-major [rows, cols] weight matrix to int8 per column (output channel). */
export function quantizeChannels(values: Float32Array, rows: number, cols: number): QuantizedChannels {
  if (values.length !== rows * cols)
    throw new ShapeError(`quantizeChannels: ${values.length} values is not ${rows} x ${cols}`);
  finite(values, 'quantizeChannels');
  const scale = new Float32Array(cols);
  for (let i = 0; i < rows; i++)
    for (let c = 0; c < cols; c++) scale[c] = Math.max(scale[c], Math.abs(values[i * cols + c]));
  for (let c = 0; c < cols; c++) scale[c] = Math.fround(scale[c] / 127);
  const data = new Int8Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < cols; c++)
      data[i * cols + c] =
        scale[c] > 0 ? Math.max(-127, Math.min(127, Math.round(values[i * cols + c] / scale[c]))) : 0;
  }
  return { rows, cols, data, scale };
}

/** Values rounded to their int8 per-column levels: what storing them in int8 gives back. */
export function roundChannels(values: Float32Array, rows: number, cols: number): Float32Array {
  return dequantizeChannels(quantizeChannels(values, rows, cols));
}

/** The weights back as float32 [rows, cols]. */
export function dequantizeChannels(q: QuantizedChannels): Float32Array {
  const out = new Float32Array(q.rows * q.cols);
  for (let i = 0; i < q.rows; i++)
    for (let c = 0; c < q.cols; c++) out[i * q.cols + c] = Math.fround(q.data[i * q.cols + c] * q.scale[c]);
  return out;
}
