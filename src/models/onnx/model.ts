/**
 * An imported ONNX graph as a slimctr model: a Module whose embedding tables, linear maps and other
 * float initializers are slimctr tables, `Linear` sub-modules and parameters, and whose forward
 * pass runs the graph's nodes on autograd ops (so it can be evaluated, trained and, later,
 * compressed like a zoo model). Nodes computing only from constants are evaluated once here.
 */
import type { EmbeddingStore } from '../../embedding/store.js';
import type { EmbeddingTable } from '../../embedding/table.js';
import type { HostArray } from '../../io/onnx/host_array.js';
import type { OnnxModel, OnnxNode } from '../../io/onnx/read.js';
import { Linear } from '../../nn/linear.js';
import type { LinearLike } from '../../nn/mlp.js';
import { Module } from '../../nn/module.js';
import { linearSlots, type ModelParts } from '../../nn/parts.js';
import { Rng } from '../../tensor/rng.js';
import { Tensor } from '../../tensor/tensor.js';
import { ShapeError } from '../../util/errors.js';
import { FOLDABLE, OPS } from './ops.js';
import { gatherTable, throughLinear } from './ops_parts.js';
import { findParts, type GraphParts, type LinearTarget } from './parts.js';
import type { OpCall } from './op_call.js';
import { isTensor, nodeError, type Value } from './values.js';

export interface OnnxModelOptions {
  store: EmbeddingStore;
  /** Optimizer slots per embedding row (0 SGD, 1 Adagrad, 2 Adam). */
  slots: number;
}

type Part = { table: EmbeddingTable } | { linear: LinearLike; biasFolded: boolean };

export class OnnxGraphModel extends Module {
  /** What the graph's nodes make compressible (found from the graph alone). */
  readonly graphParts: GraphParts;
  private readonly constants = new Map<string, HostArray>();
  private readonly tensors = new Map<string, Tensor>();
  private readonly partOf = new Map<OnnxNode, Part>();
  private readonly folded = new Set<OnnxNode>();
  /** Initializers held by tables and Linear modules (the nodes using them read them there). */
  private readonly held = new Set<string>();

  constructor(
    readonly graph: OnnxModel,
    opts: OnnxModelOptions,
  ) {
    super();
    for (const node of graph.nodes) {
      if ((node.domain && node.domain !== 'ai.onnx') || !OPS[node.opType]) {
        const op = node.domain && node.domain !== 'ai.onnx' ? `${node.domain}.${node.opType}` : node.opType;
        throw nodeError(
          { file: graph.file, opset: graph.opset, node },
          `op ${op} is not supported by slimctr's ONNX import (supported: ${Object.keys(OPS).sort().join(', ')})`,
        );
      }
    }
    this.graphParts = findParts(graph);
    for (const t of this.graphParts.tables) {
      const w = graph.initializers.get(t.weight)!;
      const table = this.table(t.weight, opts.store.create(t.weight, t.rows, t.dim, opts.slots));
      table.writeRows(w.data as Float32Array);
      for (const n of t.nodes) this.partOf.set(n, { table });
      this.held.add(t.weight);
    }
    for (const l of this.graphParts.linears) {
      const part: Part = { linear: this.linearOf(l), biasFolded: l.bias !== null };
      this.swappable(l.weight, part.linear, (m) => (part.linear = m));
      this.partOf.set(l.node, part);
      this.held.add(l.weight);
      if (l.bias) this.held.add(l.bias);
    }
    for (const [name, a] of graph.initializers) {
      if (this.held.has(name)) continue;
      if (a.kind === 'float' && a.shape.length > 0 && !this.graphParts.frozen.has(name))
        this.tensors.set(name, this.param(name, Tensor.param(Tensor.from(a.data, a.shape))));
      else this.constants.set(name, a);
    }
    this.fold();
  }

  /**
   * The representation compression shares with zoo models: every Gemm/MatMul's Linear in a
   * swappable slot, and every gathered table on its own, each named by its weight initializer. The
   * graph's tables are not one field embedding (ids may come from any computation), so `embedding`
   * is null.
   */
  parts(): ModelParts {
    const byName = new Map(this.tables().map((t) => [t.name, t]));
    const tables = this.graphParts.tables.map((t) => ({ path: t.weight, table: byName.get(t.weight)! }));
    return { linears: linearSlots(this), embedding: null, tables };
  }

