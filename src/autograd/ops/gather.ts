/** Gathers from a dense tensor: whole rows (gatherRows) or entries along any axis (indexSelect). */
import { Tensor } from '../../tensor/tensor.js';
import { ShapeError } from '../../util/errors.js';
import { gradOf, record } from '../graph.js';

/** out[i] = x[idx[i]] (rows along the first axis); the gradient scatter-adds into x. */
export function gatherRows(x: Tensor, idx: Int32Array): Tensor {
  const V = x.shape[0];
  const w = x.size / V;
  const out = new Tensor([idx.length, ...x.shape.slice(1)]);
  const a = x.data,
    y = out.data;
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i];
    if (!(r >= 0 && r < V)) throw new ShapeError(`gatherRows: index ${r} at position ${i} is outside 0..${V - 1}`);
    y.set(a.subarray(r * w, r * w + w), i * w);
  }
  return record(
    out,
    'gatherRows',
    [x],
    (g) => {
      const gx = gradOf(x).data,
        gd = g.data;
      for (let i = 0; i < idx.length; i++) {
        const o = idx[i] * w;
        for (let j = 0; j < w; j++) gx[o + j] += gd[i * w + j];
      }
    },
    { idx },
  );
}

/**
 * Picks entries `idx` along `axis`: out.shape[axis] = idx.length, out[.., i, ..] = x[.., idx[i], ..].
 * Indices may repeat; the gradient scatter-adds into x.
 */
export function indexSelect(x: Tensor, axis: number, idx: Int32Array): Tensor {
  const ax = axis < 0 ? axis + x.rank : axis;
  if (ax < 0 || ax >= x.rank) throw new ShapeError(`indexSelect: axis ${axis} out of range for rank ${x.rank}`);
  const d = x.shape[ax];
  let outer = 1,
    inner = 1;
  for (let i = 0; i < ax; i++) outer *= x.shape[i];
  for (let i = ax + 1; i < x.rank; i++) inner *= x.shape[i];
  for (let i = 0; i < idx.length; i++) {
    if (!(idx[i] >= 0 && idx[i] < d))
      throw new ShapeError(`indexSelect: index ${idx[i]} at position ${i} is outside 0..${d - 1}`);
  }
  const n = idx.length;
  const out = new Tensor(x.shape.map((s, i) => (i === ax ? n : s)));
  const a = x.data,
    y = out.data;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < n; i++) {
      const src = (o * d + idx[i]) * inner,
        dst = (o * n + i) * inner;
      for (let j = 0; j < inner; j++) y[dst + j] = a[src + j];
    }
  }
  return record(
    out,
    'indexSelect',
    [x],
    (g) => {
      const gx = gradOf(x).data,
        gd = g.data;
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < n; i++) {
          const dst = (o * d + idx[i]) * inner,
            src = (o * n + i) * inner;
          for (let j = 0; j < inner; j++) gx[dst + j] += gd[src + j];
        }
      }
    },
    { axis: ax, idx },
  );
}
