/**
 * Installs a compression plan into a model: Linear layers become LowRankLinear (weights from AFM
 * or SVD factors, or left random when only the structure is wanted, e.g. before loading a saved
 * compressed model), field tables shrink to the plan's rank with a per-field reconstruction, and
 * where the model's MLP reads the flattened embeddings the reconstruction is folded into its first layer.
 */
import type { EmbeddingStore } from '../embedding/store.js';
import type { CTRModel } from '../models/model.js';
import { FieldTables } from '../nn/field_embedding.js';
import { Linear } from '../nn/linear.js';
import { LowRankFields } from '../nn/low_rank_fields.js';
import { LowRankLinear } from '../nn/low_rank_linear.js';
import type { LinearSlot } from '../nn/parts.js';
import type { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import type { ModelStats } from './collect.js';
import {
  afmLayer,
  afmTable,
  fuseIntoFirstLayer,
  svdLayer,
  svdTable,
  type LayerFactors,
  type TableFactors,
} from './factor.js';
import type { CompressionPlan } from './plan.js';
import type { OutputStats } from './stats.js';

export interface ApplyContext {
  rng: Rng;
  store: EmbeddingStore;
  slots: number;
}

function setLinear(l: Linear, W: Float32Array, b: Float32Array): void {
  l.W.assign(W);
  l.b?.assign(b);
}

/** Applies `plan`; with `stats`, weights come from the factorization, otherwise they stay random. */
export function applyPlan(model: CTRModel, plan: CompressionPlan, ctx: ApplyContext, stats?: ModelStats): void {
  const slots = new Map(model.parts().linears.map((s) => [s.path, s]));
  for (const [path, k] of Object.entries(plan.layers)) {
    const slot = slots.get(path);
    const layer = slot?.get();
    if (!slot || !(layer instanceof Linear))
      throw new Error(`internal: compress: the model has no Linear layer '${path}'`);
    const low = new LowRankLinear(layer.inDim, layer.outDim, k, plan.method === 'afm-act' ? 'relu' : 'none', ctx.rng);
    if (stats) {
      const f = factorLayer(layer, k, plan, stats.layers.get(path), path);
      setLinear(low.down, f.W1, f.b1);
      setLinear(low.up, f.W2, f.b2);
    }
    slot.set(low);
  }
  if (plan.embeddingRank !== null) compressTables(model, plan, ctx, stats);
}

function factorLayer(
  layer: Linear,
  k: number,
  plan: CompressionPlan,
  s: OutputStats | undefined,
  path: string,
): LayerFactors {
  const W = layer.W.toArray(),
    b = layer.b ? layer.b.toArray() : null;
  if (plan.method === 'svd') return svdLayer(W, b, layer.inDim, layer.outDim, k);
  if (!s) throw new Error(`internal: compress: no statistics for '${path}' (was it run in the statistics pass?)`);
  return afmLayer(W, b, layer.inDim, layer.outDim, s.eigen(), s.mean(), k);
}

function compressTables(model: CTRModel, plan: CompressionPlan, ctx: ApplyContext, stats?: ModelStats): void {
  const embedding = model.parts().embedding;
  const fields = embedding?.get();
  if (!embedding || !(fields instanceof FieldTables))
    throw new Error(`internal: compress: ${model.kind} has no field embedding tables to compress`);
  const k = plan.embeddingRank!;
  const D = fields.dim,
    F = fields.fieldTables.length;
  const factors: TableFactors[] = [];
  const tables = fields.fieldTables.map((t, f) => {
    const small = ctx.store.create(t.name, t.rows, k, ctx.slots);
    if (stats) {
      const E = t.readRows();
      const s = stats.fields[f];
      if (plan.method !== 'svd' && !s) throw new Error(`internal: compress: no statistics for field ${t.name}`);
      const tf = plan.method === 'svd' ? svdTable(E, t.rows, D, k) : afmTable(E, t.rows, D, s.eigen(), s.mean(), k);
      small.writeRows(tf.table);
      factors.push(tf);
    } else small.init(ctx.rng, 'normal', 1e-4);
    return small;
  });
  const P = Tensor.param(Tensor.zeros([F, k, D])),
    mu = Tensor.param(Tensor.zeros([F, D]));
  factors.forEach((tf, f) => {
    P.assign(tf.P, f * k * D);
    mu.assign(tf.mu, f * D);
  });
  const reader = plan.fuse ? embedding.reader : null;
  const numeric = reader && plan.foldNumeric ? embedding.numeric : null;
  if (reader) fuseFirstLayer(reader, factors, { F, D, k, numeric }, ctx, stats !== undefined);
  if (numeric) embedding.foldNumeric();
  embedding.set(new LowRankFields(tables, P, mu, reader !== null));
}

/**
 * Replaces the Linear that reads the flattened embeddings with one reading the k-wide fields (and,
 * with `numeric` [N, D], each numeric feature's value in place of its D-wide vector).
 */
function fuseFirstLayer(
  slot: LinearSlot,
  factors: TableFactors[],
  s: { F: number; D: number; k: number; numeric: Tensor | null },
  ctx: ApplyContext,
  withWeights: boolean,
): void {
  const reader = slot.get() as Linear;
  const N = s.numeric?.shape[0] ?? 0;
  const rest = reader.inDim - s.F * s.D;
  const fused = new Linear(s.F * s.k + rest - N * (s.D - 1), reader.outDim, ctx.rng);
  if (withWeights) {
    const r = fuseIntoFirstLayer(reader.W.toArray(), reader.b ? reader.b.toArray() : null, reader.outDim, factors, {
      dim: s.D,
      restRows: rest,
      numeric: s.numeric?.toArray() ?? null,
    });
    setLinear(fused, r.W, r.b);
  }
  slot.set(fused);
}
