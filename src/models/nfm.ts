/** NFM (He and Chua, 2017, "Neural Factorization Machines for Sparse Predictive Analytics"): first-order term + MLP over the bi-interaction pooled vector (optionally batch-normed and dropped out). */
import { z } from 'zod';
import { add, concat, dropout, reshape } from '../autograd/index.js';
import { BatchNorm } from '../nn/batch_norm.js';
import { biInteraction } from '../nn/bi_interaction.js';
import { FeatureInputs } from '../nn/feature_inputs.js';
import { LinearTerm } from '../nn/linear_term.js';
import { MLP } from '../nn/mlp.js';
import type { Rng } from '../tensor/rng.js';
import type { Tensor } from '../tensor/tensor.js';
import { deepOptions } from './common.js';
import { CTRModel } from './model.js';
import type { ModelEntry } from './registry.js';
import type { Batch, FeatureSpec, ModelContext } from '../nn/types.js';

export const nfmOptions = z
  .object({
    ...deepOptions,
    bi_batch_norm: z.boolean().default(false).describe('batch normalization on the pooled bi-interaction vector'),
    bi_dropout: z.number().min(0).max(0.95).default(0).describe('dropout rate on the pooled bi-interaction vector'),
  })
  .strict();

class NFM extends CTRModel {
  readonly kind = 'nfm';
  readonly inputs: FeatureInputs;
  readonly linear: LinearTerm;
  readonly biNorm: BatchNorm | null;
  /** Reads [pooled vector, dense values], not the flattened embeddings: not an embeddingMLP. */
  readonly deep: MLP;
  private readonly biDropout: number;
  private readonly rng: Rng;

  constructor(spec: FeatureSpec, o: z.infer<typeof nfmOptions>, ctx: ModelContext) {
    super(spec);
    this.inputs = this.module('inputs', new FeatureInputs(spec, o.embedding_dim, o.numeric, ctx, o.embedding_init));
    this.linear = this.module('linear', new LinearTerm(spec, ctx));
    this.biNorm = o.bi_batch_norm ? this.module('bi_norm', new BatchNorm(o.embedding_dim)) : null;
    this.biDropout = o.bi_dropout;
    this.rng = this.randomStream('rng', ctx.rng.fork());
    const inDim = o.embedding_dim + this.inputs.denseDim;
    this.deep = this.module(
      'deep',
      new MLP(inDim, { hidden: o.hidden, out: 1, dropout: o.dropout, batchNorm: o.batch_norm }, ctx.rng),
    );
  }

  forward(b: Batch): Tensor {
    const { emb, dense } = this.inputs.forward(b);
    let pooled = biInteraction(emb);
    if (this.biNorm) pooled = this.biNorm.forward(pooled);
    pooled = dropout(pooled, this.biDropout, this.rng, this.training);
    const deep = this.deep.forward(dense ? concat([pooled, dense], 1) : pooled);
    return add(this.linear.forward(b), reshape(deep, [b.rows]));
  }
}

export const nfm: ModelEntry<typeof nfmOptions> = {
  name: 'nfm',
  summary: 'NFM: linear term + MLP over bi-interaction pooling',
  options: nfmOptions,
  create: (spec, opts, ctx) => new NFM(spec, opts, ctx),
};
