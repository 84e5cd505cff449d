/**
 * One ONNX mapping per traced autograd op. Each op is seen at two probe batch sizes (events `a`
 * and `b`); axes whose size differs between the two depend on the batch and must stay dynamic
 * (Reshape with 0 / -1, no slicing or gathering along them).
 */
import type { TraceEvent } from '../../autograd/index.js';
import type { Shape } from '../../tensor/tensor.js';
import { ExportError } from '../../util/errors.js';
import type { GraphBuilder } from './builder.js';

export interface OpContext {
  g: GraphBuilder;
  /** The op at the first probe batch size. */
  a: TraceEvent;
  /** The same op at the second probe batch size. */
  b: TraceEvent;
  /** ONNX value names of `a.inputs`. */
  ins: string[];
}

type OpMapper = (c: OpContext) => string;

/** Per axis: does its size follow the batch? */
export function batchAxes(sa: Shape, sb: Shape, what: string): boolean[] {
  if (sa.length !== sb.length) throw new ExportError(`${what}: rank depends on the batch size ([${sa}] vs [${sb}])`);
  return sa.map((d, i) => d !== sb[i]);
}

function attr<T>(c: OpContext, key: string): T {
  return c.a.attrs[key] as T;
}

function sameIndices(c: OpContext): Int32Array {
  const ia = attr<Int32Array>(c, 'idx'),
    ib = c.b.attrs.idx as Int32Array;
  if (ia.length !== ib.length || ia.some((v, i) => v !== ib[i])) {
    throw new ExportError(`${c.a.op}: gather indices come from the batch (only constant indices can be exported)`);
  }
  return ia;
}

function transposeLast2(c: OpContext, name: string, rank: number): string {
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return c.g.node('Transpose', [name], { perm: { ints: perm } });
}

/** Reshape target: fixed sizes, 0 (copy) for batch axes kept in place, one -1 for a batch-derived size. */
function reshapeTarget(c: OpContext): number[] {
  const outA = c.a.output.shape,
    outB = c.b.output.shape;
  const inA = c.a.inputs[0].shape,
    inB = c.b.inputs[0].shape;
  const dyn = batchAxes(outA, outB, 'reshape');
  const target = outA.map((d, i) => {
    if (!dyn[i]) return d;
    return i < inA.length && inA[i] === d && inB[i] === outB[i] ? 0 : -1;
  });
  if (target.filter((d) => d === -1).length > 1) {
    throw new ExportError(`reshape [${inA}] -> [${outA}]: more than one axis depends on the batch size`);
  }
  return target;
}

const elementwise =
  (op: string): OpMapper =>
  (c) =>
    c.g.node(op, c.ins);

