/**
 * The ONNX messages the exporter writes (field numbers from onnx/onnx.proto): ModelProto,
 * GraphProto, NodeProto, AttributeProto, TensorProto (raw_data), ValueInfoProto / TypeProto with
 * fixed or symbolic dims, OperatorSetIdProto.
 */
import { ProtoWriter } from './wire.js';

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT64: 7 } as const;
export type ElemType = (typeof DataType)[keyof typeof DataType];

/** AttributeProto.AttributeType values used here. */
const ATTR_FLOAT = 1, ATTR_INT = 2, ATTR_INTS = 7;

/** The IR version that goes with opset 17 (ONNX 1.12). */
export const IR_VERSION = 8;
export const OPSET = 17;

export type AttrValue = { f: number } | { i: number } | { ints: readonly number[] };

export interface NodeSpec {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name: string;
  attrs?: Readonly<Record<string, AttrValue>>;
}

export interface InitializerSpec {
  name: string;
  dims: readonly number[];
  type: ElemType;
  /** Little-endian element bytes. */
  raw: Uint8Array;
}

/** A graph input or output: a name, an element type and dims (a string is a symbolic dim). */
export interface ValueSpec {
  name: string;
  type: ElemType;
  dims: readonly (number | string)[];
}

export interface ModelSpec {
  graphName: string;
  nodes: readonly NodeSpec[];
  initializers: readonly InitializerSpec[];
  inputs: readonly ValueSpec[];
  outputs: readonly ValueSpec[];
  producerName: string;
  producerVersion: string;
  docString?: string;
}

function attribute(name: string, v: AttrValue): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  if ('f' in v) w.float(2, v.f).int(20, ATTR_FLOAT);
  else if ('i' in v) w.int(3, v.i).int(20, ATTR_INT);
  else {
    for (const x of v.ints) w.int(8, x);
    w.int(20, ATTR_INTS);
  }
  return w;
}

function node(n: NodeSpec): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name).string(4, n.op);
  for (const [k, v] of Object.entries(n.attrs ?? {})) w.message(5, attribute(k, v));
  return w;
}

function tensor(t: InitializerSpec): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of t.dims) w.int(1, d);
  return w.int(2, t.type).string(8, t.name).bytes(9, t.raw);
}

function valueInfo(v: ValueSpec): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.dims) shape.message(1, typeof d === 'string' ? new ProtoWriter().string(2, d) : new ProtoWriter().int(1, d));
  const tensorType = new ProtoWriter().int(1, v.type).message(2, shape);
  return new ProtoWriter().string(1, v.name).message(2, new ProtoWriter().message(1, tensorType));
}

/** Encodes a whole ModelProto. */
export function encodeModel(m: ModelSpec): Uint8Array {
  const g = new ProtoWriter();
  for (const n of m.nodes) g.message(1, node(n));
  g.string(2, m.graphName);
  for (const t of m.initializers) g.message(5, tensor(t));
  if (m.docString) g.string(10, m.docString);
  for (const v of m.inputs) g.message(11, valueInfo(v));
  for (const v of m.outputs) g.message(12, valueInfo(v));
  return new ProtoWriter()
    .int(1, IR_VERSION)
    .string(2, m.producerName)
    .string(3, m.producerVersion)
    .message(7, g)
    .message(8, new ProtoWriter().string(1, '').int(2, OPSET))
    .finish();
}

/** Little-endian bytes of float32 values. */
export function floatBytes(values: ArrayLike<number>): Uint8Array {
  const f = Float32Array.from(values);
  const out = new Uint8Array(f.byteLength);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < f.length; i++) dv.setFloat32(i * 4, f[i], true);
  return out;
}

/** Little-endian bytes of int64 values. */
export function int64Bytes(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) dv.setBigInt64(i * 8, BigInt(values[i]), true);
  return out;
}
