/** Wide & Deep (Cheng et al., 2016, "Wide & Deep Learning for Recommender Systems"): first-order (wide) term + MLP over the flattened embeddings, summed into one logit. */
import { z } from 'zod';
import { add, reshape } from '../autograd/index.js';
import { FeatureInputs } from '../nn/feature_inputs.js';
import { LinearTerm } from '../nn/linear_term.js';
import { MLP } from '../nn/mlp.js';
import type { Tensor } from '../tensor/tensor.js';
import { deepOptions } from './common.js';
import { flatInput, flatWidth } from './flat_input.js';
import { CTRModel } from './model.js';
import type { ModelEntry } from './registry.js';
import type { Batch, FeatureSpec, ModelContext } from '../nn/types.js';

export const widedeepOptions = z.object({ ...deepOptions }).strict();

class WideDeep extends CTRModel {
  readonly kind = 'widedeep';
  readonly inputs: FeatureInputs;
  readonly linear: LinearTerm;
  readonly mlp: MLP;
  override get embeddingMLP(): MLP {
    return this.mlp;
  }

  constructor(spec: FeatureSpec, o: z.infer<typeof widedeepOptions>, ctx: ModelContext) {
    super(spec);
    this.inputs = this.module('inputs', new FeatureInputs(spec, o.embedding_dim, o.numeric, ctx, o.embedding_init));
    this.linear = this.module('linear', new LinearTerm(spec, ctx));
    this.mlp = this.module(
      'mlp',
      new MLP(
        flatWidth(this.inputs),
        { hidden: o.hidden, out: 1, dropout: o.dropout, batchNorm: o.batch_norm },
        ctx.rng,
      ),
    );
  }

  forward(b: Batch): Tensor {
    const x = flatInput(this.inputs, b);
    return add(this.linear.forward(b), reshape(this.mlp.forward(x.mlpIn), [b.rows]));
  }
}

export const widedeep: ModelEntry<typeof widedeepOptions> = {
  name: 'widedeep',
  summary: 'Wide & Deep: linear term + MLP over the flattened field embeddings',
  options: widedeepOptions,
  create: (spec, opts, ctx) => new WideDeep(spec, opts, ctx),
};
