/**
 * The sparse part of a CTR model: one embedding table per categorical field, plus numeric
 * features either embedded (value x a learned vector per feature, a field like the others) or
 * passed through as a dense vector. Output: field embeddings [B, F, D] and dense values [B, N].
 *
 * The categorical fields are embedded by a FieldEmbedding strategy (plain tables, tensor-train
 * cores, or after compression low-rank tables; field_embedding.ts). Where the compressor folded the
 * low-rank reconstruction into the MLP's first layer (`fused`), `mlpInput` holds the k-wide rows;
 * where it also folded the numeric features' vectors into that layer (`numericFolded`), it holds
 * their values (one column each) in place of their D-wide vectors.
 */
import { concat, reshape, scaleVectors, traceInput } from '../autograd/index.js';
import { Tensor } from '../tensor/tensor.js';
import { type EmbeddingInit, type FieldEmbedding, FieldTables } from './field_embedding.js';
import { Module } from './module.js';
import { TTFields } from './tt_embedding.js';
import type { Batch, FeatureSpec, ModelContext } from './types.js';

export type NumericMode = 'embedding' | 'dense';

export interface InputsOut {
  /** [B, F, D]: categorical fields, then numeric features when embedded (reconstructed on first use when compressed). */
  readonly emb: Tensor;
  /** [B, N] numeric values when passed as dense (null when embedded or absent). */
  readonly dense: Tensor | null;
  /** The input of an MLP over the flattened fields: [B, F*D (+N)], or [B, F*k (+...)] when fused (numeric values, not vectors, when folded). */
  mlpInput(): Tensor;
}

export class FeatureInputs extends Module {
  /** How the categorical fields are embedded (null without categorical fields); compression swaps it (setFields). */
  fields: FieldEmbedding | null;
  readonly numericVectors: Tensor | null;
  /** Number of fields in `emb`. */
  readonly numFields: number;
  /** Width of `dense` (0 when none). */
  readonly denseDim: number;
  /** The MLP's first layer holds the numeric vectors (compression folded them in): `mlpInput` passes the values. */
  numericFolded = false;

  constructor(
    readonly spec: FeatureSpec,
    readonly dim: number,
    readonly numeric: NumericMode,
    ctx: ModelContext,
    init: EmbeddingInit = { dist: 'normal' },
  ) {
    super();
    const tt = ctx.tt;
    this.fields = !spec.categorical.length
      ? null
      : this.module(
          '',
          tt && TTFields.applies(spec, dim, tt.rank)
            ? new TTFields(spec, dim, tt.rank, ctx, init)
            : new FieldTables(spec, dim, ctx, init),
        );
    const N = spec.numeric.length;
    this.numericVectors =
      numeric === 'embedding' && N > 0
        ? this.param('numeric', Tensor.param(Tensor.randn([N, dim], ctx.rng, 0.01)))
        : null;
    this.numFields = spec.categorical.length + (this.numericVectors ? N : 0);
    this.denseDim = numeric === 'dense' ? N : 0;
  }

  /** Installs another embedding strategy for the same fields (the compressor's, or a loaded model's). */
  setFields(fields: FieldEmbedding): void {
    this.fields = this.module('', fields);
  }

  forward(b: Batch): InputsOut {
    const N = this.spec.numeric.length,
      B = b.rows;
    const fields = this.fields;
    const small = fields ? fields.rows(b.ids, B) : null;
    const values = N > 0 ? traceInput('dense', Tensor.from(b.dense.subarray(0, B * N), [B, N])) : null;
    const numEmb = values && this.numericVectors ? scaleVectors(values, this.numericVectors) : null;
    const dense = numEmb ? null : values;
    let full: Tensor | null = null;
    const emb = (): Tensor => {
      if (full) return full;
      const cat = small && fields ? fields.vectors(small) : null;
      full = cat && numEmb ? concat([cat, numEmb], 1) : (cat ?? numEmb)!;
      return full;
    };
    return {
      get emb() {
        return emb();
      },
      dense,
      mlpInput: () => {
        const parts: Tensor[] = [];
        if (fields?.fused) {
          if (small) parts.push(reshape(small, [B, -1]));
          if (numEmb) parts.push(this.numericFolded ? values! : reshape(numEmb, [B, -1]));
        } else parts.push(reshape(emb(), [B, -1]));
        if (dense) parts.push(dense);
        return parts.length === 1 ? parts[0] : concat(parts, 1);
      },
    };
  }
}
