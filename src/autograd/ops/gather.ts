/** Row gather from a dense tensor: out[i] = x[idx[i]]; the gradient scatter-adds into x. */
import { Tensor } from '../../tensor/tensor.js';
import { ShapeError } from '../../util/errors.js';
import { gradOf, record } from '../graph.js';

export function gatherRows(x: Tensor, idx: Int32Array): Tensor {
  const V = x.shape[0];
  const w = x.size / V;
  const out = new Tensor([idx.length, ...x.shape.slice(1)]);
  const a = x.data, y = out.data;
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i];
    if (!(r >= 0 && r < V)) throw new ShapeError(`gatherRows: index ${r} at position ${i} is outside 0..${V - 1}`);
    y.set(a.subarray(r * w, r * w + w), i * w);
  }
  return record(out, 'gatherRows', [x], (g) => {
    const gx = gradOf(x).data, gd = g.data;
    for (let i = 0; i < idx.length; i++) {
      const o = idx[i] * w;
      for (let j = 0; j < w; j++) gx[o + j] += gd[i * w + j];
    }
  });
}
