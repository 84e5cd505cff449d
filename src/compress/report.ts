/**
 * Per-target compression report: rank, energy kept (what each method keeps: for AFM the share of
 * the target's output variance on the training rows, for SVD the share of the weights' squared
 * Frobenius norm; ENERGY_KEPT_MEANS says it in words), parameters before
 * and after, and the relative output error on held-out rows. For AFM and SVD the factored output
 * is a projection of the original one (onto U_k around the training mean for AFM, onto the right
 * singular vectors around the bias for SVD), so the held-out error follows from the held-out
 * rows' second moments: err^2 = [tr(M) - sum_{c<k} u_c^T M u_c] / tr(C_heldout), M taken about the centre.
 */
import type { CTRModel } from '../models/model.js';
import type { Linear } from '../nn/linear.js';
import type { ModelStats } from './collect.js';
import type { Eigen } from './eigen.js';
import { rightSingular } from './factor.js';
import type { Selection } from './select.js';
import { energyKept, type OutputStats } from './stats.js';

/** What `energyKept` measures for each method, and what `heldOutError` measures. */
export const ENERGY_KEPT_MEANS: Record<string, string> = {
  afm: 'share of the output variance kept on the training rows',
  'afm-act': 'share of the output variance kept on the training rows (before the activation)',
  svd: "share of the weights' squared Frobenius norm kept (sum of kept squared singular values)",
};
export const HELD_OUT_ERROR_MEANS =
  "relative RMS error of the target's output on validation rows (residual / variance, square-rooted)";

export interface TargetReport {
  target: string;
  shape: string;
  rank: number | null;
  energyKept: number | null;
  paramsBefore: number;
  paramsAfter: number;
  /** Relative output error on held-out rows (null when not computable, e.g. afm-act before fine-tuning). */
  heldOutError: number | null;
}

/** sqrt(residual / variance) of held-out outputs after projecting onto the top-k columns of `basis` around `centre`. */
export function projectionError(held: OutputStats, basis: Eigen, centre: ArrayLike<number>, k: number): number {
  const d = held.dim,
    n = held.n;
  const mean = held.mean();
  const M = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      M[i * d + j] = held.s2[i * d + j] / n - centre[i] * mean[j] - mean[i] * centre[j] + centre[i] * centre[j];
    }
  let trM = 0,
    trC = 0;
  for (let i = 0; i < d; i++) {
    trM += M[i * d + i];
    trC += held.s2[i * d + i] / n - mean[i] * mean[i];
  }
  let kept = 0;
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < d; i++) {
      const ui = basis.vectors[i * d + c];
      let s = 0;
      for (let j = 0; j < d; j++) s += M[i * d + j] * basis.vectors[j * d + c];
      kept += ui * s;
    }
  }
  return trC > 0 ? Math.sqrt(Math.max(0, trM - kept) / trC) : 0;
}

export function compressionReport(
  model: CTRModel,
  sel: Selection,
  train: ModelStats,
  heldOut: ModelStats | null,
): TargetReport[] {
  const method = sel.plan.method;
  const layers = new Map(model.parts().linears.map((l) => [l.path, l.get()]));
  return sel.targets.map((t) => {
    const k = sel.ranks.get(t.path) ?? null;
    const base = {
      target: t.path,
      rank: k,
      paramsBefore: sel.targetParams(t.path, new Map()),
      paramsAfter: sel.targetParams(t.path, sel.ranks),
    };
    if (t.kind === 'layer') {
      const layer = layers.get(t.path) as Linear;
      const s = train.layers.get(t.path)!;
      const eig = s.eigen();
      const held = heldOut?.layers.get(t.path);
      let err: number | null = null;
      if (k !== null && held && method === 'afm') err = projectionError(held, eig, s.mean(), k);
      if (k !== null && held && method === 'svd')
        err = projectionError(
          held,
          rightSingular(layer.W.toArray(), layer.inDim, layer.outDim),
          layer.b?.toArray() ?? new Float32Array(layer.outDim),
          k,
        );
      const energyOf = method === 'svd' ? rightSingular(layer.W.toArray(), layer.inDim, layer.outDim) : eig;
      return {
        ...base,
        shape: `${layer.inDim}x${layer.outDim}`,
        energyKept: k === null ? null : energyKept(energyOf.values, k),
        heldOutError: k === null ? 0 : err,
      };
    }
    const inputs = model.inputs!;
    const D = inputs.dim,
      tables = inputs.fields?.fieldTables ?? [];
    let kept = 0,
      err = 0,
      errCount = 0;
    const V = tables.reduce((s, tb) => s + tb.rows, 0);
    train.fields.forEach((s, f) => {
      const w = tables[f].rows / V;
      if (k === null) return;
      const eig = s.eigen();
      const table = tables[f];
      kept += w * energyKept(method === 'svd' ? rightSingular(table.readRows(), table.rows, D).values : eig.values, k);
      const held = heldOut?.fields[f];
      if (held && method === 'afm') {
        err += w * projectionError(held, eig, s.mean(), k);
        errCount++;
      }
    });
    return {
      ...base,
      shape: `${tables.length} fields x ${D}`,
      energyKept: k === null ? null : kept,
      heldOutError: k === null ? 0 : errCount ? err : null,
    };
  });
}
