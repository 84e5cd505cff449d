/**
 * Installs a compression plan into a model: Linear layers become LowRankLinear (weights from AFM
 * or SVD factors, or left random when only the structure is wanted, e.g. before loading a saved
 * compressed model), field tables shrink to the plan's rank with a per-field reconstruction, and
 * where the model's MLP reads the flattened embeddings the reconstruction is folded into its first layer.
 */
import type { EmbeddingStore } from '../embedding/store.js';
import type { CTRModel } from '../models/model.js';
import { Linear } from '../nn/linear.js';
import { LowRankLinear } from '../nn/low_rank_linear.js';
import { MLP, type LinearLike } from '../nn/mlp.js';
import type { Module } from '../nn/module.js';
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

function moduleAt(model: Module, path: string): Module {
  const found = model.namedModules().find(([p]) => p === path);
  if (!found)
    throw new Error(`internal: compress: model has no module '${path}' (plans are checked against the model)`);
  return found[1];
}

function parentOf(model: Module, path: string): [Module, string] {
  const i = path.lastIndexOf('.');
  return i < 0 ? [model, path] : [moduleAt(model, path.slice(0, i)), path.slice(i + 1)];
}

function setLinear(l: Linear, W: Float32Array, b: Float32Array): void {
  l.W.assign(W);
  l.b?.assign(b);
}

/** Applies `plan`; with `stats`, weights come from the factorization, otherwise they stay random. */
export function applyPlan(model: CTRModel, plan: CompressionPlan, ctx: ApplyContext, stats?: ModelStats): void {
  for (const [path, k] of Object.entries(plan.layers)) {
    const layer = moduleAt(model, path);
    if (!(layer instanceof Linear)) throw new Error(`internal: compress: '${path}' is not a Linear layer`);
    const low = new LowRankLinear(layer.inDim, layer.outDim, k, plan.method === 'afm-act' ? 'relu' : 'none', ctx.rng);
    if (stats) {
      const f = factorLayer(layer, k, plan, stats.layers.get(path), path);
      setLinear(low.down, f.W1, f.b1);
      setLinear(low.up, f.W2, f.b2);
    }
    const [parent, name] = parentOf(model, path);
    parent.replace(name, low);
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
  const inputs = model.inputs;
  if (!inputs) throw new Error(`internal: compress: ${model.kind} has no field embeddings`);
  const k = plan.embeddingRank!;
  const D = inputs.dim,
    F = inputs.fieldTables.length;
  const factors: TableFactors[] = [];
  const tables = inputs.fieldTables.map((t, f) => {
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
  const fuse = plan.fuse && model.embeddingUse.mlp;
  if (fuse) fuseFirstLayer(model, factors, F, D, k, ctx, stats !== undefined);
  inputs.setCompressed(tables, { P, mu, fused: fuse });
}

/** Replaces the Linear that reads the MLP input with one reading the k-wide fields. */
function fuseFirstLayer(
  model: CTRModel,
  factors: TableFactors[],
  F: number,
  D: number,
  k: number,
  ctx: ApplyContext,
  withWeights: boolean,
): void {
  const mlp = model.namedModules().find(([p]) => p === 'mlp')?.[1];
  if (!(mlp instanceof MLP))
    throw new Error(`internal: compress: ${model.kind} declares an MLP over the embeddings but has no 'mlp' module`);
  const first: LinearLike = mlp.layers[0] ?? mlp.out!;
  const holder: Module = first instanceof LowRankLinear ? first : mlp;
  const reader = first instanceof LowRankLinear ? first.down : (first as Linear);
  const rest = reader.inDim - F * D;
  const fused = new Linear(F * k + rest, reader.outDim, ctx.rng);
  if (withWeights) {
    const r = fuseIntoFirstLayer(
      reader.W.toArray(),
      reader.b ? reader.b.toArray() : null,
      reader.outDim,
      factors,
      D,
      rest,
    );
    setLinear(fused, r.W, r.b);
  }
  holder.replace(first instanceof LowRankLinear ? 'down' : mlp.layers[0] ? 'layer0' : 'out', fused);
}