  /**
   * The current weights in the graph's own initializer layout, by initializer name: the inverse of
   * the import (a Gemm's transB, alpha and beta undone), for writing trained weights back.
   */
  initializerValues(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const [name, t] of this.tensors) out.set(name, t.toArray());
    for (const t of this.tables()) out.set(t.name, t.readRows());
    for (const l of this.graphParts.linears) {
      const lin = this.partOf.get(l.node) as { linear: LinearLike } | undefined;
      if (!(lin?.linear instanceof Linear)) continue;
      const attr = (k: string, d: number): number =>
        l.op === 'Gemm' ? ((l.node.attrs.get(k) as number | undefined) ?? d) : d;
      const W = lin.linear.W.toArray(),
        alpha = attr('alpha', 1),
        w = new Float32Array(W.length);
      const transposed = attr('transB', 0) === 1;
      for (let i = 0; i < l.inDim; i++)
        for (let o = 0; o < l.outDim; o++)
          w[transposed ? o * l.inDim + i : i * l.outDim + o] = W[i * l.outDim + o] / alpha;
      out.set(l.weight, w);
      if (l.bias && lin.linear.b)
        out.set(
          l.bias,
          lin.linear.b.toArray().map((v) => v / attr('beta', 1)),
        );
    }
    return out;
  }

  /** A Linear holding a Gemm/MatMul's weight as [in, out] (and Gemm's alpha, beta and bias). */
  private linearOf(l: LinearTarget): Linear {
    const node = l.node;
    const w = this.graph.initializers.get(l.weight)!.data;
    const lin = new Linear(l.inDim, l.outDim, new Rng(0), l.bias !== null);
    const alpha = l.op === 'Gemm' ? ((node.attrs.get('alpha') as number | undefined) ?? 1) : 1;
    const transposed = l.op === 'Gemm' && node.attrs.get('transB') === 1;
    const W = lin.W.data;
    for (let i = 0; i < l.inDim; i++)
      for (let o = 0; o < l.outDim; o++)
        W[i * l.outDim + o] = alpha * w[transposed ? o * l.inDim + i : i * l.outDim + o];
    if (l.bias && lin.b) {
      const beta = (node.attrs.get('beta') as number | undefined) ?? 1;
      lin.b.data.set(this.graph.initializers.get(l.bias)!.data.map((v) => v * beta));
    }
    return lin;
  }

  /** Evaluates, once, the nodes whose inputs are all constants (shape arithmetic, Constant nodes). */
  private fold(): void {
    for (const node of this.graph.nodes) {
      if (!FOLDABLE.has(node.opType) || this.partOf.has(node)) continue;
      if (!node.inputs.every((n) => n === '' || this.constants.has(n))) continue;
      const outs = OPS[node.opType](this.call(node, (n) => this.constants.get(n)));
      if (!outs.every((v) => !isTensor(v))) continue;
      outs.forEach((v, i) => {
        if (node.outputs[i]) this.constants.set(node.outputs[i], v as HostArray);
      });
      this.folded.add(node);
    }
  }

  private call(node: OnnxNode, get: (name: string) => Value | undefined): OpCall {
    return {
      file: this.graph.file,
      opset: this.graph.opset,
      node,
      inputs: node.inputs.map((n) => (n === '' ? undefined : get(n))),
    };
  }

  /**
   * Runs the graph on `inputs` (host arrays by graph input name; check them with checkInputs).
   * Returns each graph output by name, and each intermediate value named in `extra` (e.g. the
   * logit under a final Sigmoid): float values as tensors (in the caller's scope).
   */
  forward(inputs: ReadonlyMap<string, HostArray>, extra: readonly string[] = []): Map<string, Value> {
    const env = new Map<string, Value>(this.constants);
    for (const [k, t] of this.tensors) env.set(k, t);
    for (const v of this.graph.inputs) {
      const a = inputs.get(v.name);
      if (!a) throw new ShapeError(`graph input '${v.name}' is missing`);
      env.set(v.name, a.kind === 'float' ? Tensor.from(a.data, a.shape) : a);
    }
    for (const node of this.graph.nodes) {
      if (this.folded.has(node)) continue;
      const c = this.call(node, (n) => {
        const v = env.get(n);
        if (v === undefined && this.held.has(n)) return undefined;
        if (v === undefined)
          throw nodeError(
            { file: this.graph.file, opset: this.graph.opset, node },
            `input '${n}' is not produced by any earlier node`,
          );
        return v;
      });
      const part = this.partOf.get(node);
      const outs = !part
        ? OPS[node.opType](c)
        : 'table' in part
          ? gatherTable(c, part.table)
          : throughLinear(c, part.linear, part.biasFolded);
      outs.forEach((v, i) => {
        if (node.outputs[i]) env.set(node.outputs[i], v);
      });
    }
    return new Map(
      [...this.graph.outputs, ...extra.map((name) => ({ name }))].map((o) => {
        const v = env.get(o.name);
        if (v === undefined)
          throw nodeError(
            { file: this.graph.file, opset: this.graph.opset, node: this.graph.nodes[this.graph.nodes.length - 1] },
            `graph output '${o.name}' is never produced`,
          );
        return [o.name, v];
      }),
    );
  }
}
