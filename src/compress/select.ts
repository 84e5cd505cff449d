/**
 * Rank selection over a model's targets (targets.ts). Three ways to choose: explicit ranks; an energy
 * threshold (smallest k keeping >= e of the output variance, where that saves parameters); or a
 * parameter budget for the whole model (greedy: repeatedly take the rank cut that loses the least
 * energy per parameter saved, until the model fits). Parameter counts are exact, including the
 * embedding reconstruction and its folding into the first MLP layer.
 *
 * Parameters are not compute: a layer that runs many times per example (AutoInt's attention
 * projections once per field, xDeepFM's CIN maps once per embedding column) costs that many times
 * its parameters, and holds few of them, so a budget alone would leave it whole. Under a budget such
 * layers are also factored at the smallest rank keeping `fieldEnergy` of their output variance
 * (DEFAULT_FIELD_ENERGY), where that rank saves parameters.
 */
import { UsageError } from '../util/errors.js';
import type { Compressible } from '../nn/parts.js';
import type { ModelStats } from './collect.js';
import type { CompressionPlan, Method } from './plan.js';
import { budgetOf, DEFAULT_FIELD_ENERGY, rankProblem, type RankChoice } from './rank_choice.js';
import { costing, nextCut, type Costing, type Ranks, type Target } from './targets.js';

export type { Ranks } from './targets.js';

/** A layer that runs more often than this per example counts as run once per field (F >= 2 times). */
const PER_FIELD_RUNS = 1.5;

export interface SelectOptions {
  method: Method;
  rank: RankChoice;
  /** Only consider targets whose path starts with one of these prefixes (default: all). */
  only?: string[];
  fuse?: boolean;
}

export interface Selection {
  plan: CompressionPlan;
  /** Rank chosen per target path (null: left as is). */
  ranks: Ranks;
  targets: Target[];
  paramsBefore: number;
  paramsAfter: number;
  /** The parameter budget asked for (null: ranks chosen by energy or explicitly). */
  budget: number | null;
  /** Under a budget: why the plan ends below it (which rule cut more than needed). */
  notes: string[];
  /** Exact parameter count for any rank assignment over these targets. */
  count(ranks: Ranks): number;
  /** Parameters of one target under an assignment (for reports). */
  targetParams(path: string, ranks: Ranks): number;
  /** Under a file-size budget (byte_budget.ts): asked, the original's file and the plan's, in bytes. */
  bytes?: { budget: number; before: number; after: number };
}

export function selectRanks(model: Compressible, stats: ModelStats, o: SelectOptions): Selection {
  const fuse = o.fuse ?? true;
  const c = costing(model, stats, fuse, o.only);
  const ranks: Ranks = new Map(c.targets.map((t) => [t.path, null]));
  const choice = o.rank;
  const budget = budgetOf(choice, model.paramCount());
  let notes: string[] = [];
  if (choice.by === 'ranks') setRanks(c.targets, ranks, choice.ranks);
  else if (choice.by === 'energy') {
    for (const t of c.targets) {
      const k = rankFor(t, choice.energy);
      if (k !== null && saves(c, ranks, t, k)) ranks.set(t.path, k);
    }
  } else if (choice.by === 'bytes') throw new Error('internal: a file-size budget is chosen by selectForBytes');
  else if (budget !== null) notes = fitBudget(c, ranks, budget, choice.fieldEnergy ?? DEFAULT_FIELD_ENERGY);
  return selectionOf(model, c, ranks, { method: o.method, fuse }, { budget, notes });
}

/** The Selection of `ranks` over `c`'s targets (shared with byte_budget.ts): the plan, counts and accounting. */
export function selectionOf(
  model: Compressible,
  c: Costing,
  ranks: Ranks,
  o: Pick<CompressionPlan, 'method' | 'fuse' | 'bits'>,
  extra: Pick<Selection, 'budget' | 'notes' | 'bytes'>,
): Selection {
  const layers: Record<string, number> = {};
  let embeddingRank: number | null = null;
  for (const t of c.targets) {
    const k = ranks.get(t.path) ?? null;
    if (k === null) continue;
    if (t.kind === 'embedding') embeddingRank = k;
    else layers[t.path] = k;
  }
  const foldNumeric = o.fuse && c.foldsNumeric && embeddingRank !== null;
  return {
    plan: { ...o, layers, embeddingRank, ...(foldNumeric ? { foldNumeric } : {}) },
    ranks,
    targets: c.targets,
    paramsBefore: model.paramCount(),
    paramsAfter: c.count(ranks),
    count: c.count,
    targetParams: c.targetParams,
    ...extra,
  };
}

