/**
 * Quantized tensors in the exported graph, computing exactly what slimctr computes from them:
 * - quantized tables (embedding/quantized_table.ts): the levels of the stacked tables as one UINT8
 *   initializer [rows, dim], or, for 4-bit tables, [rows, ceil(dim / 2)] bytes of two levels each
 *   that the graph splits after the gather (opset 17 has no 4-bit type); their per-row scales and
 *   offsets as FLOAT16 [rows, 1] (they are half values, so this is exact). A lookup gathers the
 *   levels, the scales and the offsets at the same row ids, casts them to float, then multiplies
 *   and adds: x = level * scale + offset, two float32 roundings as in the gather kernel.
 *   DequantizeLinear cannot say this: its zero point is an integer of the level's type, and a
 *   row's offset is any half value, hence the Mul and Add.
 * - int8 weights (compress/quantize.ts storageOf): an INT8 initializer [in, out] with a FLOAT
 *   scale per output column [1, out], dequantized where the weight is used by Cast then Mul:
 *   q * scale rounded to float32, the value the weight holds in slimctr's memory. Not by
 *   DequantizeLinear(axis = 1), which computes the same values: onnxruntime (1.30, default
 *   optimization level) fuses a DequantizeLinear feeding a MatMul into MatMulNBits with
 *   accuracy_level 4, which rounds the activations to int8 too, and moves the probabilities by
 *   up to ~1e-3 (seen on the zoo's output layers).
 */
import type { QuantizedTable } from '../../embedding/quantized_table.js';
import { halfBits } from '../../tensor/half.js';
import { quantizeChannels } from '../../tensor/quantize.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { GraphBuilder } from './builder.js';
import { DataType, type ElemType } from './onnx_proto.js';

/** What the export did with quantized tensors, for its message. */
export interface QuantizedCounts {
  /** Tables by how their levels are stored ('8-bit tables as UINT8 levels', ...). */
  tables: Map<string, number>;
  int8Weights: number;
}

export const noQuantized = (): QuantizedCounts => ({ tables: new Map(), int8Weights: 0 });

/** One line for the export's message, or null when nothing was quantized. */
export function describeQuantized(c: QuantizedCounts): string | null {
  const parts = [...c.tables].map(([how, n]) => `${n} ${how}`);
  if (c.int8Weights > 0)
    parts.push(
      `${c.int8Weights} int8 weight${c.int8Weights === 1 ? '' : 's'} as INT8 levels x FLOAT column scales (Cast, Mul)`,
    );
  return parts.length ? `${parts.join('; ')}; tables with FLOAT16 row scales and offsets (Mul, Add)` : null;
}

/** Little-endian FLOAT16 bytes of half values. */
function halfBytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(2 * values.length);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => dv.setUint16(2 * i, halfBits(v), true));
  return out;
}

/**
 * The stacked tables' lookup at `rowIds` (int64 rows of the stacked tables, all of one bit width),
 * dequantized as slimctr does. 4-bit tables keep their two levels a byte (lower nibble first); the
 * graph splits them.
 */
export function quantizedLookup(
  g: GraphBuilder,
  base: string,
  tables: readonly QuantizedTable[],
  rowIds: string,
  counts: QuantizedCounts,
): string {
  const { dim, rowBytes, bits } = tables[0],
    rows = tables.reduce((n, t) => n + t.rows, 0);
  if (tables.some((t) => t.bits !== bits || t.dim !== dim))
    throw new Error('internal: onnx: the tables of one lookup differ in bits or width');
  const levels = new Uint8Array(rows * rowBytes),
    scale = new Float32Array(rows),
    offset = new Float32Array(rows);
  let at = 0;
  for (const t of tables) {
    const q = t.quantized();
    levels.set(q.data, at * rowBytes);
    scale.set(q.scale, at);
    offset.set(q.offset, at);
    at += q.rows;
  }
  const how =
    bits === 4
      ? '4-bit tables as UINT8 bytes of two levels, split in the graph (opset 17 has no 4-bit type)'
      : '8-bit tables as UINT8 levels';
  counts.tables.set(how, (counts.tables.get(how) ?? 0) + tables.length);
  const gathered = (name: string, type: ElemType, dims: number[], raw: Uint8Array): string =>
    g.node('Cast', [g.node('Gather', [g.initializer(name, dims, type, raw), rowIds], { axis: { i: 0 } }, 'lookup')], {
      to: { i: DataType.FLOAT },
    });
  const bytes = gathered(`${base}levels`, DataType.UINT8, [rows, rowBytes], levels);
  const x = bits === 4 ? splitNibbles(g, bytes, rowBytes, dim) : bytes;
  const s = gathered(`${base}scales`, DataType.FLOAT16, [rows, 1], halfBytes(scale));
  const o = gathered(`${base}offsets`, DataType.FLOAT16, [rows, 1], halfBytes(offset));
  return g.node('Add', [g.node('Mul', [x, s]), o], {}, 'lookup');
}

/**
 * Bytes as floats [B, F, rowBytes] -> levels [B, F, dim]: high = floor(byte / 16), low = byte -
 * 16 * high (exact in float32), interleaved low then high, the padding nibble of an odd dim cut.
 */
function splitNibbles(g: GraphBuilder, bytes: string, rowBytes: number, dim: number): string {
  const sixteen = g.scalar(16),
    last = g.int64Const([-1]);
  const high = g.node('Floor', [g.node('Div', [bytes, sixteen])]);
  const low = g.node('Sub', [bytes, g.node('Mul', [high, sixteen])]);
  const pairs = g.node('Concat', [g.node('Unsqueeze', [low, last]), g.node('Unsqueeze', [high, last])], {
    axis: { i: -1 },
  });
  const levels = g.node('Reshape', [pairs, g.int64Const([0, 0, 2 * rowBytes])]);
  if (dim === 2 * rowBytes) return levels;
  return g.node('Slice', [levels, g.int64Const([0]), g.int64Const([dim]), g.int64Const([2])]);
}

/** An int8 weight [in, out] (already rounded to its int8 values) as INT8 levels times per-column scales. */
export function int8Weight(g: GraphBuilder, name: string, w: Tensor, counts: QuantizedCounts): string {
  const [rows, cols] = w.shape;
  const q = quantizeChannels(w.toArray(), rows, cols);
  const levels = g.initializer(
    name,
    [rows, cols],
    DataType.INT8,
    new Uint8Array(q.data.buffer, q.data.byteOffset, q.data.byteLength),
  );
  const scale = g.floats(`${name}.scale`, [1, cols], q.scale);
  counts.int8Weights++;
  return g.node('Mul', [g.node('Cast', [levels], { to: { i: DataType.FLOAT } }), scale], {}, `${name}.dequantized`);
}
