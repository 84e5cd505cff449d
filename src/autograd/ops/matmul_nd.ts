/**
 * Matrix product with numpy semantics (what ONNX MatMul computes): 1-D operands gain and then lose
 * a unit axis, leading (batch) axes broadcast. Built from matmul/bmm, reshape and expand, so its
 * gradient is theirs.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { ShapeError } from '../../util/errors.js';
import { broadcastShape } from './broadcast.js';
import { expand } from './expand.js';
import { bmm, matmul } from './matmul.js';
import { reshape } from './shape.js';

export function batchMatmul(a: Tensor, b: Tensor): Tensor {
  if (a.rank === 0 || b.rank === 0) throw new ShapeError('matmul: scalar operands');
  const a2 = a.rank === 1 ? reshape(a, [1, a.size]) : a;
  const b2 = b.rank === 1 ? reshape(b, [b.size, 1]) : b;
  const [M, K] = a2.shape.slice(-2),
    [K2, N] = b2.shape.slice(-2);
  if (K !== K2) throw new ShapeError(`matmul: inner sizes differ (${K} vs ${K2}) for [${a.shape}] and [${b.shape}]`);
  const batch = broadcastShape(a2.shape.slice(0, -2), b2.shape.slice(0, -2), 'matmul');
  let out: Tensor;
  if (batch.length === 0) out = matmul(a2, b2);
  else if (b2.rank === 2) out = reshape(matmul(reshape(a2, [-1, K]), b2), [...batch, M, N]);
  else {
    const n = batch.reduce((x, y) => x * y, 1);
    const flat = (t: Tensor, r: number, cDim: number): Tensor => {
      const full = [...batch, r, cDim];
      const e = t.shape.length === full.length && t.shape.every((d, i) => d === full[i]) ? t : expand(t, full);
      return reshape(e, [n, r, cDim]);
    };
    out = reshape(bmm(flat(a2, M, K), flat(b2, K, N)), [...batch, M, N]);
  }
  const shape = [...batch, ...(a.rank === 1 ? [] : [M]), ...(b.rank === 1 ? [] : [N])];
  return shape.length === out.rank ? out : reshape(out, shape);
}
