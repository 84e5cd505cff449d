/**
 * Numpy-style broadcasting for binary ops: shapes are right-aligned and each axis must match or
 * be 1. Loops walk the output row by row (all axes but the last), so the inner loop is a plain
 * strided pass over the last axis.
 */
import type { Shape } from '../../tensor/tensor.js';
import { ShapeError } from '../../util/errors.js';

export function broadcastShape(a: Shape, b: Shape, what: string): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new ShapeError(`${what}: shapes [${a}] and [${b}] do not broadcast`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Element strides of `shape` seen through the broadcast output shape `out` (0 on broadcast axes). */
export function broadcastStrides(shape: Shape, out: Shape): number[] {
  const strides = new Array<number>(out.length).fill(0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const o = out.length - shape.length + i;
    strides[o] = shape[i] === 1 && out[o] !== 1 ? 0 : s;
    s *= shape[i];
  }
  return strides;
}

/**
 * Calls `row(offA, offB, offOut, n, strideA, strideB)` once per output row: the inner loop covers
 * the last axis (length n) with the given strides.
 */
export function forEachRow(
  out: Shape,
  sa: number[],
  sb: number[],
  row: (offA: number, offB: number, offOut: number, n: number, strideA: number, strideB: number) => void,
): void {
  const r = out.length;
  if (r === 0) {
    row(0, 0, 0, 1, 0, 0);
    return;
  }
  const n = out[r - 1];
  const idx = new Array<number>(r - 1).fill(0);
  let rows = 1;
  for (let i = 0; i < r - 1; i++) rows *= out[i];
  let offA = 0,
    offB = 0;
  for (let q = 0; q < rows; q++) {
    row(offA, offB, q * n, n, sa[r - 1], sb[r - 1]);
    for (let ax = r - 2; ax >= 0; ax--) {
      idx[ax]++;
      offA += sa[ax];
      offB += sb[ax];
      if (idx[ax] < out[ax]) break;
      offA -= sa[ax] * out[ax];
      offB -= sb[ax] * out[ax];
      idx[ax] = 0;
    }
  }
}

/** dst (shape `shape`) += g (shape `out`) summed over the axes where `shape` was broadcast. */
export function reduceInto(g: Float32Array, out: Shape, dst: Float32Array, shape: Shape): void {
  if (g.length === dst.length) {
    for (let i = 0; i < g.length; i++) dst[i] += g[i];
    return;
  }
  const s = broadcastStrides(shape, out);
  forEachRow(out, s, s, (off, _b, o, n, st) => {
    if (st === 0) {
      let acc = 0;
      for (let j = 0; j < n; j++) acc += g[o + j];
      dst[off] += acc;
    } else {
      for (let j = 0; j < n; j++) dst[off + j] += g[o + j];
    }
  });
}
