/**
 * Pointwise maps with their derivatives: unary (exp, log, sqrt, abs, leaky relu) and binary with
 * broadcasting (div, pow). Each derivative is written next to its function, in terms of the
 * inputs and the output, so a new map is one line plus its check in test/autograd.
 */
import { Tensor } from '../../tensor/tensor.js';
import { gradOf, record } from '../graph.js';
import { broadcastShape, broadcastStrides, forEachRow, reduceInto } from './broadcast.js';
import { mul } from './elementwise.js';

type Unary = { f: (x: number) => number; d: (x: number, y: number) => number };

function unary(op: string, x: Tensor, u: Unary, attrs?: Record<string, unknown>): Tensor {
  const out = new Tensor(x.shape);
  const a = x.data,
    y = out.data;
  for (let i = 0; i < a.length; i++) y[i] = u.f(a[i]);
  return record(
    out,
    op,
    [x],
    (g) => {
      const gx = gradOf(x).data,
        gd = g.data;
      for (let i = 0; i < gd.length; i++) gx[i] += gd[i] * u.d(a[i], y[i]);
    },
    attrs,
  );
}

export const exp = (x: Tensor): Tensor => unary('exp', x, { f: Math.exp, d: (_x, y) => y });
export const log = (x: Tensor): Tensor => unary('log', x, { f: Math.log, d: (v) => 1 / v });
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x, { f: Math.sqrt, d: (_x, y) => 0.5 / y });
export const abs = (x: Tensor): Tensor => unary('abs', x, { f: Math.abs, d: (v) => Math.sign(v) });

/** x for x >= 0, alpha * x below. */
export function leakyRelu(x: Tensor, alpha: number): Tensor {
  return unary('leakyRelu', x, { f: (v) => (v >= 0 ? v : alpha * v), d: (v) => (v >= 0 ? 1 : alpha) }, { alpha });
}

type Binary = {
  f: (x: number, y: number) => number;
  /** d out / d x and d out / d y, given x, y and out. */
  dx: (x: number, y: number, z: number) => number;
  dy: (x: number, y: number, z: number) => number;
};

function binary(op: string, a: Tensor, b: Tensor, fn: Binary): Tensor {
  const shape = broadcastShape(a.shape, b.shape, op);
  const sa = broadcastStrides(a.shape, shape),
    sb = broadcastStrides(b.shape, shape);
  const out = new Tensor(shape);
  const x = a.data,
    y = b.data,
    z = out.data;
  forEachRow(shape, sa, sb, (oa, ob, oo, n, ta, tb) => {
    for (let j = 0; j < n; j++) z[oo + j] = fn.f(x[oa + j * ta], y[ob + j * tb]);
  });
  return record(out, op, [a, b], (g) => {
    const gd = g.data;
    for (const [self, d] of [
      [a, fn.dx],
      [b, fn.dy],
    ] as const) {
      if (!self.requiresGrad) continue;
      const tmp = new Float32Array(gd.length);
      forEachRow(shape, sa, sb, (oa, ob, oo, n, ta, tb) => {
        for (let j = 0; j < n; j++) tmp[oo + j] = gd[oo + j] * d(x[oa + j * ta], y[ob + j * tb], z[oo + j]);
      });
      reduceInto(tmp, shape, gradOf(self).data, self.shape);
    }
  });
}

export const div = (a: Tensor, b: Tensor): Tensor =>
  binary('div', a, b, {
    f: (x, y) => x / y,
    dx: (_x, y) => 1 / y,
    dy: (_x, y, z) => -z / y,
  });

/** a ** b elementwise; d/db = a^b ln a is used only where a > 0 (0 elsewhere, as a real power is undefined there). */
/** a ** b; a constant exponent 2 (an FM's squares) is a * a on the multiply kernel. */
export const pow = (a: Tensor, b: Tensor): Tensor =>
  b.size === 1 && b.data[0] === 2 && !b.requiresGrad
    ? mul(a, a)
    : binary('pow', a, b, {
        f: (x, y) => (y === 2 ? x * x : x ** y),
        dx: (x, y) => (y === 2 ? 2 * x : y === 0 ? 0 : y * x ** (y - 1)),
        dy: (x, _y, z) => (x > 0 ? z * Math.log(x) : 0),
      });
