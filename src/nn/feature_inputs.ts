/**
 * The sparse part of a CTR model: one embedding table per categorical field, plus numeric
 * features either embedded (value x a learned vector per feature, a field like the others) or
 * passed through as a dense vector. Output: field embeddings [B, F, D] and dense values [B, N].
 *
 * After AFM compression the tables hold k-wide rows and a per-field reconstruction
 * e = e' P_f + mu_f restores width D for interaction layers; where the compressor folded the
 * reconstruction into the MLP's first layer (`fused`), the MLP reads the k-wide rows directly.
 */
import { concat, fieldProject, lookupFields, mul, reportOutput, reshape, traceInput } from '../autograd/index.js';
import type { EmbeddingTable } from '../embedding/table.js';
import type { Batch, FeatureSpec, ModelContext } from './types.js';
import { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
import { TTEmbedding, ttParamCount } from './tt_embedding.js';

/** Default initial embedding scale: Normal(0, 1e-4), as FuxiCTR and DeepCTR use (model.embedding_init changes it). */
export const EMBEDDING_STD = 1e-4;

export type NumericMode = 'embedding' | 'dense';

/** How tables start (model.embedding_init): N(0, scale^2), U(-scale, scale), or Xavier-uniform times `scale`. */
export interface EmbeddingInit {
  dist: 'normal' | 'uniform' | 'xavier';
  scale?: number;
}

export interface InputsOut {
  /** [B, F, D]: categorical fields, then numeric features when embedded (reconstructed on first use when compressed). */
  readonly emb: Tensor;
  /** [B, N] numeric values when passed as dense (null when embedded or absent). */
  readonly dense: Tensor | null;
  /** The input of an MLP over the flattened fields: [B, F*D (+N)], or [B, F*k (+...)] when fused. */
  mlpInput(): Tensor;
}

export interface Reconstruction {
  /** [F, k, D] per-field projection. */
  P: Tensor;
  /** [F, D] per-field mean. */
  mu: Tensor;
  /** The MLP's first layer reads the k-wide rows (reconstruction folded into its weights). */
  fused: boolean;
}

export class FeatureInputs extends Module {
  fieldTables: EmbeddingTable[];
  readonly numericVectors: Tensor | null;
  /** Number of fields in `emb`. */
  readonly numFields: number;
  /** Width of `dense` (0 when none). */
  readonly denseDim: number;
  recon: Reconstruction | null = null;
  /** Tensor-train fields (TT-Rec baseline) instead of tables, when the context asks for them. */
  readonly ttFields: TTEmbedding[] = [];
  /** Categorical field numbers held as TT cores, and as tables (with TT, the embeddings come tables first, then TT fields). */
  private readonly ttIndex: number[];
  private readonly tableIndex: number[];

  constructor(
    readonly spec: FeatureSpec,
    readonly dim: number,
    readonly numeric: NumericMode,
    ctx: ModelContext,
    init: EmbeddingInit = { dist: 'normal' },
  ) {
    super();
    const tt = ctx.tt;
    // TT-Rec cores only where they are smaller than the table (small vocabularies keep a table).
    const useTT = (vocab: number): boolean => !!tt && ttParamCount(vocab, dim, tt.rank) < vocab * dim;
    if (tt)
      this.ttFields = spec.categorical
        .filter((f) => useTT(f.vocab))
        .map((f) => this.module(`tt.${f.name}`, new TTEmbedding(f.vocab, dim, tt.rank, ctx.rng)));
    this.ttIndex = spec.categorical.flatMap((f, i) => (useTT(f.vocab) ? [i] : []));
    this.tableIndex = spec.categorical.flatMap((f, i) => (useTT(f.vocab) ? [] : [i]));
    this.fieldTables = spec.categorical
      .filter((f) => !useTT(f.vocab))
      .map((f) => {
        const t = ctx.store.create(f.name, f.vocab, dim, ctx.slots);
        if (init.dist === 'xavier') t.init(ctx.rng, 'uniform', (init.scale ?? 1) * Math.sqrt(6 / (f.vocab + dim)));
        else t.init(ctx.rng, init.dist, init.scale ?? EMBEDDING_STD);
        return this.table(f.name, t);
      });
    const N = spec.numeric.length;
    this.numericVectors =
      numeric === 'embedding' && N > 0
        ? this.param('numeric', Tensor.param(Tensor.randn([N, dim], ctx.rng, 0.01)))
        : null;
    this.numFields = spec.categorical.length + (this.numericVectors ? N : 0);
    this.denseDim = numeric === 'dense' ? N : 0;
  }

  /** Width of the stored rows (D, or k after compression). */
  get tableDim(): number {
    return this.fieldTables[0]?.dim ?? this.dim;
  }

  /** Installs compressed tables and their reconstruction (done by the compressor or when loading). */
  setCompressed(tables: EmbeddingTable[], recon: Reconstruction): void {
    this.fieldTables = tables;
    tables.forEach((t, f) => this.table(this.spec.categorical[f].name, t));
    this.recon = recon;
    this.param('recon.P', recon.P);
    this.param('recon.mu', recon.mu);
  }

  /** [B, F, D] of a TT model: the table fields' lookups, then the TT fields. */
  private ttForward(ids: Int32Array, B: number, F: number): Tensor {
    const parts = this.ttFields.map((t, j) => reshape(t.forward(ids, B, this.ttIndex[j], F), [B, 1, this.dim]));
    const T = this.tableIndex.length;
    if (T) {
      const sub = new Int32Array(B * T);
      for (let r = 0; r < B; r++) for (let j = 0; j < T; j++) sub[r * T + j] = ids[r * F + this.tableIndex[j]];
      parts.unshift(lookupFields(this.fieldTables, sub, B));
    }
    return parts.length === 1 ? parts[0] : concat(parts, 1);
  }

  forward(b: Batch): InputsOut {
    const N = this.spec.numeric.length,
      B = b.rows;
    const F = this.spec.categorical.length;
    const small = this.ttFields.length
      ? this.ttForward(b.ids, B, F)
      : this.fieldTables.length
        ? lookupFields(this.fieldTables, b.ids, B)
        : null;
    let numEmb: Tensor | null = null,
      dense: Tensor | null = null;
    if (N > 0) {
      const values = traceInput('dense', Tensor.from(b.dense.subarray(0, B * N), [B, N]));
      if (this.numericVectors) numEmb = mul(reshape(values, [B, N, 1]), this.numericVectors);
      else dense = values;
    }
    const recon = this.recon;
    let full: Tensor | null = null;
    const emb = (): Tensor => {
      if (full) return full;
      const cat = small && recon ? this.reconstruct(small, recon) : small;
      if (cat && !recon) reportOutput(this, cat); // [B, F, D] categorical embeddings, for the statistics pass
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
        if (recon?.fused) {
          if (small) parts.push(reshape(small, [B, -1]));
          if (numEmb) parts.push(reshape(numEmb, [B, -1]));
        } else parts.push(reshape(emb(), [B, -1]));
        if (dense) parts.push(dense);
        return parts.length === 1 ? parts[0] : concat(parts, 1);
      },
    };
  }

  /** [B, F, k] -> [B, F, D]: e = e' P_f + mu_f per field. */
  private reconstruct(small: Tensor, r: Reconstruction): Tensor {
    return fieldProject(small, r.P, r.mu);
  }
}