const MAPPERS: Record<string, OpMapper> = {
  add: elementwise('Add'),
  sub: elementwise('Sub'),
  mul: elementwise('Mul'),
  relu: elementwise('Relu'),
  sigmoid: elementwise('Sigmoid'),
  tanh: elementwise('Tanh'),
  addN: (c) => c.g.node('Sum', c.ins),
  scale: (c) => c.g.node('Mul', [c.ins[0], c.g.scalar(attr<number>(c, 's'))]),
  softmax: (c) => c.g.node('Softmax', c.ins, { axis: { i: -1 } }),
  matmul: (c) => {
    const x = attr<boolean>(c, 'transA') ? transposeLast2(c, c.ins[0], 2) : c.ins[0];
    const y = attr<boolean>(c, 'transB') ? transposeLast2(c, c.ins[1], 2) : c.ins[1];
    return c.g.node('MatMul', [x, y]);
  },
  bmm: (c) => {
    const x = attr<boolean>(c, 'transA') ? transposeLast2(c, c.ins[0], 3) : c.ins[0];
    const y = attr<boolean>(c, 'transB') ? transposeLast2(c, c.ins[1], 3) : c.ins[1];
    return c.g.node('MatMul', [x, y]);
  },
  linear: (c) => {
    const y = c.g.node('MatMul', [c.ins[0], c.ins[1]]);
    return c.ins.length > 2 ? c.g.node('Add', [y, c.ins[2]]) : y;
  },
  sum: (c) =>
    c.g.node('ReduceSum', [c.ins[0], c.g.int64Const(attr<number[]>(c, 'axes'))], {
      keepdims: { i: attr<boolean>(c, 'keepDims') ? 1 : 0 },
    }),
  // ReduceMean takes its axes as an attribute until opset 18.
  mean: (c) =>
    c.g.node('ReduceMean', [c.ins[0]], {
      axes: { ints: attr<number[]>(c, 'axes') },
      keepdims: { i: attr<boolean>(c, 'keepDims') ? 1 : 0 },
    }),
  reshape: (c) => c.g.node('Reshape', [c.ins[0], c.g.int64Const(reshapeTarget(c))]),
  permute: (c) => c.g.node('Transpose', c.ins, { perm: { ints: attr<number[]>(c, 'perm') } }),
  // [B, F, k] x [F, k, D] + [F, D]: per-field MatMul with fields leading, then back to [B, F, D].
  fieldProject: (c) => {
    const byField = c.g.node('Transpose', [c.ins[0]], { perm: { ints: [1, 0, 2] } });
    const projected = c.g.node('Transpose', [c.g.node('MatMul', [byField, c.ins[1]])], { perm: { ints: [1, 0, 2] } });
    return c.g.node('Add', [projected, c.ins[2]]);
  },
  fieldAttention: (c) => attentionNodes(c),
  bilinearPairs: (c) => bilinearNodes(c),
  // x0 * (x w) + b + x
  crossLayer: (c) =>
    c.g.node('Add', [
      c.g.node('Add', [c.g.node('Mul', [c.ins[0], c.g.node('MatMul', [c.ins[1], c.ins[2]])]), c.ins[3]]),
      c.ins[1],
    ]),
  concat: (c) => c.g.node('Concat', c.ins, { axis: { i: attr<number>(c, 'axis') } }),
  slice: (c) => {
    const axis = attr<number>(c, 'axis'),
      start = attr<number>(c, 'start'),
      end = attr<number>(c, 'end');
    if (batchAxes(c.a.inputs[0].shape, c.b.inputs[0].shape, 'slice')[axis]) {
      const whole = start === 0 && end === c.a.inputs[0].shape[axis] && c.b.attrs.end === c.b.inputs[0].shape[axis];
      if (!whole) throw new ExportError(`slice along the batch axis ${axis} cannot be exported`);
      return c.g.node('Identity', c.ins);
    }
    return c.g.node('Slice', [c.ins[0], c.g.int64Const([start]), c.g.int64Const([end]), c.g.int64Const([axis])]);
  },
  gatherRows: (c) => gather(c, 0),
  indexSelect: (c) => gather(c, attr<number>(c, 'axis')),
  layerNorm: (c) => c.g.node('LayerNormalization', c.ins, { axis: { i: -1 }, epsilon: { f: attr<number>(c, 'eps') } }),
  batchNorm: (c) => {
    if (attr<boolean>(c, 'training')) throw new ExportError('batchNorm in training mode cannot be exported');
    const D = c.a.inputs[0].shape[c.a.inputs[0].rank - 1];
    const mean = c.g.floats('bn_mean', [D], attr<Float64Array>(c, 'mean'));
    const invStd = c.g.floats('bn_inv_std', [D], attr<Float64Array>(c, 'invStd'));
    const xhat = c.g.node('Mul', [c.g.node('Sub', [c.ins[0], mean]), invStd]);
    return c.g.node('Add', [c.g.node('Mul', [xhat, c.ins[1]]), c.ins[2]]);
  },
  dropout: (c) => {
    if (attr<boolean>(c, 'training')) throw new ExportError('dropout in training mode cannot be exported');
    return c.g.node('Identity', c.ins);
  },
};

