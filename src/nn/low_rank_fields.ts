/**
 * Field embeddings compressed to rank k (AFM or SVD): k-wide tables and a per-field
 * reconstruction e = e' P_f + mu_f back to width D. Where the compressor folded the
 * reconstruction into the first layer over the flattened fields (`fused`), that layer reads
 * the k-wide rows directly.
 */
import { fieldProject, lookupFields } from '../autograd/index.js';
import type { EmbeddingTable } from '../embedding/table.js';
import type { Tensor } from '../tensor/tensor.js';
import { FieldEmbedding } from './field_embedding.js';

export class LowRankFields extends FieldEmbedding {
  readonly dim: number;
  readonly rank: number;
  /** [F, k, D] per-field projection. */
  readonly P: Tensor;
  /** [F, D] per-field mean. */
  readonly mu: Tensor;

  constructor(
    readonly fieldTables: EmbeddingTable[],
    P: Tensor,
    mu: Tensor,
    override readonly fused: boolean,
  ) {
    super();
    for (const t of fieldTables) this.table(t.name, t);
    this.P = this.param('recon.P', P);
    this.mu = this.param('recon.mu', mu);
    [, this.rank, this.dim] = P.shape;
  }

  rows(ids: Int32Array, B: number): Tensor {
    return lookupFields(this.fieldTables, ids, B);
  }

  /** [B, F, k] -> [B, F, D]: e = e' P_f + mu_f per field. */
  vectors(rows: Tensor): Tensor {
    return fieldProject(rows, this.P, this.mu);
  }
}