/** Whether rank `k` for `t` (the others as in `ranks`) takes fewer parameters than leaving `t` whole. */
function saves(c: Costing, ranks: Ranks, t: Target, k: number): boolean {
  return c.count(new Map(ranks).set(t.path, k)) < c.count(new Map(ranks).set(t.path, null));
}

/** Explicit ranks: every path must be a target, every rank within its bounds. */
function setRanks(targets: Target[], ranks: Ranks, wanted: Record<string, number>): void {
  for (const [path, k] of Object.entries(wanted)) {
    const t = targets.find((x) => x.path === path);
    if (!t)
      throw new UsageError(
        `--ranks: no compression target '${path}' (targets: ${targets.map((x) => x.path).join(', ')})`,
      );
    const bad = rankProblem(k, t.maxRank);
    if (bad) throw new UsageError(`--ranks: the rank of '${path}' ${bad}`);
    ranks.set(path, k);
  }
}

/**
 * Cuts ranks greedily until the model fits `budget`, then factors the layers run once per field
 * at the rank keeping `fieldEnergy`; returns notes on why the plan ends below the budget.
 */
function fitBudget(c: Costing, ranks: Ranks, budget: number, fieldEnergy: number): string[] {
  const notes: string[] = [];
  const last = greedy(c.targets, ranks, c.count, budget);
  const afterBudget = c.count(ranks);
  if (last && afterBudget < budget) {
    notes.push(
      `the last budget cut (${last.path} to rank ${last.k}) saved ${last.saved} parameters where ${Math.round(last.saved - (budget - afterBudget))} were left above the budget`,
    );
  }
  const perField = factorPerField(c, ranks, fieldEnergy, (r) => c.count(r));
  if (perField.length) {
    notes.push(
      `--field-energy ${fieldEnergy} factored ${perField.length} layer(s) run once per field (${perField.join(', ')}), saving ${afterBudget - c.count(ranks)} more parameters beyond the budget (--field-energy 0 leaves them to the budget)`,
    );
  }
  return notes;
}

/**
 * Factors the layers run once per field that a budget left whole at the smallest rank keeping
 * `fieldEnergy` of their output variance, where that makes `size` smaller (parameters, or file
 * bytes under byte_budget.ts); returns them as `path:rank`.
 */
export function factorPerField(c: Costing, ranks: Ranks, fieldEnergy: number, size: (r: Ranks) => number): string[] {
  const out: string[] = [];
  if (fieldEnergy === 0) return out;
  for (const t of c.targets.filter(
    (x) => x.kind === 'layer' && x.perExample > PER_FIELD_RUNS && ranks.get(x.path) === null,
  )) {
    const k = rankFor(t, fieldEnergy);
    if (k !== null && size(new Map(ranks).set(t.path, k)) < size(ranks)) {
      ranks.set(t.path, k);
      out.push(`${t.path}:${k}`);
    }
  }
  return out;
}

/** The smallest rank keeping >= e of the target's output variance (null: none below full rank does). */
function rankFor(t: Target, e: number): number | null {
  let k = 1;
  while (k < t.maxRank && t.lost(k) > 1 - e + 1e-12) k++;
  return 1 - t.lost(k) >= e - 1e-12 ? k : null;
}

/**
 * Cuts ranks where the energy lost per parameter saved is smallest until the model fits `budget`.
 * Returns the last cut (it may take the model below the budget: cuts come in whole rank steps).
 */
function greedy(
  targets: Target[],
  ranks: Ranks,
  count: (r: Ranks) => number,
  budget: number,
): { path: string; k: number; saved: number } | null {
  let current = count(ranks);
  let last: { path: string; k: number; saved: number } | null = null;
  while (current > budget) {
    let best: { t: Target; k: number; after: number; cost: number } | null = null;
    for (const t of targets) {
      const now = ranks.get(t.path) ?? null;
      const candidates: number[] = [];
      if (now === null) for (let k = t.maxRank; k >= 1; k--) candidates.push(k);
      else if (now > 1) candidates.push(nextCut(now));
      for (const k of candidates) {
        const after = count(new Map(ranks).set(t.path, k));
        if (after >= current) continue;
        const cost = (t.lost(k) - (now === null ? 0 : t.lost(now))) / (current - after);
        if (!best || cost < best.cost) best = { t, k, after, cost };
        break; // from "kept", only the largest rank that saves anything is a first cut
      }
    }
    if (!best) break; // nothing left to cut: the budget is below what the targets allow
    ranks.set(best.t.path, best.k);
    last = { path: best.t.path, k: best.k, saved: current - best.after };
    current = best.after;
  }
  return last;
}
