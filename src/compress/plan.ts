/** What a compression does to a model: which Linear layers get which rank, and the embedding rank. */
import type { CTRModel } from '../models/model.js';
import { Linear } from '../nn/linear.js';
import { LinearTerm } from '../nn/linear_term.js';
import { rankProblem } from './rank_choice.js';

export type Method = 'afm' | 'afm-act' | 'svd';
const METHODS: readonly Method[] = ['afm', 'afm-act', 'svd'];

export interface CompressionPlan {
  method: Method;
  /** Dotted module path of a Linear -> rank. */
  layers: Record<string, number>;
  /** Rank of every categorical field's table (null: tables untouched). */
  embeddingRank: number | null;
  /** Fold the reconstruction into the MLP's first layer (when the model's MLP reads the flattened embeddings). */
  fuse: boolean;
  /**
   * With the fold, the numeric features' vectors (value x vector per feature) are folded into that
   * layer too, which then reads the N values instead of N x D products (exact, as the fold is).
   * Absent in plans made before it existed: false.
   */
  foldNumeric?: boolean;
  /**
   * What is stored in fewer bits (absent: all float32): 'embedding' -> 8 or 4 (every field table,
   * per row), a Linear's path -> 8 (its weights, or both factors' once factored, per output
   * channel), a first-order term's path -> 16 (its per-id weights in half precision).
   */
  bits?: Record<string, StoredBits>;
}

export type StoredBits = 16 | 8 | 4;

/**
 * Largest rank a target is factored at: below full rank, where a factorization stops being a
 * compression (a layer in -> out; a field table of width d is the target d -> d).
 */
export function maxRank(inDim: number, outDim: number): number {
  return Math.min(inDim, outDim) - 1;
}

/** What is wrong with a plan for `model` (a stored one may be damaged): the key (`layers.mlp.layer1`) and why; null when it fits. */
export function planProblem(model: CTRModel, plan: unknown): { key: string; detail: string } | null {
  const p = plan as Partial<Record<keyof CompressionPlan, unknown>> | null;
  if (!p || typeof p !== 'object') return { key: '', detail: 'expected { method, layers, embeddingRank, fuse }' };
  if (!METHODS.includes(p.method as Method))
    return { key: 'method', detail: `must be ${METHODS.join(', ')}, got ${JSON.stringify(p.method)}` };
  if (typeof p.fuse !== 'boolean')
    return { key: 'fuse', detail: `must be true or false, got ${JSON.stringify(p.fuse)}` };
  if (p.foldNumeric !== undefined && typeof p.foldNumeric !== 'boolean')
    return { key: 'foldNumeric', detail: `must be true or false, got ${JSON.stringify(p.foldNumeric)}` };
  if (p.foldNumeric && !(p.fuse && p.embeddingRank !== null && model.parts().embedding?.numeric))
    return { key: 'foldNumeric', detail: `needs fuse, an embedding rank and numeric features embedded as fields` };
  if (!p.layers || typeof p.layers !== 'object' || Array.isArray(p.layers))
    return { key: 'layers', detail: 'expected a mapping of layer path -> rank' };
  const modules = new Map(model.namedModules());
  for (const [path, k] of Object.entries(p.layers)) {
    const layer = modules.get(path);
    if (!(layer instanceof Linear)) return { key: `layers.${path}`, detail: `${model.kind} has no Linear layer there` };
    const bad = rankProblem(k, maxRank(layer.inDim, layer.outDim));
    if (bad) return { key: `layers.${path}`, detail: `rank ${bad}` };
  }
  if (p.embeddingRank !== null) {
    const dim = model.inputs?.dim;
    if (dim === undefined) return { key: 'embeddingRank', detail: `${model.kind} has no field embeddings` };
    const bad = rankProblem(p.embeddingRank, maxRank(dim, dim));
    if (bad) return { key: 'embeddingRank', detail: `rank ${bad}` };
  }
  return p.bits === undefined ? null : bitsProblem(model, p.bits, modules);
}

function bitsProblem(
  model: CTRModel,
  bits: unknown,
  modules: Map<string, unknown>,
): { key: string; detail: string } | null {
  if (!bits || typeof bits !== 'object' || Array.isArray(bits))
    return { key: 'bits', detail: 'expected a mapping of target -> bits' };
  for (const [path, b] of Object.entries(bits)) {
    const key = `bits.${path}`;
    if (path === 'embedding') {
      if (b !== 8 && b !== 4) return { key, detail: `must be 8 or 4, got ${JSON.stringify(b)}` };
      if (!model.inputs?.fields) return { key, detail: `${model.kind} has no field embeddings` };
    } else if (modules.get(path) instanceof LinearTerm) {
      if (b !== 16) return { key, detail: `first-order weights are stored in 16 bits, got ${JSON.stringify(b)}` };
    } else {
      if (b !== 8) return { key, detail: `a layer's weights are stored in 8 bits, got ${JSON.stringify(b)}` };
      if (!(modules.get(path) instanceof Linear)) return { key, detail: `${model.kind} has no Linear layer there` };
    }
  }
  return null;
}
