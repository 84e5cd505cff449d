/**
 * Rank selection. Targets are the model's Linear layers (output width > 1), the field
 * embeddings (one rank for all fields), and tables standing alone (an imported graph's, one rank each). Three ways to choose: explicit ranks; an energy
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
import type { EmbeddingTable } from '../embedding/table.js';
import { UsageError } from '../util/errors.js';
import { Linear } from '../nn/linear.js';
import type { Compressible } from '../nn/parts.js';
import type { ModelStats } from './collect.js';
import { maxRank, type CompressionPlan, type Method } from './plan.js';
import { budgetOf, DEFAULT_FIELD_ENERGY, rankProblem, type RankChoice } from './rank_choice.js';
import { energyKept } from './stats.js';

/** A layer that runs more often than this per example counts as run once per field (F >= 2 times). */
const PER_FIELD_RUNS = 1.5;
/** A budget cut on a target already factored takes this fraction of its rank (at least 1). */
const CUT_FRACTION = 1 / 8;

export interface Target {
  kind: 'layer' | 'embedding' | 'table';
  /** Module path, 'embedding', or a table slot's path. */
  path: string;
  /** Largest rank considered. */
  maxRank: number;
  /** Fraction of output variance lost at rank k. */
  lost(k: number): number;
  /** Times the target runs per example (a layer applied to every field: the number of fields). */
  perExample: number;
}

export interface SelectOptions {
  method: Method;
  rank: RankChoice;
  /** Only consider targets whose path starts with one of these prefixes (default: all). */
  only?: string[];
  fuse?: boolean;
}

export type Ranks = Map<string, number | null>;

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

/** What a target is under a rank assignment (k null: whole); a layer's input shrinks when it reads folded embeddings. */
export type TargetShape =
  | { kind: 'embedding'; rows: number; fields: number; dim: number; k: number | null }
  | { kind: 'table'; rows: number; dim: number; k: number | null }
  | { kind: 'layer'; inDim: number; outDim: number; bias: boolean; k: number | null };

export interface Costing {
  targets: Target[];
  /** Every path whose size depends on the ranks: the targets, and the layer reading folded embeddings. */
  paths: string[];
  /** Parameters outside those paths. */
  base: number;
  describe(path: string, ranks: Ranks): TargetShape | null;
  count(ranks: Ranks): number;
  targetParams(path: string, ranks: Ranks): number;
}

