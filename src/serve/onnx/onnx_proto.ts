/**
 * The ONNX model the exporter writes, as plain specs encoded with the protobuf schema the importer
 * reads (io/onnx/schema.ts): ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto
 * (raw_data), ValueInfoProto / TypeProto with fixed or symbolic dims, OperatorSetIdProto.
 */
import { AttrType, DataType as OnnxDataType, ModelProtoType } from '../../io/onnx/schema.js';

/** TensorProto.DataType values used here. */
export const DataType = {
  FLOAT: OnnxDataType.FLOAT,
  INT64: OnnxDataType.INT64,
  UINT8: OnnxDataType.UINT8,
  INT8: OnnxDataType.INT8,
  FLOAT16: OnnxDataType.FLOAT16,
} as const;
export type ElemType = (typeof DataType)[keyof typeof DataType];

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

function attribute(name: string, v: AttrValue): Record<string, unknown> {
  if ('f' in v) return { name, f: v.f, type: AttrType.FLOAT };
  if ('i' in v) return { name, i: v.i, type: AttrType.INT };
  return { name, ints: [...v.ints], type: AttrType.INTS };
}

/** A ValueInfoProto object (for encoding with the schema). */
export function valueInfo(v: ValueSpec): Record<string, unknown> {
  const dim = v.dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d }));
  return { name: v.name, type: { tensorType: { elemType: v.type, shape: { dim } } } };
}

/** Encodes a whole ModelProto. */
export function encodeModel(m: ModelSpec): Uint8Array {
  const graph = {
    node: m.nodes.map((n) => ({
      input: n.inputs,
      output: n.outputs,
      name: n.name,
      opType: n.op,
      attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)),
    })),
    name: m.graphName,
    initializer: m.initializers.map((t) => ({ dims: t.dims, dataType: t.type, name: t.name, rawData: t.raw })),
    ...(m.docString ? { docString: m.docString } : {}),
    input: m.inputs.map(valueInfo),
    output: m.outputs.map(valueInfo),
  };
  return ModelProtoType.encode(
    ModelProtoType.fromObject({
      irVersion: IR_VERSION,
      producerName: m.producerName,
      producerVersion: m.producerVersion,
      graph,
      opsetImport: [{ domain: '', version: OPSET }],
    }),
  ).finish();
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
