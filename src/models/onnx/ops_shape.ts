/**
 * Shape ops and constants. Each runs on host arrays when all its inputs are host values (shape
 * arithmetic, id columns), and on autograd ops when its data input is a tensor.
 */
import { concat, expand, indexSelect, permute, reshape, slice, split } from '../../autograd/index.js';
import { hostArray, sizeOfShape, type HostArray } from '../../io/onnx/host_array.js';
import { DataType } from '../../io/onnx/schema.js';
import { hostBinary, hostConcat, hostGather, normAxis } from './host_ops.js';
import { attrInt, attrInts, attrTensor, attr, input, intsFrom, type OpCall, type OpFn } from './op_call.js';
import { asHost, asTensor, describe, isTensor, nodeError, numbers, type Value } from './values.js';

function axisOf(c: OpCall, a: number, rank: number): number {
  const ax = normAxis(a, rank);
  if (ax === null) throw nodeError(c, `axis ${a} is out of range for rank ${rank}`);
  return ax;
}

function withShape(v: Value, shape: number[]): Value {
  return isTensor(v) ? reshape(v, shape) : { ...v, shape };
}

/** Entries `idx` along `axis` (a copy; a run of step 1 uses slice). */
function take(v: Value, axis: number, idx: number[], idxShape: readonly number[] = [idx.length]): Value {
  if (!isTensor(v)) return hostGather(v, axis, idx, idxShape);
  const run = idx.length > 0 && idx.every((x, i) => x === idx[0] + i) && idxShape.length === 1;
  const t = run ? slice(v, axis, idx[0], idx[0] + idx.length) : indexSelect(v, axis, Int32Array.from(idx));
  const shape = [...v.shape.slice(0, axis), ...idxShape, ...v.shape.slice(axis + 1)];
  return t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]) ? t : reshape(t, shape);
}

const reshapeOp: OpFn = (c) => {
  const x = input(c, 0),
    target = numbers(input(c, 1));
  const allowZero = attrInt(c, 'allowzero', 0) === 1;
  const shape = target.map((d, i) => (d === 0 && !allowZero ? x.shape[i] : d));
  const known = shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const size = sizeOfShape(x.shape);
  const full = shape.map((d) => (d === -1 ? size / known : d));
  if (sizeOfShape(full) !== size || full.some((d) => !Number.isInteger(d) || d < 0)) {
    throw nodeError(c, `cannot reshape ${describe(x)} to [${target.join(', ')}]`);
  }
  return [withShape(x, full)];
};

const flatten: OpFn = (c) => {
  const x = input(c, 0),
    r = x.shape.length;
  const a = attrInt(c, 'axis', 1),
    ax = a < 0 ? a + r : a;
  if (ax < 0 || ax > r) throw nodeError(c, `axis ${a} is out of range for rank ${r}`);
  const lead = sizeOfShape(x.shape.slice(0, ax));
  return [withShape(x, [lead, sizeOfShape(x.shape.slice(ax))])];
};

const unsqueeze: OpFn = (c) => {
  const x = input(c, 0),
    axes = intsFrom(c, 1, 'axes') ?? [];
  const r = x.shape.length + axes.length;
  const at = new Set(axes.map((a) => axisOf(c, a, r)));
  const shape: number[] = [];
  let k = 0;
  for (let i = 0; i < r; i++) shape.push(at.has(i) ? 1 : x.shape[k++]);
  return [withShape(x, shape)];
};

const squeeze: OpFn = (c) => {
  const x = input(c, 0),
    axes = intsFrom(c, 1, 'axes');
  const drop = axes
    ? new Set(axes.map((a) => axisOf(c, a, x.shape.length)))
    : new Set(x.shape.flatMap((d, i) => (d === 1 ? [i] : [])));
  for (const a of drop) if (x.shape[a] !== 1) throw nodeError(c, `axis ${a} of ${describe(x)} is not 1`);
  return [
    withShape(
      x,
      x.shape.filter((_, i) => !drop.has(i)),
    ),
  ];
};

const transpose: OpFn = (c) => {
  const x = asTensor(c, input(c, 0), 'input 0');
  const perm = attrInts(c, 'perm') ?? [...x.shape.keys()].reverse();
  return [permute(x, perm)];
};

const concatOp: OpFn = (c) => {
  const xs = c.inputs.filter((v): v is Value => v !== undefined);
  const ax = axisOf(c, attrInt(c, 'axis', 0), xs[0].shape.length);
  if (xs.every((v) => !isTensor(v))) return [hostConcat(xs as HostArray[], ax)];
  return [
    concat(
      xs.map((v, i) => asTensor(c, v, `input ${i}`)),
      ax,
    ),
  ];
};

const sliceOp: OpFn = (c) => {
  let x = input(c, 0);
  const starts = numbers(input(c, 1)),
    ends = numbers(input(c, 2));
  const axes = c.inputs[3] ? numbers(c.inputs[3]) : starts.map((_, i) => i);
  const steps = c.inputs[4] ? numbers(c.inputs[4]) : starts.map(() => 1);
  axes.forEach((a, i) => {
    const ax = axisOf(c, a, x.shape.length),
      d = x.shape[ax],
      step = steps[i];
    if (step === 0) throw nodeError(c, 'a step of 0');
    const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v < 0 ? v + d : v, lo), hi);
    const [lo, hi] = step > 0 ? [0, d] : [-1, d - 1];
    const s = clamp(starts[i], lo, hi),
      e = clamp(ends[i], lo, hi);
    const idx: number[] = [];
    for (let j = s; step > 0 ? j < e : j > e; j += step) idx.push(j);
    x = take(x, ax, idx);
  });
  return [x];
};

