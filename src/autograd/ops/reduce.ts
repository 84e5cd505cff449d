/** Sum and mean over chosen axes (or all), with optional kept dimensions. */
import { Tensor, type Shape } from '../../tensor/tensor.js';
import { ShapeError } from '../../util/errors.js';
import { gradOf, record } from '../graph.js';
import { broadcastStrides, forEachRow } from './broadcast.js';

function normAxes(rank: number, axes?: number | number[]): Set<number> {
  const list = axes === undefined ? [...Array(rank).keys()] : Array.isArray(axes) ? axes : [axes];
  return new Set(list.map((a) => {
    const ax = a < 0 ? a + rank : a;
    if (ax < 0 || ax >= rank) throw new ShapeError(`axis ${a} out of range for rank ${rank}`);
    return ax;
  }));
}

function reduce(x: Tensor, axes: number | number[] | undefined, keepDims: boolean, mean: boolean): Tensor {
  const ax = normAxes(x.rank, axes);
  const kept: number[] = x.shape.map((d, i) => (ax.has(i) ? 1 : d));
  const outShape: Shape = keepDims ? kept : kept.filter((_, i) => !ax.has(i));
  let count = 1;
  for (const i of ax) count *= x.shape[i];
  const k = mean ? 1 / count : 1;
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
  return record(out, mean ? 'mean' : 'sum', [x], (g) => {
    const gx = gradOf(x).data, gd = g.data;
    forEachRow(x.shape, s, s, (off, _b, o, n, st) => {
      for (let j = 0; j < n; j++) gx[o + j] += gd[off + j * st] * k;
    });
  }, { axes: [...ax].sort((p, q) => p - q), keepDims });
}

export const sum = (x: Tensor, axes?: number | number[], keepDims = false): Tensor => reduce(x, axes, keepDims, false);
export const mean = (x: Tensor, axes?: number | number[], keepDims = false): Tensor => reduce(x, axes, keepDims, true);
