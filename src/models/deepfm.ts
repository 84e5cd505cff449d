/**
 * DeepFM (Guo et al., 2017): first-order term + FM pairwise term + MLP over the flattened field
 * embeddings, summed into one logit. FM and the MLP share the embeddings.
 */
import { z } from 'zod';
import { add, fmPairs, reshape } from '../autograd/index.js';
import { FeatureInputs } from '../nn/feature_inputs.js';
import { LinearTerm } from '../nn/linear_term.js';
import { MLP } from '../nn/mlp.js';
import type { Tensor } from '../tensor/tensor.js';
import { deepOptions } from './common.js';
import { CTRModel } from './model.js';
import type { ModelEntry } from './registry.js';
import type { Batch, FeatureSpec, ModelContext } from '../nn/types.js';

export const deepfmOptions = z.object({ ...deepOptions }).strict();

class DeepFM extends CTRModel {
  readonly kind = 'deepfm';
  readonly inputs: FeatureInputs;
  readonly linear: LinearTerm;
  readonly mlp: MLP;
  override get embeddingMLP(): MLP {
    return this.mlp;
  }

  constructor(spec: FeatureSpec, o: z.infer<typeof deepfmOptions>, ctx: ModelContext) {
    super(spec);
    this.inputs = this.module('inputs', new FeatureInputs(spec, o.embedding_dim, o.numeric, ctx, o.embedding_init));
    this.linear = this.module('linear', new LinearTerm(spec, ctx));
    const inDim = this.inputs.numFields * o.embedding_dim + this.inputs.denseDim;
    this.mlp = this.module(
      'mlp',
      new MLP(inDim, { hidden: o.hidden, out: 1, dropout: o.dropout, batchNorm: o.batch_norm }, ctx.rng),
    );
  }

  forward(b: Batch): Tensor {
    const x = this.inputs.forward(b);
    const deep = this.mlp.forward(x.mlpInput());
    return add(add(this.linear.forward(b), fmPairs(x.emb)), reshape(deep, [b.rows]));
  }
}

export const deepfm: ModelEntry<typeof deepfmOptions> = {
  name: 'deepfm',
  summary: 'DeepFM: linear + FM + MLP over shared field embeddings',
  options: deepfmOptions,
  create: (spec, opts, ctx) => new DeepFM(spec, opts, ctx),
};
