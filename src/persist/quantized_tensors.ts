/**
 * Quantized weights in a model file (plan.bits says which; compress/quantize.ts makes them):
 *   <table>          U8  [rows, rowBytes]  a quantized table's levels (4 bits: two a byte, lower nibble first)
 *   <table>.qscale   F16 [rows]            its per-row scales
 *   <table>.qoffset  F16 [rows]            its per-row offsets
 *   <weight>         I8  [in, out]         an int8 weight's levels
 *   <weight>.qscale  F32 [out]             its per-output-channel scales
 * Reading checks every dtype, shape and scale, so a damaged file is refused, never loaded wrong.
 */
import type { QuantizedTable } from '../embedding/quantized_table.js';
import type { Tensor as FileTensor } from '../io/safetensors.js';
import { halfBits, halfValue } from '../tensor/half.js';
import { dequantizeChannels, quantizeChannels, type QuantizedRows } from '../tensor/quantize.js';
import type { Tensor } from '../tensor/tensor.js';
import { ModelFileError } from '../util/errors.js';

const scaleName = (name: string): string => `${name}.qscale`;
const offsetName = (name: string): string => `${name}.qoffset`;

const toHalf = (v: Float32Array): Uint16Array => Uint16Array.from(v, halfBits);

/** A quantized table's file tensors. */
export function quantizedTableTensors(name: string, t: QuantizedTable): [string, FileTensor][] {
  const q = t.quantized();
  return [
    [name, { dtype: 'U8', shape: [q.rows, q.rowBytes], data: q.data }],
    [scaleName(name), { dtype: 'F16', shape: [q.rows], data: toHalf(q.scale) }],
    [offsetName(name), { dtype: 'F16', shape: [q.rows], data: toHalf(q.offset) }],
  ];
}

/** An int8 weight's file tensors (the weight is rounded to int8 already: rounding again gives the same levels). */
export function int8Tensors(name: string, p: Tensor): [string, FileTensor][] {
  const [rows, cols] = p.shape;
  const q = quantizeChannels(p.toArray(), rows, cols);
  return [
    [name, { dtype: 'I8', shape: [rows, cols], data: q.data }],
    [scaleName(name), { dtype: 'F32', shape: [cols], data: q.scale }],
  ];
}

function get(
  tensors: ReadonlyMap<string, FileTensor>,
  name: string,
  dtype: FileTensor['dtype'],
  shape: number[],
  file: string,
): FileTensor['data'] {
  const t = tensors.get(name);
  if (!t) throw new ModelFileError(file, `tensor '${name}' is missing (the file does not match its compression plan)`);
  if (t.dtype !== dtype) throw new ModelFileError(file, `tensor '${name}' is ${t.dtype}, expected ${dtype}`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))
    throw new ModelFileError(file, `tensor '${name}' has shape [${t.shape}], the model expects [${shape}]`);
  return t.data;
}

/** Scales must be finite and >= 0, offsets finite. */
function checked(values: Float32Array, name: string, nonNegative: boolean, file: string): Float32Array {
  const bad = values.findIndex((v) => !Number.isFinite(v) || (nonNegative && v < 0));
  if (bad >= 0) throw new ModelFileError(file, `tensor '${name}' holds ${values[bad]} at index ${bad}`);
  return values;
}

const fromHalf = (bits: Uint16Array): Float32Array =>
  Float32Array.from(bits, (b) => (((b >> 10) & 31) === 31 ? NaN : halfValue(b)));

/** A quantized table's rows from file tensors, checked against the table's shape and bits. */
export function takeQuantizedTable(
  tensors: ReadonlyMap<string, FileTensor>,
  name: string,
  t: QuantizedTable,
  file: string,
): QuantizedRows {
  const data = get(tensors, name, 'U8', [t.rows, t.rowBytes], file) as Uint8Array;
  const scale = get(tensors, scaleName(name), 'F16', [t.rows], file) as Uint16Array;
  const offset = get(tensors, offsetName(name), 'F16', [t.rows], file) as Uint16Array;
  return {
    bits: t.bits,
    rows: t.rows,
    dim: t.dim,
    rowBytes: t.rowBytes,
    data,
    scale: checked(fromHalf(scale), scaleName(name), true, file),
    offset: checked(fromHalf(offset), offsetName(name), false, file),
  };
}

/** An int8 weight's float32 values from file tensors. */
export function takeInt8(
  tensors: ReadonlyMap<string, FileTensor>,
  name: string,
  shape: readonly number[],
  file: string,
): Float32Array {
  if (shape.length !== 2) throw new Error(`internal: int8 weight '${name}' is not a matrix`);
  const [rows, cols] = shape;
  const data = get(tensors, name, 'I8', [rows, cols], file) as Int8Array;
  const scale = checked(
    get(tensors, scaleName(name), 'F32', [cols], file) as Float32Array,
    scaleName(name),
    true,
    file,
  );
  if (data.includes(-128))
    throw new ModelFileError(file, `tensor '${name}' holds the level -128 (levels are -127..127)`);
  return dequantizeChannels({ rows, cols, data, scale });
}
