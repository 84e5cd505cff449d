/**
 * Arithmetic, activations, reductions, normalizations and matrix products, on autograd ops (the
 * elementwise ones also on host arrays, for shape arithmetic). Gemm and MatMul here are the general
 * forms; those with a 2-D initializer weight run as `Linear` modules (see ops_parts.ts).
 */
import {
  abs,
  add,
  batchMatmul,
  div,
  exp,
  layerNorm,
  leakyRelu,
  log,
  mean,
  mul,
  permute,
  pow,
  relu,
  reshape,
  scale,
  sigmoid,
  softmax,
  sqrt,
  sub,
  sum,
  tanh,
} from '../../autograd/index.js';
import { sizeOfShape } from '../../io/onnx/host_array.js';
import { Tensor } from '../../tensor/tensor.js';
import { hostBinary, normAxis } from './host_ops.js';
import { attrFloat, attrInt, input, intsFrom, type OpCall, type OpFn } from './op_call.js';
import { asTensor, isTensor, nodeError, type Value } from './values.js';

type Fn2 = (a: Tensor, b: Tensor) => Tensor;

/** An elementwise binary op: on host arrays when both inputs are, else on autograd ops. */
function binaryOp(tensorFn: Fn2, hostFn: (x: number, y: number, int: boolean) => number): OpFn {
  return (c) => {
    const a = input(c, 0),
      b = input(c, 1);
    if (!isTensor(a) && !isTensor(b)) {
      const kind = a.kind === 'float' || b.kind === 'float' ? 'float' : a.kind;
      return [hostBinary(a, b, (x, y) => hostFn(x, y, kind !== 'float'), kind)];
    }
    return [tensorFn(asTensor(c, a, 'input 0'), asTensor(c, b, 'input 1'))];
  };
}

function unaryOp(fn: (x: Tensor) => Tensor): OpFn {
  return (c) => [fn(asTensor(c, input(c, 0), 'input 0'))];
}

function softmaxOp(c: OpCall): Value[] {
  const x = asTensor(c, input(c, 0), 'input 0'),
    r = x.rank;
  const ax = normAxis(attrInt(c, 'axis', c.opset >= 13 ? -1 : 1), r);
  if (ax === null) throw nodeError(c, `axis out of range for rank ${r}`);
  if (c.opset < 13) {
    // Before opset 13 the input is seen as 2-D [prod(dims < axis), prod(dims >= axis)].
    const lead = sizeOfShape(x.shape.slice(0, ax));
    return [reshape(softmax(reshape(x, [lead, x.size / Math.max(lead, 1)])), x.shape)];
  }
  if (ax === r - 1) return [softmax(x)];
  const perm = [...Array(r).keys()].filter((i) => i !== ax).concat(ax);
  const back = perm.map((_, i) => perm.indexOf(i));
  return [permute(softmax(permute(x, perm)), back)];
}

function reduceOp(fn: typeof sum): OpFn {
  return (c) => {
    const x = asTensor(c, input(c, 0), 'input 0');
    const axes = intsFrom(c, 1, 'axes') ?? [];
    const keep = attrInt(c, 'keepdims', 1) === 1;
    if (axes.length === 0 && attrInt(c, 'noop_with_empty_axes', 0) === 1) return [x];
    return [fn(x, axes.length ? axes : undefined, keep)];
  };
}

/** Reshapes a per-channel vector [C] to broadcast against axis 1 of a rank-r input. */
function perChannel(t: Tensor, r: number): Tensor {
  return r <= 2 ? t : reshape(t, [t.size, ...Array(r - 2).fill(1)]);
}

function noExtraOutputs(c: OpCall, what: string): void {
  if (c.node.outputs.slice(1).some((o) => o !== ''))
    throw nodeError(c, `${what} outputs beyond the first are not supported`);
}

