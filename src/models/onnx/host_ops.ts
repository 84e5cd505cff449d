/**
 * Index arithmetic on host arrays, shared by the host forms of the shape ops: row-major strides,
 * normalised axes, numpy broadcasting of elementwise maps, and gathering along an axis.
 */
import { broadcastShape, broadcastStrides, forEachRow } from '../../autograd/ops/broadcast.js';
import { sizeOfShape, type ElemKind, type HostArray } from '../../io/onnx/host_array.js';

/** Axis `a` of a rank-`rank` tensor, negative counting from the end; null when out of range. */
export function normAxis(a: number, rank: number): number | null {
  const ax = a < 0 ? a + rank : a;
  return ax >= 0 && ax < rank ? ax : null;
}

/** Elementwise `f` with numpy broadcasting; the result has kind `kind` (the inputs' unless given). */
export function hostBinary(
  a: HostArray,
  b: HostArray,
  f: (x: number, y: number) => number,
  kind: ElemKind = a.kind,
): HostArray {
  const shape = broadcastShape(a.shape, b.shape, 'host op');
  const sa = broadcastStrides(a.shape, shape),
    sb = broadcastStrides(b.shape, shape);
  const data = kind === 'float' ? new Float32Array(sizeOfShape(shape)) : new Float64Array(sizeOfShape(shape));
  forEachRow(shape, sa, sb, (oa, ob, oo, n, ta, tb) => {
    for (let j = 0; j < n; j++) data[oo + j] = f(a.data[oa + j * ta], b.data[ob + j * tb]);
  });
  return { kind, shape, data };
}

/** out[.., i, ..] = x[.., idx[i], ..] along `axis`; the result has x.shape with axis replaced by `idxShape`. */
export function hostGather(x: HostArray, axis: number, idx: readonly number[], idxShape: readonly number[]): HostArray {
  const d = x.shape[axis];
  let outer = 1,
    inner = 1;
  for (let i = 0; i < axis; i++) outer *= x.shape[i];
  for (let i = axis + 1; i < x.shape.length; i++) inner *= x.shape[i];
  const shape = [...x.shape.slice(0, axis), ...idxShape, ...x.shape.slice(axis + 1)];
  const data = x.kind === 'float' ? new Float32Array(sizeOfShape(shape)) : new Float64Array(sizeOfShape(shape));
  const n = idx.length;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < n; i++) {
      const src = (o * d + idx[i]) * inner,
        dst = (o * n + i) * inner;
      for (let j = 0; j < inner; j++) data[dst + j] = x.data[src + j];
    }
  }
  return { kind: x.kind, shape, data };
}

/** Joins host arrays along `axis`. */
export function hostConcat(xs: HostArray[], axis: number): HostArray {
  const total = xs.reduce((s, x) => s + x.shape[axis], 0);
  const shape = xs[0].shape.map((d, i) => (i === axis ? total : d));
  let outer = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  const row = sizeOfShape(shape) / Math.max(outer, 1);
  const data = xs[0].kind === 'float' ? new Float32Array(sizeOfShape(shape)) : new Float64Array(sizeOfShape(shape));
  let at = 0;
  for (const x of xs) {
    const w = x.data.length / Math.max(outer, 1);
    for (let o = 0; o < outer; o++) data.set(x.data.subarray(o * w, (o + 1) * w), o * row + at);
    at += w;
  }
  return { kind: xs[0].kind, shape, data };
}
