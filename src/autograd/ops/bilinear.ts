/**
 * FiBiNET's bilinear pair products straight from the field embeddings: emb [B, F, D] ->
 * [B, P, D], P = F(F-1)/2, pairs (0,1), (0,2), ..., (F-2,F-1):
 *   out[b, p] = (emb[b, i] W_p) ⊙ emb[b, j]
 * W [D, D] (shared, 'field_all'), [F-1, D, D] (per left field, 'field_each') or [P, D, D] (per pair).
 * The pair products run in one WASM kernel each way (spread over examples); dL/dW is then a few
 * large GEMMs over the batch. `bilinearPairsJoined` computes several interactions side by side
 * into one [B, n*P*D] tensor (what FiBiNET's MLP reads), with no concat copy.
 */
import { engine, type Engine } from '../../kernels/engine.js';
import { runByExamples } from '../../kernels/by_examples.js';
import { CALL_BILINEAR_BACKWARD, CALL_BILINEAR_FORWARD } from '../../kernels/protocol.js';
import { Tensor } from '../../tensor/tensor.js';
import { ShapeError } from '../../util/errors.js';
import { gradOf, record } from '../graph.js';

/** 0 (shared W), 1 (one per left field) or 2 (one per pair); F = 2 makes 1 and 2 the same. */
function modeOf(emb: Tensor, W: Tensor): number {
  const [, F, D] = emb.shape;
  const P = (F * (F - 1)) / 2;
  const mode = W.rank === 2 ? 0 : W.shape[0] === P ? 2 : 1;
  const want = mode === 0 ? [D, D] : [mode === 1 ? F - 1 : P, D, D];
  if (emb.rank !== 3 || F < 2 || W.rank !== want.length || W.shape.some((d, i) => d !== want[i])) {
    throw new ShapeError(
      `bilinearPairs: emb [${emb.shape}] and W [${W.shape}] do not fit [B, F, D] with W [D, D], [F-1, D, D] or [P, D, D]`,
    );
  }
  return mode;
}

/** Adds dL/dW for one interaction, given gT from the backward kernel. */
function weightGrad(e: Engine, emb: Tensor, W: Tensor, mode: number, gT: Tensor): void {
  const [B, F, D] = emb.shape;
  const P = (F * (F - 1)) / 2,
    gW = gradOf(W).ptr,
    FD = F * D,
    DD4 = D * D * 4;
  if (mode === 0) e.sgemm(true, false, D, D, B * F, 1, emb.ptr, D, gT.ptr, D, 1, gW, D);
  else if (mode === 1)
    e.sgemmBatched(F - 1, true, false, D, D, B, 1, emb.ptr, FD, D * 4, gT.ptr, FD, D * 4, 1, gW, D, DD4);
  else {
    // dW_p = emb[:, i]^T gT[:, p] for every pair p of left field i.
    let p0 = 0;
    for (let i = 0; i < F - 1; i++) {
      const n = F - 1 - i;
      e.sgemmBatched(
        n,
        true,
        false,
        D,
        D,
        B,
        1,
        emb.ptr + i * D * 4,
        FD,
        0,
        gT.ptr + p0 * D * 4,
        P * D,
        D * 4,
        1,
        gW + p0 * DD4,
        D,
        DD4,
      );
      p0 += n;
    }
  }
}

function pairs(items: [Tensor, Tensor][], joined: boolean): Tensor {
  const [B, F, D] = items[0][0].shape;
  const modes = items.map(([emb, W]) => modeOf(emb, W));
  if (items.some(([emb]) => emb.shape.some((d, i) => d !== items[0][0].shape[i]))) {
    throw new ShapeError(
      `bilinearPairsJoined: embeddings of shapes ${items.map(([x]) => `[${x.shape}]`).join(' ')} differ`,
    );
  }
  const P = (F * (F - 1)) / 2,
    width = P * D,
    ldo = items.length * width;
  const e = engine();
  const out = new Tensor(joined ? [B, ldo] : [B, P, D]);
  // Item k's operands and problem size, as both kernels take them first.
  const head = items.map(([emb, W], k) => [emb.ptr, W.ptr, modes[k], F, D]);
  items.forEach((_, k) => {
    runByExamples(e, B, (b0, b1) => [CALL_BILINEAR_FORWARD, ...head[k], out.ptr + k * width * 4, ldo, b0, b1]);
  });
  return record(
    out,
    'bilinearPairs',
    items.flat(),
    (g) => {
      items.forEach(([emb, W], k) => {
        if (!emb.requiresGrad && !W.requiresGrad) return;
        const gT = new Tensor([B, modes[k] === 2 ? P : F, D]);
        const gEmb = emb.requiresGrad ? gradOf(emb).ptr : 0;
        const into = [g.ptr + k * width * 4, ldo, gT.ptr, gEmb];
        runByExamples(e, B, (b0, b1) => [CALL_BILINEAR_BACKWARD, ...head[k], ...into, b0, b1]);
        if (W.requiresGrad) weightGrad(e, emb, W, modes[k], gT);
        gT.dispose();
      });
    },
    { modes, joined },
  );
}

/** [B, F, D] -> [B, P, D]. */
export function bilinearPairs(emb: Tensor, W: Tensor): Tensor {
  return pairs([[emb, W]], false);
}

/** Several interactions [(emb, W), ...] over the same fields -> [B, n * P * D], each one's P * D values side by side. */
export function bilinearPairsJoined(items: [Tensor, Tensor][]): Tensor {
  if (items.length === 0) throw new ShapeError('bilinearPairsJoined: no interactions');
  return pairs(items, true);
}