function gather(c: OpContext, axis: number): string {
  if (batchAxes(c.a.inputs[0].shape, c.b.inputs[0].shape, c.a.op)[axis]) {
    throw new ExportError(`${c.a.op} along the batch axis ${axis} cannot be exported`);
  }
  const idx = sameIndices(c);
  return c.g.node('Gather', [c.ins[0], c.g.int64Const([...idx])], { axis: { i: axis } });
}

/** [B, F, n*H*dh] -> per-head MatMul / Softmax / MatMul on [B, H, F, dh], back to [B, F, H*dh] (+ residual block). */
function attentionNodes(c: OpContext): string {
  const H = attr<number>(c, 'heads'),
    dh = attr<number>(c, 'headDim'),
    F = c.a.inputs[0].shape[1],
    HD = H * dh;
  const block = (i: number): string =>
    c.g.node('Slice', [c.ins[0], c.g.int64Const([i * HD]), c.g.int64Const([(i + 1) * HD]), c.g.int64Const([2])]);
  const heads = (i: number, perm: number[]): string =>
    c.g.node('Transpose', [c.g.node('Reshape', [block(i), c.g.int64Const([0, F, H, dh])])], { perm: { ints: perm } });
  const logits = c.g.node('Mul', [
    c.g.node('MatMul', [heads(0, [0, 2, 1, 3]), heads(1, [0, 2, 3, 1])]),
    c.g.scalar(attr<number>(c, 'scale')),
  ]);
  const probs = c.g.node('Softmax', [logits], { axis: { i: -1 } });
  const mixed = c.g.node('Transpose', [c.g.node('MatMul', [probs, heads(2, [0, 2, 1, 3])])], {
    perm: { ints: [0, 2, 1, 3] },
  });
  const out = c.g.node('Reshape', [mixed, c.g.int64Const([0, F, HD])]);
  return attr<boolean>(c, 'residual') ? c.g.node('Add', [out, block(3)]) : out;
}

/**
 * Per (emb, W) input pair: [B, F, D] -> fields leading, Gather the left and right field of each
 * pair, (v_i W) ⊙ v_j, back to [B, P, D]; joined outputs are flattened per example and concatenated.
 */
function bilinearNodes(c: OpContext): string {
  const F = c.a.inputs[0].shape[1],
    modes = attr<number[]>(c, 'modes');
  const left: number[] = [],
    right: number[] = [];
  for (let i = 0; i < F; i++)
    for (let j = i + 1; j < F; j++) {
      left.push(i);
      right.push(j);
    }
  const parts = modes.map((mode, k) => {
    const byField = c.g.node('Transpose', [c.ins[2 * k]], { perm: { ints: [1, 0, 2] } });
    const vi = c.g.node('Gather', [byField, c.g.int64Const(left)], { axis: { i: 0 } });
    const vj = c.g.node('Gather', [byField, c.g.int64Const(right)], { axis: { i: 0 } });
    const W =
      mode === 1 ? c.g.node('Gather', [c.ins[2 * k + 1], c.g.int64Const(left)], { axis: { i: 0 } }) : c.ins[2 * k + 1];
    const prod = c.g.node('Transpose', [c.g.node('Mul', [c.g.node('MatMul', [vi, W]), vj])], {
      perm: { ints: [1, 0, 2] },
    });
    return attr<boolean>(c, 'joined') ? c.g.node('Reshape', [prod, c.g.int64Const([0, -1])]) : prod;
  });
  return parts.length === 1 ? parts[0] : c.g.node('Concat', parts, { axis: { i: 1 } });
}

/** Emits the ONNX nodes for one traced op; returns the name of its output value. */
export function mapOp(c: OpContext): string {
  const m = MAPPERS[c.a.op];
  if (!m) throw new ExportError(`op '${c.a.op}' has no ONNX mapping (add one in src/serve/onnx/ops.ts)`);
  return m(c);
}
