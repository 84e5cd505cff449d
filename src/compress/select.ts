/**
 * Rank selection. Targets are the model's Linear layers (output width > 1, where factoring can
 * save parameters) and the field embeddings (one rank for all fields). Three ways to choose:
 * explicit ranks; an energy threshold (smallest k keeping >= e of the output variance); or a
 * parameter budget for the whole model (greedy: repeatedly take the rank cut that loses the
 * least energy per parameter saved, until the model fits).
 */
import type { CTRModel } from '../models/model.js';
import { Linear } from '../nn/linear.js';
import { MLP } from '../nn/mlp.js';
import type { ModelStats } from './collect.js';
import { breakEvenRank, type CompressionPlan, type Method } from './plan.js';
import { energyKept } from './stats.js';

export interface Target {
  kind: 'layer' | 'embedding';
  /** Module path, or 'embedding'. */
  path: string;
  /** Largest useful rank (below it factoring saves parameters). */
  maxRank: number;
  /** Parameters at rank k (null: left as is). */
  params(k: number | null): number;
  /** Fraction of output variance lost at rank k. */
  lost(k: number): number;
}

export interface RankChoice {
  method: Method;
  /** Explicit ranks by path ('embedding' for the tables). */
  ranks?: Record<string, number>;
  energy?: number;
  /** Total parameter budget, or `ratio` (original / compressed). */
  budget?: number;
  ratio?: number;
  /** Only consider targets whose path starts with one of these prefixes (default: all). */
  only?: string[];
  fuse?: boolean;
}

/** The compression targets of a model, with their eigenvalue spectra (SVD uses the same spectra to rank). */
export function findTargets(model: CTRModel, stats: ModelStats): Target[] {
  const targets: Target[] = [];
  const mlp = model.namedModules().find(([p]) => p === 'mlp')?.[1];
  for (const [path, m] of model.namedModules()) {
    if (!(m instanceof Linear) || m.outDim < 2) continue;
    const s = stats.layers.get(path);
    const maxRank = breakEvenRank(m.inDim, m.outDim);
    if (!s || maxRank < 1) continue;
    const values = s.eigen().values;
    targets.push({
      kind: 'layer', path, maxRank,
      params: (k) => (k === null ? m.inDim * m.outDim + m.outDim : k * (m.inDim + m.outDim) + k + m.outDim),
      lost: (k) => 1 - energyKept(values, k),
    });
  }
  const inputs = model.inputs;
  if (inputs && inputs.fieldTables.length && stats.fields.length) {
    const D = inputs.dim, F = inputs.fieldTables.length;
    const rows = inputs.fieldTables.map((t) => t.rows);
    const V = rows.reduce((a, b) => a + b, 0);
    const spectra = stats.fields.map((s) => s.eigen().values);
    // Folding into the MLP's first layer changes its input rows from F*D to F*k.
    const h = mlp instanceof MLP && model.embeddingUse.mlp ? (mlp.layers[0] ?? mlp.out)!.outDim : 0;
    targets.push({
      kind: 'embedding', path: 'embedding', maxRank: D - 1,
      params: (k) => (k === null ? V * D + F * D * h : V * k + F * (k * D + D) + F * k * h),
      lost: (k) => spectra.reduce((s, v, f) => s + (rows[f] / V) * (1 - energyKept(v, k)), 0),
    });
  }
  return targets;
}

export interface Selection {
  plan: CompressionPlan;
  /** Rank chosen per target path (null: left as is). */
  ranks: Map<string, number | null>;
  targets: Target[];
  paramsBefore: number;
  paramsAfter: number;
}

export function selectRanks(model: CTRModel, stats: ModelStats, choice: RankChoice): Selection {
  const targets = findTargets(model, stats).filter((t) => !choice.only || choice.only.some((p) => t.path.startsWith(p)));
  const ranks = new Map<string, number | null>(targets.map((t) => [t.path, null]));
  if (choice.ranks) {
    for (const [path, k] of Object.entries(choice.ranks)) {
      const t = targets.find((x) => x.path === path);
      if (!t) throw new RangeError(`no compression target '${path}' (targets: ${targets.map((x) => x.path).join(', ')})`);
      ranks.set(path, k);
    }
  } else if (choice.energy !== undefined) {
    for (const t of targets) {
      let k = 1;
      while (k < t.maxRank && t.lost(k) > 1 - choice.energy + 1e-12) k++;
      ranks.set(t.path, 1 - t.lost(k) >= choice.energy - 1e-12 ? k : null);
    }
  } else {
    const before = model.paramCount();
    const budget = choice.budget ?? before / (choice.ratio ?? 4);
    greedy(targets, ranks, before, budget);
  }
  const total = (m: Map<string, number | null>): number => targets.reduce((s, t) => s + t.params(m.get(t.path) ?? null), 0);
  const paramsBefore = model.paramCount();
  const paramsAfter = paramsBefore - total(new Map()) + total(ranks);
  const layers: Record<string, number> = {};
  let embeddingRank: number | null = null;
  for (const t of targets) {
    const k = ranks.get(t.path);
    if (k === null || k === undefined) continue;
    if (t.kind === 'embedding') embeddingRank = k;
    else layers[t.path] = k;
  }
  return { plan: { method: choice.method, layers, embeddingRank, fuse: choice.fuse ?? true }, ranks, targets, paramsBefore, paramsAfter };
}

/** Cuts ranks where the energy lost per parameter saved is smallest until the model fits `budget`. */
function greedy(targets: Target[], ranks: Map<string, number | null>, total: number, budget: number): void {
  let current = total;
  while (current > budget) {
    let best: { t: Target; k: number; saved: number; cost: number } | null = null;
    for (const t of targets) {
      const now = ranks.get(t.path) ?? null;
      const from = now ?? t.maxRank + 1;
      if (from <= 1) continue;
      // Step 1/8 of the rank at a time (at least 1) so large layers move in sensible strides.
      const k = now === null ? t.maxRank : Math.max(1, from - Math.max(1, Math.floor(from / 8)));
      const saved = t.params(now) - t.params(k);
      if (saved <= 0) continue;
      const cost = (t.lost(k) - (now === null ? 0 : t.lost(now))) / saved;
      if (!best || cost < best.cost) best = { t, k, saved, cost };
    }
    if (!best) break; // nothing left to cut: the budget is below what the targets allow
    ranks.set(best.t.path, best.k);
    current -= best.saved;
  }
}
