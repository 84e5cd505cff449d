/**
 * Tensor-train embedding (TT-Rec, Yin et al., MLSys 2021): a V x D table never stored, but
 * represented by three small cores. With V <= v1 v2 v3 and D = d1 d2 d3, id i = (i1, i2, i3)
 * (mixed radix) has the embedding G1[i1] (d1 x r) . G2[i2] (r x d2 r) . G3[i3] (r x d3), reshaped
 * to D. The cores are dense parameters trained from scratch; lookups are gathers plus two
 * batched products.
 */
import { bmm, concat, gatherRows, lookupFields, reportOutput, reshape } from '../autograd/index.js';
import type { EmbeddingTable } from '../embedding/table.js';
import type { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { type EmbeddingInit, FieldEmbedding, fieldTable } from './field_embedding.js';
import { Module } from './module.js';
import type { FeatureSpec, ModelContext } from './types.js';
import { DataError } from '../util/errors.js';

/** Splits n into three factors as equal as possible (product >= n for vocabularies, = n for widths). */
export function factor3(n: number, exact: boolean): [number, number, number] {
  if (!exact) {
    const v = Math.max(1, Math.ceil(Math.cbrt(n)));
    const v2 = Math.max(1, Math.ceil(Math.sqrt(n / v)));
    return [v, v2, Math.max(1, Math.ceil(n / (v * v2)))];
  }
  let best: [number, number, number] = [1, 1, n];
  for (let a = 1; a * a * a <= n; a++) {
    if (n % a) continue;
    for (let b = a; a * b * b <= n; b++) {
      if ((n / a) % b) continue;
      const c = n / a / b;
      if (c - a < best[2] - best[0]) best = [a, b, c];
    }
  }
  return best;
}

/** Parameters of the three cores for a rows x dim table at rank r. */
function ttParamCount(rows: number, dim: number, r: number): number {
  const [v1, v2, v3] = factor3(rows, false),
    [d1, d2, d3] = factor3(dim, true);
  return v1 * d1 * r + v2 * r * d2 * r + v3 * r * d3;
}

export class TTEmbedding extends Module {
  readonly v: [number, number, number];
  readonly d: [number, number, number];
  readonly G1: Tensor; // [v1, d1 * r]
  readonly G2: Tensor; // [v2, r * d2 * r]
  readonly G3: Tensor; // [v3, r * d3]

  constructor(
    readonly rows: number,
    readonly dim: number,
    readonly rank: number,
    rng: Rng,
  ) {
    super();
    this.v = factor3(rows, false);
    this.d = factor3(dim, true);
    const [v1, v2, v3] = this.v,
      [d1, d2, d3] = this.d,
      r = rank;
    // Scale so the product has roughly the spread of a small normal embedding.
    const std = Math.pow(1e-2, 1 / 3) / Math.sqrt(r);
    this.G1 = this.param('G1', Tensor.param(Tensor.randn([v1, d1 * r], rng, std)));
    this.G2 = this.param('G2', Tensor.param(Tensor.randn([v2, r * d2 * r], rng, std)));
    this.G3 = this.param('G3', Tensor.param(Tensor.randn([v3, r * d3], rng, std)));
  }

  /** ids (n of them, read at offset + i * stride) -> [n, D]. */
  forward(ids: Int32Array, n: number, offset = 0, stride = 1): Tensor {
    const [, v2, v3] = this.v,
      [d1, d2, d3] = this.d,
      r = this.rank;
    const i1 = new Int32Array(n),
      i2 = new Int32Array(n),
      i3 = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      const id = ids[offset + k * stride];
      if (!(id >= 0 && id < this.rows))
        throw new DataError('tt embedding', 0, 0, `id ${id} outside 0..${this.rows - 1}`);
      i3[k] = id % v3;
      i2[k] = Math.floor(id / v3) % v2;
      i1[k] = Math.floor(id / (v3 * v2));
    }
    const a = reshape(gatherRows(this.G1, i1), [n, d1, r]);
    const b = reshape(gatherRows(this.G2, i2), [n, r, d2 * r]);
    const ab = reshape(bmm(a, b), [n, d1 * d2, r]);
    const c = reshape(gatherRows(this.G3, i3), [n, r, d3]);
    return reshape(bmm(ab, c), [n, this.dim]);
  }
}

/**
 * Fields as tensor-train cores where the cores are smaller than the table (small vocabularies
 * keep a table). The field vectors come tables first, then the TT fields.
 */
export class TTFields extends FieldEmbedding {
  readonly ttFields: TTEmbedding[];
  readonly fieldTables: EmbeddingTable[];
  /** Categorical field numbers held as TT cores, and as tables. */
  private readonly ttIndex: number[];
  private readonly tableIndex: number[];

  /** True when some field of `spec` would be held as cores at this rank. */
  static applies(spec: FeatureSpec, dim: number, rank: number): boolean {
    return spec.categorical.some((f) => ttParamCount(f.vocab, dim, rank) < f.vocab * dim);
  }

  constructor(
    spec: FeatureSpec,
    readonly dim: number,
    rank: number,
    ctx: ModelContext,
    init: EmbeddingInit,
  ) {
    super();
    const useTT = (vocab: number): boolean => ttParamCount(vocab, dim, rank) < vocab * dim;
    this.ttFields = spec.categorical
      .filter((f) => useTT(f.vocab))
      .map((f) => this.module(`tt.${f.name}`, new TTEmbedding(f.vocab, dim, rank, ctx.rng)));
    this.ttIndex = spec.categorical.flatMap((f, i) => (useTT(f.vocab) ? [i] : []));
    this.tableIndex = spec.categorical.flatMap((f, i) => (useTT(f.vocab) ? [] : [i]));
    this.fieldTables = spec.categorical
      .filter((f) => !useTT(f.vocab))
      .map((f) => this.table(f.name, fieldTable(f.name, f.vocab, dim, ctx, init)));
  }

  /** [B, F, D]: the table fields' lookups, then the TT fields. */
  rows(ids: Int32Array, B: number): Tensor {
    const F = this.ttIndex.length + this.tableIndex.length;
    const parts = this.ttFields.map((t, j) => reshape(t.forward(ids, B, this.ttIndex[j], F), [B, 1, this.dim]));
    const T = this.tableIndex.length;
    if (T) {
      const sub = new Int32Array(B * T);
      for (let r = 0; r < B; r++) for (let j = 0; j < T; j++) sub[r * T + j] = ids[r * F + this.tableIndex[j]];
      parts.unshift(lookupFields(this.fieldTables, sub, B));
    }
    return parts.length === 1 ? parts[0] : concat(parts, 1);
  }

  vectors(rows: Tensor): Tensor {
    reportOutput(this, rows); // the model's own field vectors: the statistics pass reads them
    return rows;
  }
}
