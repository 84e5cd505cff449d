/**
 * Writes a factorized copy of an ONNX model: the user's own graph, every node and attribute kept,
 * with the weights compression replaced swapped for their low-rank forms in place.
 *
 * - A linear map (Gemm or MatMul reading weight W) becomes x -> x Wd (+ bd) -> . Wu (+ bu): two
 *   MatMuls (a Gemm keeps its transA) and Adds for the biases. Gemm's alpha, and its bias C with
 *   beta when C was folded into the layer, live in the new factors; a C that was not folded is
 *   still added (times beta).
 * - An embedding table read by Gather becomes a narrow table, a MatMul by P [rank, dim] and an Add
 *   of mu [dim] after each Gather: the reconstruction E ~ E_k P + mu.
 *
 * - A MatMul by a 1-D weight w (DCN's cross layers, x @ w) reads w as a [K, 1] matrix and squeezes
 *   the last axis after: the same values, but onnxruntime runs a 1-D MatMul about 6x slower.
 *
 * The replaced initializers are dropped, the new ones written as float32 raw data, `values`
 * overwrite float initializers by name (fine-tuned weights), and `metadata` is added to the
 * model's metadata_props. ModelProto fields slimctr's schema does not list
 * (functions, training info) are not carried over.
 */
import { ShapeError } from '../../util/errors.js';
import { AttrType, DataType, ModelProtoType } from './schema.js';

export interface LinearSwap {
  /** The Gemm/MatMul weight initializer replaced. */
  weight: string;
  /** Gemm's bias initializer folded into `up.b` (removed with the weight), or null. */
  bias: string | null;
  rank: number;
  /** [in, rank] and its bias (or null). */
  down: { W: Float32Array; b: Float32Array | null };
  /** [rank, out] and its bias (or null). */
  up: { W: Float32Array; b: Float32Array | null };
}

export interface TableSwap {
  /** The embedding table initializer replaced. */
  weight: string;
  rank: number;
  /** [rows, rank]. */
  table: Float32Array;
  /** [rank, dim]. */
  P: Float32Array;
  /** [dim]. */
  mu: Float32Array;
}

export interface Swaps {
  linears: readonly LinearSwap[];
  tables: readonly TableSwap[];
  /** New values for float initializers kept (or added by the swaps), by name: e.g. fine-tuned weights. */
  values?: ReadonlyMap<string, Float32Array>;
  metadata?: Readonly<Record<string, string>>;
}

type Obj = Record<string, unknown>;
type Node = { input: string[]; output: string[]; name?: string; opType: string; attribute?: Obj[] };
type Init = { name: string; dims: number[]; dataType: number; rawData?: Uint8Array };

function floatInit(name: string, dims: number[], data: Float32Array): Init {
  if (data.length !== dims.reduce((a, b) => a * b, 1))
    throw new ShapeError(`ONNX rewrite: '${name}' has ${data.length} values for shape [${dims}]`);
  const raw = new Uint8Array(data.length * 4);
  const dv = new DataView(raw.buffer);
  for (let i = 0; i < data.length; i++) dv.setFloat32(i * 4, data[i], true);
  return { name, dims, dataType: DataType.FLOAT, rawData: raw };
}

const intAttr = (node: Node, name: string): number | undefined =>
  node.attribute?.find((a) => a.name === name)?.i as number | undefined;
const floatAttr = (node: Node, name: string): number | undefined =>
  node.attribute?.find((a) => a.name === name)?.f as number | undefined;

/** Builds nodes whose intermediate names start with `prefix`, each name used once. */
class Emitter {
  readonly nodes: Node[] = [];
  private n = 0;
  constructor(private readonly prefix: string) {}

  op(opType: string, input: string[], output?: string, attribute?: Obj[]): string {
    const out = output ?? `${this.prefix}/${opType.toLowerCase()}_${this.n}`;
    this.nodes.push({ input, output: [out], name: `${this.prefix}/${opType}_${this.n++}`, opType, attribute });
    return out;
  }
}

function swapLinear(s: LinearSwap, node: Node, W: Init, added: Init[]): Node[] {
  const transB = node.opType === 'Gemm' && intAttr(node, 'transB') === 1;
  const [inDim, outDim] = transB ? [W.dims[1], W.dims[0]] : W.dims;
  const p = `${s.weight}.slimctr`;
  added.push(floatInit(`${p}.down`, [inDim, s.rank], s.down.W), floatInit(`${p}.up`, [s.rank, outDim], s.up.W));
  if (s.down.b) added.push(floatInit(`${p}.down_bias`, [s.rank], s.down.b));
  if (s.up.b) added.push(floatInit(`${p}.up_bias`, [outDim], s.up.b));
  const e = new Emitter(p);
  const y = node.output[0];
  const unfoldedC = node.opType === 'Gemm' && node.input[2] && node.input[2] !== s.bias ? node.input[2] : null;
  const transA = node.opType === 'Gemm' && intAttr(node, 'transA') === 1;
  let h = transA
    ? e.op('Gemm', [node.input[0], `${p}.down`], undefined, [{ name: 'transA', i: 1, type: AttrType.INT }])
    : e.op('MatMul', [node.input[0], `${p}.down`]);
  if (s.down.b) h = e.op('Add', [h, `${p}.down_bias`]);
  const last = !s.up.b && !unfoldedC;
  h = e.op('MatMul', [h, `${p}.up`], last ? y : undefined);
  if (s.up.b) h = e.op('Add', [h, `${p}.up_bias`], unfoldedC ? undefined : y);
  if (unfoldedC) {
    const beta = floatAttr(node, 'beta') ?? 1;
    let c = unfoldedC;
    if (beta !== 1) {
      added.push(floatInit(`${p}.beta`, [], Float32Array.of(beta)));
      c = e.op('Mul', [c, `${p}.beta`]);
    }
    e.op('Add', [h, c], y);
  }
  return e.nodes;
}

