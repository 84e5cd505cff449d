/**
 * Per-field projection, the reconstruction of AFM-compressed embeddings:
 * out[b, f, :] = small[b, f, :] P[f] + mu[f]  for small [B, F, k], P [F, k, D], mu [F, D] -> [B, F, D].
 * One WASM kernel each way (no permutes or batched GEMMs for these tiny per-field products).
 */
import { engine } from '../../kernels/engine.js';
import { Tensor } from '../../tensor/tensor.js';
import { ShapeError } from '../../util/errors.js';
import { gradOf, record } from '../graph.js';

export function fieldProject(small: Tensor, P: Tensor, mu: Tensor): Tensor {
  const [B, F, k] = small.shape;
  const D = P.shape[2];
  if (small.rank !== 3 || P.rank !== 3 || P.shape[0] !== F || P.shape[1] !== k || mu.size !== F * D) {
    throw new ShapeError(
      `fieldProject: small [${small.shape}], P [${P.shape}], mu [${mu.shape}] do not fit [B, F, k] x [F, k, D] + [F, D]`,
    );
  }
  const out = new Tensor([B, F, D]);
  const kk = engine().k;
  kk.field_project(small.ptr, P.ptr, mu.ptr, out.ptr, B, F, k, D);
  return record(out, 'fieldProject', [small, P, mu], (g) => {
    kk.field_project_backward(
      small.ptr,
      P.ptr,
      g.ptr,
      small.requiresGrad ? gradOf(small).ptr : 0,
      P.requiresGrad ? gradOf(P).ptr : 0,
      mu.requiresGrad ? gradOf(mu).ptr : 0,
      B,
      F,
      k,
      D,
    );
  });
}
