/** Sum and mean over chosen axes (or all), with optional kept dimensions. */
import { engine } from '../../kernels/engine.js';
import { Tensor, type Shape } from '../../tensor/tensor.js';
import { ShapeError } from '../../util/errors.js';
import { gradOf, record } from '../graph.js';
import { broadcastStrides, forEachRow } from './broadcast.js';

function normAxes(rank: number, axes?: number | number[]): Set<number> {
  const list = axes === undefined ? [...Array(rank).keys()] : Array.isArray(axes) ? axes : [axes];
  return new Set(
    list.map((a) => {
      const ax = a < 0 ? a + rank : a;
      if (ax < 0 || ax >= rank) throw new ShapeError(`axis ${a} out of range for rank ${rank}`);
      return ax;
    }),
  );
}

function reduce(x: Tensor, axes: number | number[] | undefined, keepDims: boolean, mean: boolean): Tensor {
  const ax = normAxes(x.rank, axes);
  const kept: number[] = x.shape.map((d, i) => (ax.has(i) ? 1 : d));
  const outShape: Shape = keepDims ? kept : kept.filter((_, i) => !ax.has(i));
  let count = 1;
  for (const i of ax) count *= x.shape[i];
  const k = mean ? 1 / count : 1;
  const sorted = [...ax].sort((p, q) => p - q);
  if (sorted.length > 0 && sorted[sorted.length - 1] - sorted[0] === sorted.length - 1)
    return reduceContiguous(x, sorted, outShape, count, k, mean, keepDims);
  const acc = new Float64Array(x.size / Math.max(count, 1));
  const s = broadcastStrides(kept, x.shape);
  const a = x.data;
  forEachRow(x.shape, s, s, (off, _b, o, n, st) => {
    if (st === 0) {
      let t = 0;
      for (let j = 0; j < n; j++) t += a[o + j];
      acc[off] += t;
    } else for (let j = 0; j < n; j++) acc[off + j] += a[o + j];
  });
  const out = new Tensor(outShape);
  const y = out.data;
  for (let i = 0; i < y.length; i++) y[i] = acc[i] * k;
  return record(
    out,
    mean ? 'mean' : 'sum',
    [x],
    (g) => {
      const gx = gradOf(x).data,
        gd = g.data;
      forEachRow(x.shape, s, s, (off, _b, o, n, st) => {
        for (let j = 0; j < n; j++) gx[o + j] += gd[off + j * st] * k;
      });
    },
    { axes: [...ax].sort((p, q) => p - q), keepDims },
  );
}

export const sum = (x: Tensor, axes?: number | number[], keepDims = false): Tensor => reduce(x, axes, keepDims, false);
export const mean = (x: Tensor, axes?: number | number[], keepDims = false): Tensor => reduce(x, axes, keepDims, true);

/**
 * Reduction over a run of adjacent axes: x seen as [outer, count, inner] -> [outer, inner], in
 * tight loops (float64 sums, in the same order as the generic path).
 */
function reduceContiguous(
  x: Tensor,
  axes: number[],
  outShape: Shape,
  count: number,
  k: number,
  mean: boolean,
  keepDims: boolean,
): Tensor {
  let outer = 1,
    inner = 1;
  for (let i = 0; i < axes[0]; i++) outer *= x.shape[i];
  for (let i = axes[axes.length - 1] + 1; i < x.rank; i++) inner *= x.shape[i];
  const out = new Tensor(outShape);
  const a = x.data,
    y = out.data;
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      let t = 0;
      const base = o * count;
      for (let j = 0; j < count; j++) t += a[base + j];
      y[o] = t * k;
    }
  } else if (!mean && inner >= 8) {
    // Rows of >= 8 floats: SIMD column sums per outer slice (float32 sums, rows in order).
    const kk = engine().k;
    y.fill(0);
    for (let o = 0; o < outer; o++) kk.sum_rows(x.ptr + o * count * inner * 4, count, inner, out.ptr + o * inner * 4);
  } else {
    const acc = new Float64Array(inner);
    for (let o = 0; o < outer; o++) {
      acc.fill(0);
      for (let r = 0; r < count; r++) {
        const base = (o * count + r) * inner;
        for (let i = 0; i < inner; i++) acc[i] += a[base + i];
      }
      const ob = o * inner;
      for (let i = 0; i < inner; i++) y[ob + i] = acc[i] * k;
    }
  }
  return record(
    out,
    mean ? 'mean' : 'sum',
    [x],
    (g) => {
      if (inner >= 8) {
        const kk = engine().k,
          gx = gradOf(x);
        for (let o = 0; o < outer; o++)
          kk.axpy_rows(gx.ptr + o * count * inner * 4, inner, g.ptr + o * inner * 4, 0, count, inner, k);
        return;
      }
      const gx = gradOf(x).data,
        gd = g.data;
      for (let o = 0; o < outer; o++) {
        const ob = o * inner;
        for (let r = 0; r < count; r++) {
          const base = (o * count + r) * inner;
          if (inner === 1) gx[base] += gd[o] * k;
          else for (let i = 0; i < inner; i++) gx[base + i] += gd[ob + i] * k;
        }
      }
    },
    { axes, keepDims },
  );
}
