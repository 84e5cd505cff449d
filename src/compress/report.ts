/**
 * Per-target compression report: rank, bits, energy kept (what each method keeps: for AFM the
 * share of the target's output variance on the training rows, for SVD the share of the weights'
 * squared Frobenius norm; ENERGY_KEPT_MEANS says it in words), parameters before and after, and
 * the relative output error on held-out rows, measured by running the compressed target
 * (measure.ts), so it counts the rank's error and the bits' together.
 */
import type { CTRModel } from '../models/model.js';
import type { Linear } from '../nn/linear.js';
import type { ModelStats } from './collect.js';
import { rightSingular } from './factor.js';
import type { Selection } from './select.js';
import { energyKept } from './stats.js';

/** What `energyKept` measures for each method, and what `heldOutError` measures. */
export const ENERGY_KEPT_MEANS: Record<string, string> = {
  afm: 'share of the output variance kept on the training rows',
  'afm-act': 'share of the output variance kept on the training rows (before the activation)',
  svd: "share of the weights' squared Frobenius norm kept (sum of kept squared singular values)",
};
export const HELD_OUT_ERROR_MEANS =
  "relative RMS error of the target's output on validation rows (residual / variance, square-rooted), rank and bits together, each target on the original's input to it";

export interface TargetReport {
  target: string;
  shape: string;
  rank: number | null;
  /** Bits per stored weight: 32, or 8 / 4 when quantized. */
  bits: number;
  energyKept: number | null;
  paramsBefore: number;
  paramsAfter: number;
  /** Relative output error on held-out rows (null without validation rows). */
  heldOutError: number | null;
}

/** The report of `sel` on `model` (the original); `measured`: held-out errors by target (measure.ts), null without validation rows. */
export function compressionReport(
  model: CTRModel,
  sel: Selection,
  train: ModelStats,
  measured: ReadonlyMap<string, number> | null,
): TargetReport[] {
  const method = sel.plan.method;
  const layers = new Map(model.parts().linears.map((l) => [l.path, l.get()]));
  return sel.targets.map((t) => {
    const k = sel.ranks.get(t.path) ?? null;
    const bits = sel.plan.bits?.[t.path] ?? 32;
    const base = {
      target: t.path,
      rank: k,
      bits,
      paramsBefore: sel.targetParams(t.path, new Map()),
      paramsAfter: sel.targetParams(t.path, sel.ranks),
      heldOutError: k === null && bits === 32 ? 0 : (measured?.get(t.path) ?? null),
    };
    if (t.kind === 'layer') {
      const layer = layers.get(t.path) as Linear;
      const energyOf =
        method === 'svd'
          ? rightSingular(layer.W.toArray(), layer.inDim, layer.outDim)
          : train.layers.get(t.path)!.eigen();
      return {
        ...base,
        shape: `${layer.inDim}x${layer.outDim}`,
        energyKept: k === null ? null : energyKept(energyOf.values, k),
      };
    }
    const tables = model.inputs?.fields?.fieldTables ?? [];
    const D = model.inputs!.dim;
    const V = tables.reduce((s, tb) => s + tb.rows, 0);
    let kept = 0;
    if (k !== null)
      train.fields.forEach((s, f) => {
        const values =
          method === 'svd' ? rightSingular(tables[f].readRows(), tables[f].rows, D).values : s.eigen().values;
        kept += (tables[f].rows / V) * energyKept(values, k);
      });
    return { ...base, shape: `${tables.length} fields x ${D}`, energyKept: k === null ? null : kept };
  });
}
