/**
 * Reads an ONNX file (ModelProto) into plain objects: the graph's inputs and outputs, its nodes
 * with decoded attributes, its initializers as host arrays, and the default-domain opset.
 * Anything malformed (truncated, not protobuf, no graph, unsupported opset, external data) is a
 * ModelFileError naming the file.
 */
import { ModelFileError } from '../../util/errors.js';
import { AttrType, ModelProtoType } from './schema.js';
import { decodeTensorProto, type TensorProtoObject } from './tensor_proto.js';
import type { HostArray } from './host_array.js';

/** The opsets of the default domain whose operator definitions slimctr follows. */
const MIN_OPSET = 11;
const MAX_OPSET = 19;

export type AttrValue = number | string | number[] | string[] | HostArray;

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attrs: Map<string, AttrValue>;
}

/** A graph input or output: name, ONNX element type, and dims (a string is a symbolic dim, null unknown). */
export interface OnnxValueInfo {
  name: string;
  elemType: number;
  dims: (number | string | null)[] | null;
}

export interface OnnxModel {
  file: string;
  irVersion: number;
  opset: number;
  producer: string;
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  initializers: Map<string, HostArray>;
  nodes: OnnxNode[];
}

// biome-ignore lint/suspicious/noExplicitAny: protobufjs decodes into untyped objects
type Obj = Record<string, any>;

function attrValue(a: Obj, file: string, where: string): AttrValue {
  const what = `${where} attribute '${a.name}'`;
  const dec = new TextDecoder();
  switch (a.type) {
    case AttrType.FLOAT:
      return a.f ?? 0;
    case AttrType.INT:
      return a.i ?? 0;
    case AttrType.STRING:
      return dec.decode(a.s ?? new Uint8Array());
    case AttrType.TENSOR:
      return decodeTensorProto(a.t ?? {}, file, what);
    case AttrType.FLOATS:
      return a.floats ?? [];
    case AttrType.INTS:
      return a.ints ?? [];
    case AttrType.STRINGS:
      return (a.strings ?? []).map((s: Uint8Array) => dec.decode(s));
    default:
      throw new ModelFileError(
        file,
        `${what} has attribute type ${a.type}, which slimctr does not read (subgraphs, sparse tensors)`,
      );
  }
}

function valueInfo(v: Obj): OnnxValueInfo {
  const tt = v.type?.tensorType;
  const dims = tt?.shape
    ? (tt.shape.dim ?? []).map((d: Obj) => (d.dimValue !== undefined ? d.dimValue : (d.dimParam ?? null)))
    : null;
  return { name: v.name ?? '', elemType: tt?.elemType ?? 0, dims };
}

/** Decodes ONNX bytes; `file` names the source in errors. */
export function decodeOnnx(bytes: Uint8Array, file: string): OnnxModel {
  let m: Obj;
  try {
    m = ModelProtoType.toObject(ModelProtoType.decode(bytes), { longs: Number, defaults: false });
  } catch (e) {
    throw new ModelFileError(
      file,
      `not a readable ONNX model (truncated or corrupt protobuf: ${(e as Error).message})`,
    );
  }
  const g: Obj | undefined = m.graph;
  if (!g || !(g.output?.length > 0))
    throw new ModelFileError(file, 'not an ONNX model: no graph with outputs (truncated or corrupt file?)');
  const opsets: Obj[] = m.opsetImport ?? [];
  const def = opsets.find((o) => !o.domain || o.domain === 'ai.onnx');
  if (!def) throw new ModelFileError(file, 'the model imports no opset of the default ONNX domain');
  const opset = Number(def.version);
  if (opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new ModelFileError(
      file,
      `opset ${opset} is outside the opsets slimctr reads (${MIN_OPSET}-${MAX_OPSET}); re-export with torch.onnx.export(..., opset_version=17)`,
    );
  }
  if ((g.sparseInitializer?.length ?? 0) > 0)
    throw new ModelFileError(file, 'the graph has sparse initializers, which slimctr does not read');
  const initializers = new Map<string, HostArray>();
  for (const t of (g.initializer ?? []) as TensorProtoObject[])
    initializers.set(t.name ?? '', decodeTensorProto(t, file, `initializer '${t.name}'`));
  const nodes: OnnxNode[] = (g.node ?? []).map((n: Obj, i: number) => {
    const name = n.name || `#${i} (${n.opType})`;
    const attrs = new Map<string, AttrValue>();
    for (const a of n.attribute ?? []) attrs.set(a.name, attrValue(a, file, `node '${name}'`));
    return {
      name,
      opType: n.opType ?? '',
      domain: n.domain ?? '',
      inputs: n.input ?? [],
      outputs: n.output ?? [],
      attrs,
    };
  });
  return {
    file,
    irVersion: m.irVersion ?? 0,
    opset,
    producer: [m.producerName, m.producerVersion].filter(Boolean).join(' '),
    // Initializers listed as inputs (older exporters) are constants, not inputs to feed.
    inputs: (g.input ?? []).map(valueInfo).filter((v: OnnxValueInfo) => !initializers.has(v.name)),
    outputs: (g.output ?? []).map(valueInfo),
    initializers,
    nodes,
  };
}
