/**
 * What `inspect-onnx` reports about a graph, computed from the file alone (no engine): inputs,
 * outputs, op counts, parameter counts and bytes, and the parts compression can factorize.
 */
import type { OnnxModel, OnnxValueInfo } from '../../io/onnx/read.js';
import { DataType } from '../../io/onnx/schema.js';
import { findParts } from './parts.js';

interface TargetRow {
  kind: 'table' | 'linear';
  name: string;
  shape: string;
  params: number;
  /** float32 bytes. */
  bytes: number;
  /** The node(s) using it. */
  nodes: string[];
}

export interface GraphSummary {
  irVersion: number;
  opset: number;
  producer: string;
  inputs: string[];
  outputs: string[];
  ops: [string, number][];
  nodes: number;
  /** Float initializer values (all parameters and constants) and their float32 bytes. */
  params: number;
  bytes: number;
  targets: TargetRow[];
}

const TYPE_NAMES = new Map<number, string>(Object.entries(DataType).map(([k, v]) => [v, k.toLowerCase()]));

function describeValue(v: OnnxValueInfo): string {
  const dims = v.dims ? `[${v.dims.map((d) => d ?? '?').join(', ')}]` : '[unknown shape]';
  return `${v.name}: ${TYPE_NAMES.get(v.elemType) ?? `type ${v.elemType}`} ${dims}`;
}

export function summarizeGraph(m: OnnxModel): GraphSummary {
  const ops = new Map<string, number>();
  for (const n of m.nodes) ops.set(n.opType, (ops.get(n.opType) ?? 0) + 1);
  let params = 0;
  for (const a of m.initializers.values()) if (a.kind === 'float') params += a.data.length;
  const parts = findParts(m);
  const targets: TargetRow[] = [
    ...parts.tables.map(
      (t): TargetRow => ({
        kind: 'table',
        name: t.weight,
        shape: `${t.rows} x ${t.dim}`,
        params: t.rows * t.dim,
        bytes: 4 * t.rows * t.dim,
        nodes: t.nodes.map((n) => n.name),
      }),
    ),
    ...parts.linears.map(
      (l): TargetRow => ({
        kind: 'linear',
        name: l.weight,
        shape: `${l.inDim} -> ${l.outDim}`,
        params: l.inDim * l.outDim,
        bytes: 4 * l.inDim * l.outDim,
        nodes: [l.node.name],
      }),
    ),
  ];
  return {
    irVersion: m.irVersion,
    opset: m.opset,
    producer: m.producer,
    inputs: m.inputs.map(describeValue),
    outputs: m.outputs.map(describeValue),
    ops: [...ops].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])),
    nodes: m.nodes.length,
    params,
    bytes: 4 * params,
    targets,
  };
}
