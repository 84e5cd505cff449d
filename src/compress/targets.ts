/**
 * What compression can act on in a model, and exact parameter accounting: the targets are the
 * model's Linear layers (output width > 1), the field embeddings (one rank for all fields), and
 * tables standing alone (an imported graph's, one rank each); a target's parameters under any rank
 * assignment count the embedding reconstruction and its folding into the first MLP layer (whose
 * input then shrinks). Rank selection (select.ts) and file-size budgets (byte_budget.ts) both
 * work on this.
 */
import type { EmbeddingTable } from '../embedding/table.js';
import { Linear } from '../nn/linear.js';
import type { Compressible } from '../nn/parts.js';
import type { ModelStats } from './collect.js';
import { maxRank } from './plan.js';
import { energyKept } from './stats.js';

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

export type Ranks = Map<string, number | null>;

/** The next budget cut of a target already at rank k > 1: an eighth of its rank, at least 1 (select.ts and byte_budget.ts). */
export function nextCut(k: number): number {
  return Math.max(1, k - Math.max(1, Math.floor(k / 8)));
}

/** What a target is under a rank assignment (k null: whole); a layer's input shrinks when it reads folded embeddings. */
export type TargetShape =
  | { kind: 'embedding'; rows: number; fields: number; dim: number; k: number | null }
  | { kind: 'table'; rows: number; dim: number; k: number | null }
  | { kind: 'layer'; inDim: number; outDim: number; bias: boolean; k: number | null };

export interface Costing {
  targets: Target[];
  /** The fold takes the numeric features' vectors too (plan.foldNumeric), once the tables are compressed. */
  foldsNumeric: boolean;
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
  // Folded numeric vectors: the reader takes N values where it took N x D products.
  const numeric = readerSlot ? (parts.embedding?.numeric ?? null) : null;
  const numericRows = numeric ? numeric.shape[0] * (numeric.shape[1] - 1) : 0;
  const describe = (path: string, ranks: Ranks): TargetShape | null => {
    const k = ranks.get(path) ?? null;
    if (path === 'embedding') return { kind: 'embedding', rows: V, fields: F, dim: D, k };
    const tab = tableSlots.get(path);
    if (tab) return { kind: 'table', rows: tab.rows, dim: tab.dim, k };
    const l = layers.get(path) ?? (path === reader ? readerLayer : null);
    if (!l) return null;
    const e = ranks.get('embedding') ?? null;
    const inDim = path === reader && e !== null ? l.inDim - F * (D - e) - numericRows : l.inDim;
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
    foldsNumeric: numeric !== null,
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
