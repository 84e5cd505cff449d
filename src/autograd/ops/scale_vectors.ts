/**
 * Numeric features as fields: values [B, N] and one learned vector per feature, vectors [N, D] ->
 * [B, N, D] with out[b, n] = values[b, n] * vectors[n]. One kernel pass forward (not a broadcast
 * product walked row by row). While observed (tracing, export) it runs as that broadcast product,
 * so the product is heard.
 */
import { engine } from '../../kernels/engine.js';
import { Tensor } from '../../tensor/tensor.js';
import { ShapeError } from '../../util/errors.js';
import { gradOf, record } from '../graph.js';
import { observed } from '../observe.js';
import { mul } from './elementwise.js';
import { reshape } from './shape.js';

export function scaleVectors(values: Tensor, vectors: Tensor): Tensor {
  const [B, N] = values.shape;
  const D = vectors.shape[1];
  if (values.rank !== 2 || vectors.rank !== 2 || vectors.shape[0] !== N)
    throw new ShapeError(
      `scaleVectors: values [${values.shape}] and vectors [${vectors.shape}] do not fit [B, N] x [N, D]`,
    );
  if (observed()) return mul(reshape(values, [B, N, 1]), vectors);
  const out = new Tensor([B, N, D]);
  engine().k.scale_vectors(out.ptr, N * D, values.ptr, vectors.ptr, B, N, D);
  return record(out, 'scaleVectors', [values, vectors], (g) => {
    const v = values.data,
      p = vectors.data,
      gd = g.data;
    const gv = values.requiresGrad ? gradOf(values).data : null;
    const gp = vectors.requiresGrad ? gradOf(vectors).data : null;
    for (let b = 0; b < B; b++)
      for (let n = 0; n < N; n++) {
        const o = (b * N + n) * D,
          x = v[b * N + n];
        let dot = 0;
        for (let d = 0; d < D; d++) {
          if (gp) gp[n * D + d] += x * gd[o + d];
          dot += gd[o + d] * p[n * D + d];
        }
        if (gv) gv[b * N + n] += dot;
      }
  });
}
