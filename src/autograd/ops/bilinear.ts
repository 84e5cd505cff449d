/**
 * FiBiNET's bilinear pair products straight from the field embeddings: emb [B, F, D] ->
 * [B, P, D], P = F(F-1)/2, pairs (0,1), (0,2), ..., (F-2,F-1):
 *   out[b, p] = (emb[b, i] W_p) ⊙ emb[b, j]
 * W [D, D] (shared, 'field_all'), [F-1, D, D] (per left field, 'field_each') or [P, D, D] (per pair).
 * The pair products run in one WASM kernel each way (spread over examples); dL/dW is then a few
 * large GEMMs over the batch.
 */
import { engine } from '../../kernels/engine.js';
import { runByExamples } from '../../kernels/interaction_calls.js';
import { CALL_BILINEAR_BACKWARD, CALL_BILINEAR_FORWARD } from '../../kernels/protocol.js';
import { Tensor } from '../../tensor/tensor.js';
import { ShapeError } from '../../util/errors.js';
import { gradOf, record } from '../graph.js';

export function bilinearPairs(emb: Tensor, W: Tensor): Tensor {
  const [B, F, D] = emb.shape;
  const P = (F * (F - 1)) / 2;
  const mode = W.rank === 2 ? 0 : W.shape[0] === F - 1 && W.shape[0] !== P ? 1 : 2;
  const wantW = mode === 0 ? [D, D] : [mode === 1 ? F - 1 : P, D, D];
  if (emb.rank !== 3 || F < 2 || W.shape.length !== wantW.length || W.shape.some((d, i) => d !== wantW[i])) {
    throw new ShapeError(`bilinearPairs: emb [${emb.shape}] and W [${W.shape}] do not fit [B, F, D] with W [D, D], [F-1, D, D] or [P, D, D]`);
  }
  const e = engine();
  const out = new Tensor([B, P, D]);
  runByExamples(e, B, (b0, b1) => [CALL_BILINEAR_FORWARD, emb.ptr, W.ptr, mode, F, D, out.ptr, b0, b1]);
  return record(out, 'bilinearPairs', [emb, W], (g) => {
    const rowsT = mode === 2 ? P : F;
    const gT = new Tensor([B, rowsT, D]);
    const gEmb = emb.requiresGrad ? gradOf(emb).ptr : 0;
    runByExamples(e, B, (b0, b1) => [CALL_BILINEAR_BACKWARD, emb.ptr, W.ptr, mode, F, D, g.ptr, gT.ptr, gEmb, b0, b1]);
    if (W.requiresGrad) {
      const gW = gradOf(W).ptr, FD = F * D, DD4 = D * D * 4;
      if (mode === 0) e.sgemm(true, false, D, D, B * F, 1, emb.ptr, D, gT.ptr, D, 1, gW, D);
      else if (mode === 1) e.sgemmBatched(F - 1, true, false, D, D, B, 1, emb.ptr, FD, D * 4, gT.ptr, FD, D * 4, 1, gW, D, DD4);
      else {
        // dW_p = emb[:, i]^T gT[:, p] for every pair p of left field i.
        let p0 = 0;
        for (let i = 0; i < F - 1; i++) {
          const n = F - 1 - i;
          e.sgemmBatched(n, true, false, D, D, B, 1, emb.ptr + i * D * 4, FD, 0, gT.ptr + p0 * D * 4, P * D, D * 4, 1, gW + p0 * DD4, D, DD4);
          p0 += n;
        }
      }
    }
    gT.dispose();
  }, { mode });
}
