/**
 * One DCN cross layer as a single op: out = x0 * (x w) + b + x, for x0, x [B, d], w [d, 1], b [d].
 * One WASM kernel each way over the rows (no [B, 1] broadcast products or separate adds);
 * dL/dw is one GEMM over the batch, dL/db a column sum.
 */
import { engine } from '../../kernels/engine.js';
import { runByExamples } from '../../kernels/by_examples.js';
import { CALL_CROSS_BACKWARD, CALL_CROSS_FORWARD } from '../../kernels/protocol.js';
import { Tensor } from '../../tensor/tensor.js';
import { ShapeError } from '../../util/errors.js';
import { gradOf, record } from '../graph.js';

export function crossLayer(x0: Tensor, x: Tensor, w: Tensor, b: Tensor): Tensor {
  const [B, d] = x.shape;
  if (x.rank !== 2 || x0.rank !== 2 || x0.shape[0] !== B || x0.shape[1] !== d || w.size !== d || b.size !== d) {
    throw new ShapeError(
      `crossLayer: x0 [${x0.shape}], x [${x.shape}], w [${w.shape}], b [${b.shape}] do not fit [B, d], [B, d], [d, 1], [d]`,
    );
  }
  const e = engine();
  const out = new Tensor([B, d]);
  runByExamples(e, B, (b0, b1) => [CALL_CROSS_FORWARD, x0.ptr, x.ptr, w.ptr, b.ptr, out.ptr, d, b0, b1]);
  return record(out, 'crossLayer', [x0, x, w, b], (g) => {
    const gs = e.heap.alloc(B * 4);
    try {
      const gx0 = x0.requiresGrad ? gradOf(x0).ptr : 0,
        gx = x.requiresGrad ? gradOf(x).ptr : 0;
      runByExamples(e, B, (b0, b1) => [CALL_CROSS_BACKWARD, x0.ptr, x.ptr, w.ptr, g.ptr, gx0, gx, gs, d, b0, b1]);
      if (w.requiresGrad) e.sgemm(true, false, d, 1, B, 1, x.ptr, d, gs, 1, 1, gradOf(w).ptr, 1);
      if (b.requiresGrad) e.k.sum_rows(g.ptr, B, d, gradOf(b).ptr);
    } finally {
      e.heap.release(gs);
    }
  });
}
