/** Elementwise arithmetic with broadcasting: add, sub, mul, and scaling by a constant. */
import { engine } from '../../kernels/engine.js';
import { Tensor, type Shape } from '../../tensor/tensor.js';
import { gradOf, record } from '../graph.js';
import { broadcastShape, broadcastStrides, forEachRow, reduceInto } from './broadcast.js';

type BinOp = 'add' | 'sub' | 'mul';

const sameShape = (a: Shape, b: Shape): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

/** Equal shapes (no broadcasting): flat WebAssembly SIMD passes, no temporaries. */
function binarySame(op: BinOp, a: Tensor, b: Tensor): Tensor {
  const out = new Tensor(a.shape);
  const k = engine().k,
    n = a.size;
  if (op === 'mul') k.mul_span(out.ptr, a.ptr, b.ptr, n, 0);
  else {
    const x = a.data,
      y = b.data,
      z = out.data;
    if (op === 'add') for (let i = 0; i < n; i++) z[i] = x[i] + y[i];
    else for (let i = 0; i < n; i++) z[i] = x[i] - y[i];
  }
  return record(out, op, [a, b], (g) => {
    if (op === 'mul') {
      // d(a*b)/da = g * b and d(a*b)/db = g * a (both into one buffer when a is b).
      if (a.requiresGrad) k.mul_span(gradOf(a).ptr, g.ptr, b.ptr, n, 1);
      if (b.requiresGrad) k.mul_span(gradOf(b).ptr, g.ptr, a.ptr, n, 1);
      return;
    }
    if (a.requiresGrad) k.axpy_rows(gradOf(a).ptr, 0, g.ptr, 0, 1, n, 1);
    if (b.requiresGrad) k.axpy_rows(gradOf(b).ptr, 0, g.ptr, 0, 1, n, op === 'add' ? 1 : -1);
  });
}

/** The width D when `v` is a row vector of `x` ([D] or [1, ..., 1, D] against [..., D]: a bias add), else 0. */
function rowWidth(x: Shape, v: Shape): number {
  const D = x[x.length - 1];
  if (x.length === 0 || v.length > x.length || v[v.length - 1] !== D) return 0;
  return v.slice(0, -1).every((d) => d === 1) ? D : 0;
}

/** x + v with v a row vector of x: a copy and one kernel pass each way. */
function addRows(a: Tensor, b: Tensor, x: Tensor, v: Tensor, D: number): Tensor {
  const k = engine().k,
    rows = x.size / D;
  const out = new Tensor(x.shape);
  out.data.set(x.data);
  k.add_row_vector(out.ptr, v.ptr, rows, D);
  return record(out, 'add', [a, b], (g) => {
    if (x.requiresGrad) k.axpy_rows(gradOf(x).ptr, 0, g.ptr, 0, 1, x.size, 1);
    if (v.requiresGrad) k.sum_rows(g.ptr, rows, D, gradOf(v).ptr);
  });
}

function binary(op: BinOp, a: Tensor, b: Tensor): Tensor {
  if (sameShape(a.shape, b.shape)) return binarySame(op, a, b);
  const shape = broadcastShape(a.shape, b.shape, op);
  if (op === 'add') {
    // One operand is the result's shape and the other a row of it: the bias add, on the row kernels.
    if (sameShape(shape, a.shape) && rowWidth(a.shape, b.shape)) return addRows(a, b, a, b, rowWidth(a.shape, b.shape));
    if (sameShape(shape, b.shape) && rowWidth(b.shape, a.shape)) return addRows(a, b, b, a, rowWidth(b.shape, a.shape));
  }
  const out = new Tensor(shape);
  const x = a.data,
    y = b.data,
    z = out.data;
  const sa = broadcastStrides(a.shape, shape),
    sb = broadcastStrides(b.shape, shape);
  forEachRow(shape, sa, sb, (oa, ob, oo, n, ta, tb) => {
    if (op === 'add') for (let j = 0; j < n; j++) z[oo + j] = x[oa + j * ta] + y[ob + j * tb];
    else if (op === 'sub') for (let j = 0; j < n; j++) z[oo + j] = x[oa + j * ta] - y[ob + j * tb];
    else for (let j = 0; j < n; j++) z[oo + j] = x[oa + j * ta] * y[ob + j * tb];
  });
  return record(out, op, [a, b], (g) => {
    const gd = g.data;
    if (op !== 'mul') {
      if (a.requiresGrad) reduceInto(gd, shape, gradOf(a).data, a.shape);
      if (b.requiresGrad) {
        if (op === 'add') reduceInto(gd, shape, gradOf(b).data, b.shape);
        else {
          const neg = new Float32Array(gd.length);
          for (let i = 0; i < gd.length; i++) neg[i] = -gd[i];
          reduceInto(neg, shape, gradOf(b).data, b.shape);
        }
      }
      return;
    }
    // d(a*b)/da = g * b (then reduced to a's shape), and symmetrically for b.
    for (const [self, other, ss, so] of [
      [a, b, sa, sb],
      [b, a, sb, sa],
    ] as const) {
      if (!self.requiresGrad) continue;
      const tmp = new Float32Array(gd.length);
      const od = other.data;
      forEachRow(shape, ss, so, (_s, oo2, oo, n, _ts, to) => {
        for (let j = 0; j < n; j++) tmp[oo + j] = gd[oo + j] * od[oo2 + j * to];
      });
      reduceInto(tmp, shape, gradOf(self).data, self.shape);
    }
  });
}

export const add = (a: Tensor, b: Tensor): Tensor => binary('add', a, b);
export const sub = (a: Tensor, b: Tensor): Tensor => binary('sub', a, b);
export const mul = (a: Tensor, b: Tensor): Tensor => binary('mul', a, b);

/** x * s for a constant s. */
export function scale(x: Tensor, s: number): Tensor {
  const out = new Tensor(x.shape);
  const a = x.data,
    z = out.data;
  for (let i = 0; i < a.length; i++) z[i] = a[i] * s;
  return record(out, 'scale', [x], (g) => engine().k.axpy_rows(gradOf(x).ptr, 0, g.ptr, 0, 1, g.size, s), { s });
}

/** Sum of several tensors of one shape (one pass; used to merge branches). */
export function addN(xs: Tensor[]): Tensor {
  const out = Tensor.zeros(xs[0].shape);
  const z = out.data;
  for (const x of xs) {
    const a = x.data;
    for (let i = 0; i < a.length; i++) z[i] += a[i];
  }
  return record(out, 'addN', xs, (g) => {
    for (const x of xs)
      if (x.requiresGrad) {
        const gx = gradOf(x).data,
          gd = g.data;
        for (let i = 0; i < gd.length; i++) gx[i] += gd[i];
      }
  });
}
