/**
 * How categorical fields become vectors: one strategy per model, swapped as a whole (compression
 * replaces plain tables with low-rank ones the way it replaces a Linear with a LowRankLinear).
 * Strategies: FieldTables (one table per field, here), TTFields (tensor-train cores,
 * tt_embedding.ts) and LowRankFields (k-wide tables plus a per-field reconstruction, low_rank_fields.ts).
 * A strategy's tables and parameters carry no name level of their own: they are named as fields
 * of the module holding it (`inputs.C1`, `inputs.recon.P`).
 */
import { lookupFields, reportOutput } from '../autograd/index.js';
import type { EmbeddingTable } from '../embedding/table.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
import type { FeatureSpec, ModelContext } from './types.js';

/** Default initial embedding scale: Normal(0, 1e-4), as FuxiCTR and DeepCTR use (model.embedding_init changes it). */
const EMBEDDING_STD = 1e-4;

/** How tables start (model.embedding_init): N(0, scale^2), U(-scale, scale), or Xavier-uniform times `scale`. */
export interface EmbeddingInit {
  dist: 'normal' | 'uniform' | 'xavier';
  scale?: number;
}

export abstract class FieldEmbedding extends Module {
  /** Width of the field vectors the model sees. */
  abstract readonly dim: number;
  /** The stored tables, in field order (a tensor-train strategy: those of the fields kept as tables). */
  abstract readonly fieldTables: EmbeddingTable[];
  /** True when the first layer over the flattened fields reads the stored rows (a reconstruction folded into it). */
  readonly fused: boolean = false;

  /** [B, F, w]: the stored rows of a batch's ids (B x F, row-major); w is `dim` unless compressed. */
  abstract rows(ids: Int32Array, B: number): Tensor;

  /** Rows -> [B, F, dim] field vectors. */
  abstract vectors(rows: Tensor): Tensor;

  /** Puts `t` where field table f was (a quantized copy of it: same name, rows and width). */
  replaceTable(f: number, t: EmbeddingTable): void {
    const old = this.fieldTables[f];
    if (t.name !== old.name || t.rows !== old.rows || t.dim !== old.dim)
      throw new Error(`internal: replaceTable: ${t.name} does not fit the place of ${old.name}`);
    this.fieldTables[f] = t;
    this.table(t.name, t);
  }
}

/** A new table for field `name`, initialised as `init` says. */
export function fieldTable(
  name: string,
  vocab: number,
  dim: number,
  ctx: ModelContext,
  init: EmbeddingInit,
): EmbeddingTable {
  const t = ctx.store.create(name, vocab, dim, ctx.slots);
  if (init.dist === 'xavier') t.init(ctx.rng, 'uniform', (init.scale ?? 1) * Math.sqrt(6 / (vocab + dim)));
  else t.init(ctx.rng, init.dist, init.scale ?? EMBEDDING_STD);
  return t;
}

/** One dim-wide table per categorical field. */
export class FieldTables extends FieldEmbedding {
  readonly fieldTables: EmbeddingTable[];

  constructor(
    spec: FeatureSpec,
    readonly dim: number,
    ctx: ModelContext,
    init: EmbeddingInit,
  ) {
    super();
    this.fieldTables = spec.categorical.map((f) => this.table(f.name, fieldTable(f.name, f.vocab, dim, ctx, init)));
  }

  rows(ids: Int32Array, B: number): Tensor {
    return lookupFields(this.fieldTables, ids, B);
  }

  vectors(rows: Tensor): Tensor {
    reportOutput(this, rows); // the model's own field vectors: the statistics pass reads them
    return rows;
  }
}
