/**
 * The parts of an imported graph that compression can factorize, found from the graph alone:
 * every Gemm/MatMul whose weight is a 2-D float initializer used by that node only (a linear map),
 * and every 2-D float initializer read only by Gather on axis 0 (an embedding table; one table
 * however many nodes gather from it).
 */
import type { HostArray } from '../../io/onnx/host_array.js';
import type { OnnxModel, OnnxNode } from '../../io/onnx/read.js';

export interface LinearTarget {
  node: OnnxNode;
  op: 'Gemm' | 'MatMul';
  weight: string;
  inDim: number;
  outDim: number;
  /** Gemm's bias initializer folded into the layer (shape [out] or [1, out]), if any. */
  bias: string | null;
}

interface TableTarget {
  weight: string;
  rows: number;
  dim: number;
  /** The Gather nodes reading the table. */
  nodes: OnnxNode[];
}

export interface GraphParts {
  linears: LinearTarget[];
  tables: TableTarget[];
  /** Float initializers that are constants, not trainable (BatchNormalization's running statistics). */
  frozen: Set<string>;
}

type Use = { node: OnnxNode; slot: number };

function usesOf(m: OnnxModel): Map<string, Use[]> {
  const uses = new Map<string, Use[]>();
  for (const node of m.nodes)
    node.inputs.forEach((name, slot) => {
      if (!uses.has(name)) uses.set(name, []);
      uses.get(name)!.push({ node, slot });
    });
  return uses;
}

const isMatrix = (a: HostArray | undefined): a is HostArray =>
  a !== undefined && a.kind === 'float' && a.shape.length === 2;

export function findParts(m: OnnxModel): GraphParts {
  const uses = usesOf(m);
  const init = m.initializers;
  const only = (name: string): boolean => (uses.get(name)?.length ?? 0) === 1;
  const tables: TableTarget[] = [];
  for (const [name, a] of init) {
    const u = uses.get(name) ?? [];
    if (!isMatrix(a) || u.length === 0) continue;
    if (
      u.every(
        ({ node, slot }) =>
          node.opType === 'Gather' && slot === 0 && ((node.attrs.get('axis') as number | undefined) ?? 0) === 0,
      )
    ) {
      tables.push({ weight: name, rows: a.shape[0], dim: a.shape[1], nodes: u.map(({ node }) => node) });
    }
  }
  const linears: LinearTarget[] = [];
  for (const node of m.nodes) {
    if (node.opType !== 'Gemm' && node.opType !== 'MatMul') continue;
    const [x, w, c] = node.inputs;
    const W = init.get(w);
    if (init.has(x) || !isMatrix(W) || !only(w)) continue;
    const transB = node.opType === 'Gemm' && node.attrs.get('transB') === 1;
    const [inDim, outDim] = transB ? [W.shape[1], W.shape[0]] : W.shape;
    const C = c ? init.get(c) : undefined;
    const bias =
      C &&
      C.kind === 'float' &&
      C.data.length === outDim &&
      C.shape.length <= 2 &&
      C.shape[C.shape.length - 1] === outDim &&
      only(c)
        ? c
        : null;
    linears.push({ node, op: node.opType, weight: w, inDim, outDim, bias });
  }
  const frozen = new Set<string>();
  for (const node of m.nodes)
    if (node.opType === 'BatchNormalization') for (const i of [3, 4]) if (node.inputs[i]) frozen.add(node.inputs[i]);
  return { linears, tables, frozen };
}
