/** Broadcasting a tensor to a larger shape (numpy rules); the gradient sums over the broadcast axes. */
import { Tensor, type Shape } from '../../tensor/tensor.js';
import { gradOf, record } from '../graph.js';
import { broadcastShape, broadcastStrides, forEachRow, reduceInto } from './broadcast.js';

/** x broadcast against `shape` (the result's shape is the broadcast of both, as ONNX Expand defines). */
export function expand(x: Tensor, shape: Shape): Tensor {
  const outShape = broadcastShape(x.shape, shape, 'expand');
  const s = broadcastStrides(x.shape, outShape);
  const out = new Tensor(outShape);
  const a = x.data,
    z = out.data;
  forEachRow(outShape, s, s, (off, _b, oo, n, st) => {
    for (let j = 0; j < n; j++) z[oo + j] = a[off + j * st];
  });
  return record(out, 'expand', [x], (g) => reduceInto(g.data, outShape, gradOf(x).data, x.shape), { shape: outShape });
}