/** Targets and exact parameter accounting for a model. */
export function costing(model: Compressible, stats: ModelStats, fuse: boolean, only?: string[]): Costing {
  const keep = (path: string): boolean => !only || only.some((p) => path.startsWith(p));
  const parts = model.parts();
  const targets: Target[] = [];
  const layers = new Map<string, Linear>();
  for (const slot of parts.linears) {
    const m = slot.get(),
      path = slot.path;
    if (!(m instanceof Linear) || m.outDim < 2 || !keep(path)) continue;
    const s = stats.layers.get(path);
    if (!s) continue;
    const values = s.eigen().values;
    layers.set(path, m);
    const perExample = stats.rows > 0 ? s.n / stats.rows : 1;
    targets.push({
      kind: 'layer',
      path,
      maxRank: maxRank(m.inDim, m.outDim),
      lost: (k) => 1 - energyKept(values, k),
      perExample,
    });
  }
  const tableSlots = new Map<string, EmbeddingTable>();
  for (const slot of parts.tables ?? []) {
    const t = slot.table,
      s = stats.layers.get(slot.path);
    if (t.dim < 2 || !s || !keep(slot.path)) continue;
    const values = s.eigen().values;
    tableSlots.set(slot.path, t);
    const perExample = stats.rows > 0 ? s.n / stats.rows : 1;
    targets.push({
      kind: 'table',
      path: slot.path,
      maxRank: maxRank(t.dim, t.dim),
      lost: (k) => 1 - energyKept(values, k),
      perExample,
    });
  }
  const fields = parts.embedding?.get() ?? null;
  const tables = fields?.fieldTables ?? [];
  const D = fields?.dim ?? 0,
    F = tables.length;
  const V = tables.reduce((s, t) => s + t.rows, 0);
  // The Linear that reads the flattened embeddings (its input rows shrink when the tables are folded in).
  const readerSlot = fuse ? (parts.embedding?.reader ?? null) : null;
  const reader = readerSlot?.path ?? null;
  if (F > 0 && stats.fields.length && keep('embedding')) {
    const rows = tables.map((t) => t.rows);
    const spectra = stats.fields.map((s) => s.eigen().values);
    targets.push({
      kind: 'embedding',
      path: 'embedding',
      maxRank: maxRank(D, D),
      lost: (k) => spectra.reduce((s, v, f) => s + (rows[f] / V) * (1 - energyKept(v, k)), 0),
      perExample: 1,
    });
  }
  const readerLayer = readerSlot ? (readerSlot.get() as Linear) : null;
  const describe = (path: string, ranks: Ranks): TargetShape | null => {
    const k = ranks.get(path) ?? null;
    if (path === 'embedding') return { kind: 'embedding', rows: V, fields: F, dim: D, k };
    const tab = tableSlots.get(path);
    if (tab) return { kind: 'table', rows: tab.rows, dim: tab.dim, k };
    const l = layers.get(path) ?? (path === reader ? readerLayer : null);
    if (!l) return null;
    const e = ranks.get('embedding') ?? null;
    const inDim = path === reader && e !== null ? l.inDim - F * (D - e) : l.inDim;
    return { kind: 'layer', inDim, outDim: l.outDim, bias: l.b !== null, k };
  };
  const targetParams = (path: string, ranks: Ranks): number => {
    const d = describe(path, ranks);
    return d ? shapeParams(d) : 0;
  };
  const before = model.paramCount();
  const paths = [...new Set([...targets.map((t) => t.path), ...(reader ? [reader] : [])])];
  const base = before - paths.reduce((s, p) => s + targetParams(p, new Map()), 0);
  return {
    targets,
    paths,
    base,
    describe,
    targetParams,
    count: (ranks) => base + paths.reduce((s, p) => s + targetParams(p, ranks), 0),
  };
}

/** Parameters of a target of this shape. */
function shapeParams(d: TargetShape): number {
  const k = d.k;
  if (d.kind === 'embedding') return k === null ? d.rows * d.dim : d.rows * k + d.fields * (k * d.dim + d.dim);
  if (d.kind === 'table') return k === null ? d.rows * d.dim : d.rows * k + k * d.dim + d.dim;
  const bias = d.bias ? d.outDim : 0;
  return k === null ? d.inDim * d.outDim + bias : k * (d.inDim + d.outDim) + k + d.outDim;
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
  const layers: Record<string, number> = {};
  let embeddingRank: number | null = null;
  for (const t of c.targets) {
    const k = ranks.get(t.path);
    if (k === null || k === undefined) continue;
    if (t.kind === 'embedding') embeddingRank = k;
    else layers[t.path] = k;
  }
  return {
    plan: { method: o.method, layers, embeddingRank, fuse },
    ranks,
    targets: c.targets,
    paramsBefore: model.paramCount(),
    paramsAfter: c.count(ranks),
    budget,
    notes,
    count: c.count,
    targetParams: c.targetParams,
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
  if (fieldEnergy === 0) return notes;
  const perField: string[] = [];
  for (const t of c.targets.filter(
    (x) => x.kind === 'layer' && x.perExample > PER_FIELD_RUNS && ranks.get(x.path) === null,
  )) {
    const k = rankFor(t, fieldEnergy);
    if (k !== null && saves(c, ranks, t, k)) {
      ranks.set(t.path, k);
      perField.push(`${t.path}:${k}`);
    }
  }
  if (perField.length) {
    notes.push(
      `--field-energy ${fieldEnergy} factored ${perField.length} layer(s) run once per field (${perField.join(', ')}), saving ${afterBudget - c.count(ranks)} more parameters beyond the budget (--field-energy 0 leaves them to the budget)`,
    );
  }
  return notes;
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
      else if (now > 1) candidates.push(Math.max(1, now - Math.max(1, Math.floor(now * CUT_FRACTION))));
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