function swapGather(s: TableSwap, node: Node, at: number): Node[] {
  const p = `${s.weight}.slimctr`;
  const e = new Emitter(`${p}/${at}`);
  const g = e.op('Gather', [`${p}.table`, node.input[1]], undefined, node.attribute);
  e.op('Add', [e.op('MatMul', [g, `${p}.P`]), `${p}.mu`], node.output[0]);
  return e.nodes;
}

/**
 * MatMul(x, w) with w a 1-D float initializer read by that node alone (and not declared as a graph
 * input or output, `keep`) becomes MatMul(x, w as [K, 1]) then Squeeze of the last axis (axes as an
 * input from opset 13, an attribute before).
 */
function columnProducts(
  nodes: Node[],
  inits: Map<string, Init>,
  opset: number,
  added: Init[],
  keep: Set<string>,
): Node[] {
  const readers = new Map<string, number>();
  for (const n of nodes) for (const i of n.input ?? []) readers.set(i, (readers.get(i) ?? 0) + 1);
  const out: Node[] = [];
  nodes.forEach((node, at) => {
    const w = node.opType === 'MatMul' ? inits.get(node.input?.[1]) : undefined;
    if (w?.dims?.length !== 1 || w.dataType !== DataType.FLOAT || readers.get(w.name) !== 1 || keep.has(w.name)) {
      out.push(node);
      return;
    }
    w.dims = [w.dims[0], 1];
    const e = new Emitter(`${w.name}.slimctr/${at}`);
    const y = e.op('MatMul', node.input);
    if (opset < 13) e.op('Squeeze', [y], node.output[0], [{ name: 'axes', ints: [-1], type: AttrType.INTS }]);
    else {
      const axes = `${w.name}.slimctr.axes`;
      added.push({
        name: axes,
        dims: [1],
        dataType: DataType.INT64,
        rawData: new Uint8Array(new BigInt64Array([-1n]).buffer),
      });
      e.op('Squeeze', [y, axes], node.output[0]);
    }
    out.push(...e.nodes);
  });
  return out;
}

/** The ONNX bytes with `swaps` applied; `file` names the model in errors. */
export function rewriteOnnx(bytes: Uint8Array, file: string, swaps: Swaps): Uint8Array {
  const m = ModelProtoType.toObject(ModelProtoType.decode(bytes), { longs: Number, defaults: false }) as Obj;
  const g = m.graph as { node: Node[]; initializer: Init[]; input?: Obj[]; output?: Obj[] };
  const inits = new Map(g.initializer.map((t) => [t.name, t]));
  const added: Init[] = [];
  const removed = new Set<string>();
  const need = (name: string): Init => {
    const t = inits.get(name);
    if (!t) throw new ShapeError(`ONNX rewrite of ${file}: no initializer '${name}'`);
    return t;
  };
  const linears = new Map(swaps.linears.map((s) => [s.weight, s]));
  const tables = new Map(swaps.tables.map((s) => [s.weight, s]));
  for (const s of swaps.linears) {
    need(s.weight);
    removed.add(s.weight);
    if (s.bias) removed.add(s.bias);
  }
  for (const s of swaps.tables) {
    const t = need(s.weight);
    const dim = t.dims[1];
    added.push(
      floatInit(`${s.weight}.slimctr.table`, [t.dims[0], s.rank], s.table),
      floatInit(`${s.weight}.slimctr.P`, [s.rank, dim], s.P),
      floatInit(`${s.weight}.slimctr.mu`, [dim], s.mu),
    );
    removed.add(s.weight);
  }
  const nodes: Node[] = [];
  const done = new Set<string>();
  g.node.forEach((node, at) => {
    const lin = (node.opType === 'Gemm' || node.opType === 'MatMul') && linears.get(node.input[1]);
    const tab = node.opType === 'Gather' && tables.get(node.input[0]);
    if (lin) {
      nodes.push(...swapLinear(lin, node, need(lin.weight), added));
      done.add(lin.weight);
    } else if (tab) {
      nodes.push(...swapGather(tab, node, at));
      done.add(tab.weight);
    } else nodes.push(node);
  });
  const unused = [...linears.keys(), ...tables.keys()].filter((w) => !done.has(w));
  if (unused.length) throw new ShapeError(`ONNX rewrite of ${file}: no node reads ${unused.join(', ')} as a weight`);
  const opset = ((m.opsetImport as Obj[] | undefined) ?? []).find((o) => !o.domain)?.version as number | undefined;
  const keep = new Set([...(g.input ?? []), ...(g.output ?? [])].map((v) => v.name as string));
  g.node = columnProducts(nodes, inits, opset ?? 1, added, keep);
  g.initializer = [...g.initializer.filter((t) => !removed.has(t.name)), ...added].map((t) => {
    const v = swaps.values?.get(t.name);
    return v ? floatInit(t.name, t.dims ?? [], v) : t;
  });
  const unknown = [...(swaps.values?.keys() ?? [])].filter((n) => !g.initializer.some((t) => t.name === n));
  if (unknown.length) throw new ShapeError(`ONNX rewrite of ${file}: no float initializer ${unknown.join(', ')}`);
  if (g.input) g.input = g.input.filter((v) => !removed.has(v.name as string));
  const props = ((m.metadataProps as Obj[] | undefined) ?? []).filter(
    (p) => !((p.key as string) in (swaps.metadata ?? {})),
  );
  m.metadataProps = [...props, ...Object.entries(swaps.metadata ?? {}).map(([key, value]) => ({ key, value }))];
  return ModelProtoType.encode(ModelProtoType.fromObject(m)).finish();
}
