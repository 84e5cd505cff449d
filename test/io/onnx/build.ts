/**
 * Small ONNX models built in tests, encoded with the same protobuf schema the reader uses: a graph
 * from a list of nodes, float/int initializers (raw_data or typed fields), and inputs/outputs.
 */
import { ModelProtoType, DataType, AttrType } from '../../../src/io/onnx/schema.js';
import { type ElemType, valueInfo } from '../../../src/serve/onnx/onnx_proto.js';

export type Attr = number | number[] | { floats: number[] } | { f: number } | { tensor: Init };

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  domain?: string;
  attrs?: Record<string, Attr>;
}

export interface Init {
  name?: string;
  type: 'float' | 'int64';
  dims: number[];
  values: number[];
  /** Store values in the typed repeated field instead of raw_data. */
  typed?: boolean;
}

export interface IoSpec {
  name: string;
  type: 'float' | 'int64' | 'int32' | 'double' | 'bool';
  dims: (number | string)[];
}

export interface ModelSpec {
  nodes: NodeSpec[];
  inputs: IoSpec[];
  outputs: IoSpec[];
  inits?: Init[];
  opset?: number;
}

function tensor(t: Init): Record<string, unknown> {
  const dataType = t.type === 'float' ? DataType.FLOAT : DataType.INT64;
  const base = { name: t.name ?? '', dims: t.dims, dataType };
  if (t.typed) return { ...base, ...(t.type === 'float' ? { floatData: t.values } : { int64Data: t.values }) };
  const raw = new Uint8Array(t.values.length * (t.type === 'float' ? 4 : 8));
  const dv = new DataView(raw.buffer);
  t.values.forEach((v, i) =>
    t.type === 'float' ? dv.setFloat32(i * 4, v, true) : dv.setBigInt64(i * 8, BigInt(v), true),
  );
  return { ...base, rawData: raw };
}

function attribute(name: string, a: Attr): Record<string, unknown> {
  if (typeof a === 'number') return { name, type: AttrType.INT, i: a };
  if (Array.isArray(a)) return { name, type: AttrType.INTS, ints: a };
  if ('f' in a) return { name, type: AttrType.FLOAT, f: a.f };
  if ('floats' in a) return { name, type: AttrType.FLOATS, floats: a.floats };
  return { name, type: AttrType.TENSOR, t: tensor(a.tensor) };
}

const IO_TYPES = {
  float: DataType.FLOAT,
  int64: DataType.INT64,
  int32: DataType.INT32,
  double: DataType.DOUBLE,
  bool: DataType.BOOL,
};
/** The reader takes any element type; the exporter's ElemType names only the two it writes. */
const io = (v: IoSpec): Record<string, unknown> => valueInfo({ ...v, type: IO_TYPES[v.type] as ElemType });

export function buildOnnx(m: ModelSpec): Uint8Array {
  const graph = {
    name: 'test',
    node: m.nodes.map((n, i) => ({
      name: n.name ?? `n${i}`,
      opType: n.op,
      domain: n.domain ?? '',
      input: n.inputs,
      output: n.outputs,
      attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)),
    })),
    initializer: (m.inits ?? []).map(tensor),
    input: m.inputs.map(io),
    output: m.outputs.map(io),
  };
  const model = {
    irVersion: 8,
    producerName: 'slimctr-test',
    graph,
    opsetImport: [{ domain: '', version: m.opset ?? 17 }],
  };
  return ModelProtoType.encode(ModelProtoType.fromObject(model)).finish();
}
