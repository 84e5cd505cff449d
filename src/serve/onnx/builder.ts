/** Accumulates an ONNX graph: nodes, initializers (deduplicated constants) and unique value names. */
import {
  DataType,
  floatBytes,
  int64Bytes,
  type AttrValue,
  type ElemType,
  type InitializerSpec,
  type NodeSpec,
} from './onnx_proto.js';

export class GraphBuilder {
  readonly nodes: NodeSpec[] = [];
  readonly initializers: InitializerSpec[] = [];
  private readonly names = new Set<string>();
  private readonly constCache = new Map<string, string>();

  /** `base`, or `base_2`, `base_3`, ... if taken. */
  unique(base: string): string {
    let name = base,
      k = 1;
    while (this.names.has(name)) name = `${base}_${++k}`;
    this.names.add(name);
    return name;
  }

  /** Reserves a name exactly (graph inputs and outputs). */
  reserve(name: string): string {
    if (this.names.has(name))
      throw new Error(`internal: onnx: value name '${name}' is taken (the exporter names values uniquely)`);
    this.names.add(name);
    return name;
  }

  /** Adds a node with one output (named after `hint` unless `output` is given); returns the output name. */
  node(
    op: string,
    inputs: readonly string[],
    attrs: Record<string, AttrValue> = {},
    hint = op.toLowerCase(),
    output?: string,
  ): string {
    const out = output ?? this.unique(hint);
    this.nodes.push({ op, inputs, outputs: [out], name: `${op}_${this.nodes.length}`, attrs });
    return out;
  }

  initializer(name: string, dims: readonly number[], type: ElemType, raw: Uint8Array): string {
    const n = this.unique(name);
    this.initializers.push({ name: n, dims, type, raw });
    return n;
  }

  floats(name: string, dims: readonly number[], values: ArrayLike<number>): string {
    return this.initializer(name, dims, DataType.FLOAT, floatBytes(values));
  }

  /** A small int64 constant, shared by every use of the same values. */
  int64Const(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const key = `i64:${dims.join('x')}:${values.join(',')}`;
    let n = this.constCache.get(key);
    if (!n) {
      n = this.initializer('const_i64', dims, DataType.INT64, int64Bytes(values));
      this.constCache.set(key, n);
    }
    return n;
  }

  /** A float scalar constant, shared by equal values. */
  scalar(value: number): string {
    const key = `f32:${Math.fround(value)}`;
    let n = this.constCache.get(key);
    if (!n) {
      n = this.floats('const_f32', [], [value]);
      this.constCache.set(key, n);
    }
    return n;
  }
}
