/**
 * The sparse part of a CTR model: one embedding table per categorical field, plus numeric
 * features either embedded (value x a learned vector per feature, a field like the others) or
 * passed through as a dense vector. Output: field embeddings [B, F, D] and dense values [B, N].
 */
import { concat, lookupFields, mul, reshape } from '../autograd/index.js';
import type { EmbeddingTable } from '../embedding/table.js';
import type { Batch, FeatureSpec, ModelContext } from '../models/types.js';
import { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/** Initial embedding scale: Normal(0, 1e-4), as FuxiCTR and DeepCTR use. */
export const EMBEDDING_STD = 1e-4;

export type NumericMode = 'embedding' | 'dense';

export interface InputsOut {
  /** [B, F, D]: categorical fields, then numeric features when embedded. */
  emb: Tensor;
  /** [B, N] numeric values when passed as dense (null when embedded or absent). */
  dense: Tensor | null;
}

export class FeatureInputs extends Module {
  readonly fieldTables: EmbeddingTable[];
  readonly numericVectors: Tensor | null;
  /** Number of fields in `emb`. */
  readonly numFields: number;
  /** Width of `dense` (0 when none). */
  readonly denseDim: number;

  constructor(readonly spec: FeatureSpec, readonly dim: number, readonly numeric: NumericMode, ctx: ModelContext) {
    super();
    this.fieldTables = spec.categorical.map((f) => {
      const t = ctx.store.create(f.name, f.vocab, dim, ctx.slots);
      t.init(ctx.rng, 'normal', EMBEDDING_STD);
      return this.table(f.name, t);
    });
    const N = spec.numeric.length;
    this.numericVectors = numeric === 'embedding' && N > 0 ? this.param('numeric', Tensor.param(Tensor.randn([N, dim], ctx.rng, 0.01))) : null;
    this.numFields = spec.categorical.length + (this.numericVectors ? N : 0);
    this.denseDim = numeric === 'dense' ? N : 0;
  }

  forward(b: Batch): InputsOut {
    const N = this.spec.numeric.length;
    let emb = lookupFields(this.fieldTables, b.ids, b.rows);
    let dense: Tensor | null = null;
    if (N > 0) {
      const values = Tensor.from(b.dense.subarray(0, b.rows * N), [b.rows, N]);
      if (this.numericVectors) {
        const numEmb = mul(reshape(values, [b.rows, N, 1]), this.numericVectors);
        emb = concat([emb, numEmb], 1);
      } else dense = values;
    }
    return { emb, dense };
  }
}