const splitOp: OpFn = (c) => {
  const x = input(c, 0),
    ax = axisOf(c, attrInt(c, 'axis', 0), x.shape.length),
    d = x.shape[ax];
  const n = c.node.outputs.length;
  const sizes =
    intsFrom(c, 1, 'split') ??
    Array.from({ length: n }, (_, i) => Math.min(Math.ceil(d / n), Math.max(0, d - i * Math.ceil(d / n))));
  if (sizes.reduce((a, b) => a + b, 0) !== d)
    throw nodeError(c, `split sizes [${sizes.join(', ')}] do not add up to ${d}`);
  if (isTensor(x)) return split(x, ax, sizes);
  let at = 0;
  return sizes.map((s) => {
    const piece = take(
      x,
      ax,
      Array.from({ length: s }, (_, j) => at + j),
    );
    at += s;
    return piece;
  });
};

const expandOp: OpFn = (c) => {
  const x = input(c, 0),
    shape = numbers(input(c, 1));
  if (isTensor(x)) return [expand(x, shape)];
  return [hostBinary(x, hostArray(x.kind, shape, new Float64Array(sizeOfShape(shape))), (a) => a)];
};

const shapeOp: OpFn = (c) => {
  const dims = input(c, 0).shape,
    r = dims.length;
  const norm = (v: number): number => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
  const s = norm(attrInt(c, 'start', 0)),
    e = norm(attrInt(c, 'end', r));
  return [hostArray('int', [Math.max(e - s, 0)], dims.slice(s, e))];
};

const gather: OpFn = (c) => {
  const x = input(c, 0),
    ind = input(c, 1);
  if (isTensor(ind) || ind.kind === 'float')
    throw nodeError(c, `indices are ${describe(ind)}; Gather needs integer indices`);
  const ax = axisOf(c, attrInt(c, 'axis', 0), x.shape.length),
    d = x.shape[ax];
  const idx = numbers(ind).map((i) => (i < 0 ? i + d : i));
  const bad = idx.findIndex((i) => !(i >= 0 && i < d));
  if (bad >= 0) throw nodeError(c, `index ${numbers(ind)[bad]} at position ${bad} is outside 0..${d - 1}`);
  return [take(x, ax, idx, ind.shape)];
};

const FLOAT_TYPES: number[] = [DataType.FLOAT, DataType.DOUBLE, DataType.FLOAT16];

const cast: OpFn = (c) => {
  const x = input(c, 0),
    to = attrInt(c, 'to', 0);
  if (FLOAT_TYPES.includes(to)) return [isTensor(x) ? x : hostArray('float', x.shape, x.data)];
  const h = asHost(x);
  if (to === DataType.BOOL)
    return [
      hostArray(
        'bool',
        h.shape,
        h.data.map((v) => (v !== 0 ? 1 : 0)),
      ),
    ];
  return [hostArray('int', h.shape, h.data.map(Math.trunc))];
};

const constant: OpFn = (c) => {
  const t = attrTensor(c, 'value');
  if (t) return [t];
  for (const [name, kind] of [
    ['value_float', 'float'],
    ['value_int', 'int'],
    ['value_floats', 'float'],
    ['value_ints', 'int'],
  ] as const) {
    const v = attr(c, name);
    if (typeof v === 'number') return [hostArray(kind, [], [v])];
    if (Array.isArray(v)) return [hostArray(kind, [v.length], v as number[])];
  }
  throw nodeError(c, 'no value attribute slimctr reads (value, value_float(s), value_int(s))');
};

const constantOfShape: OpFn = (c) => {
  const shape = numbers(input(c, 0));
  const v = attrTensor(c, 'value') ?? hostArray('float', [1], [0]);
  return [hostArray(v.kind, shape, new Float64Array(sizeOfShape(shape)).fill(v.data[0]))];
};

const identity: OpFn = (c) => [input(c, 0)];

const dropout: OpFn = (c) => {
  const training = c.inputs[2];
  if (training !== undefined && numbers(training)[0] !== 0)
    throw nodeError(c, 'training_mode is true; slimctr runs the inference form of Dropout');
  const x = input(c, 0);
  return [x, hostArray('bool', x.shape, new Float64Array(sizeOfShape(x.shape)).fill(1))];
};

export const SHAPE_OPS: Record<string, OpFn> = {
  Reshape: reshapeOp,
  Flatten: flatten,
  Unsqueeze: unsqueeze,
  Squeeze: squeeze,
  Transpose: transpose,
  Concat: concatOp,
  Slice: sliceOp,
  Split: splitOp,
  Expand: expandOp,
  Shape: shapeOp,
  Gather: gather,
  Cast: cast,
  Constant: constant,
  ConstantOfShape: constantOfShape,
  Identity: identity,
  Dropout: dropout,
};