function batchNormOp(c: OpCall): Value[] {
  if (attrInt(c, 'training_mode', 0) !== 0) throw nodeError(c, 'training_mode is set; slimctr runs the inference form');
  noExtraOutputs(c, 'BatchNormalization');
  const x = asTensor(c, input(c, 0), 'input 0'),
    r = x.rank;
  const [g, b, m, v] = [1, 2, 3, 4].map((i) => perChannel(asTensor(c, input(c, i), `input ${i}`), r));
  const eps = Tensor.from([attrFloat(c, 'epsilon', 1e-5)], []);
  return [add(mul(sub(x, m), div(g, sqrt(add(v, eps)))), b)];
}

function layerNormOp(c: OpCall): Value[] {
  noExtraOutputs(c, 'LayerNormalization');
  const x = asTensor(c, input(c, 0), 'input 0'),
    r = x.rank;
  const ax = normAxis(attrInt(c, 'axis', -1), r);
  if (ax === null) throw nodeError(c, `axis out of range for rank ${r}`);
  const inner = sizeOfShape(x.shape.slice(ax));
  const gamma = reshape(asTensor(c, input(c, 1), 'scale'), [inner]);
  const bias = c.inputs[2] ? reshape(asTensor(c, c.inputs[2], 'bias'), [inner]) : Tensor.zeros([inner]);
  const flat = reshape(x, [x.size / inner, inner]);
  return [reshape(layerNorm(flat, gamma, bias, attrFloat(c, 'epsilon', 1e-5)), x.shape)];
}

function matmulOp(c: OpCall): Value[] {
  return [batchMatmul(asTensor(c, input(c, 0), 'input 0'), asTensor(c, input(c, 1), 'input 1'))];
}

/** General Gemm: alpha * op(A) op(B) + beta * C. */
function gemmOp(c: OpCall): Value[] {
  let a = asTensor(c, input(c, 0), 'A'),
    b = asTensor(c, input(c, 1), 'B');
  if (attrInt(c, 'transA', 0)) a = permute(a, [1, 0]);
  if (attrInt(c, 'transB', 0)) b = permute(b, [1, 0]);
  const alpha = attrFloat(c, 'alpha', 1),
    beta = attrFloat(c, 'beta', 1);
  let y = batchMatmul(a, b);
  if (alpha !== 1) y = scale(y, alpha);
  const cIn = c.inputs[2];
  if (cIn !== undefined && beta !== 0)
    y = add(y, beta === 1 ? asTensor(c, cIn, 'C') : scale(asTensor(c, cIn, 'C'), beta));
  return [y];
}

/** Sum of any number of inputs, with broadcasting. */
function sumOp(c: OpCall): Value[] {
  const add2 = MATH_OPS.Add;
  return [c.inputs.slice(1).reduce<Value>((acc, v) => add2({ ...c, inputs: [acc, v] })[0], input(c, 0))];
}

const intDiv = (x: number, y: number, int: boolean): number => (int ? Math.trunc(x / y) : x / y);

export const MATH_OPS: Record<string, OpFn> = {
  Add: binaryOp(add, (x, y) => x + y),
  Sum: sumOp,
  Sub: binaryOp(sub, (x, y) => x - y),
  Mul: binaryOp(mul, (x, y) => x * y),
  Div: binaryOp(div, intDiv),
  Pow: binaryOp(pow, (x, y) => x ** y),
  Sqrt: unaryOp(sqrt),
  Neg: unaryOp((x) => scale(x, -1)),
  Exp: unaryOp(exp),
  Log: unaryOp(log),
  Abs: unaryOp(abs),
  Relu: unaryOp(relu),
  Sigmoid: unaryOp(sigmoid),
  Tanh: unaryOp(tanh),
  LeakyRelu: (c) => [leakyRelu(asTensor(c, input(c, 0), 'input 0'), attrFloat(c, 'alpha', 0.01))],
  Softmax: softmaxOp,
  ReduceSum: reduceOp(sum),
  ReduceMean: reduceOp(mean),
  BatchNormalization: batchNormOp,
  LayerNormalization: layerNormOp,
  MatMul: matmulOp,
  Gemm: gemmOp,
};
