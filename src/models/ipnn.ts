/** IPNN (Qu et al., 2016, "Product-based Neural Networks for User Response Prediction", ICDM): MLP over [flattened embeddings, dense, pairwise inner products] (no first-order term). */
import { z } from 'zod';
import { concat, reshape } from '../autograd/index.js';
import { FeatureInputs } from '../nn/feature_inputs.js';
import { innerProducts } from '../nn/inner_product.js';
import { MLP } from '../nn/mlp.js';
import type { Tensor } from '../tensor/tensor.js';
import { deepOptions } from './common.js';
import { flatInput, flatWidth } from './flat_input.js';
import { CTRModel } from './model.js';
import type { ModelEntry } from './registry.js';
import type { Batch, FeatureSpec, ModelContext } from '../nn/types.js';

export const ipnnOptions = z.object({ ...deepOptions }).strict();

class IPNN extends CTRModel {
  readonly kind = 'ipnn';
  /** The MLP's first layer reads x0 (its first F * D + N inputs), then the products. */
  readonly inputs: FeatureInputs;
  readonly mlp: MLP;
  override get embeddingMLP(): MLP {
    return this.mlp;
  }

  constructor(spec: FeatureSpec, o: z.infer<typeof ipnnOptions>, ctx: ModelContext) {
    super(spec);
    this.inputs = this.module('inputs', new FeatureInputs(spec, o.embedding_dim, o.numeric, ctx, o.embedding_init));
    const F = this.inputs.numFields;
    const inDim = flatWidth(this.inputs) + (F * (F - 1)) / 2;
    this.mlp = this.module(
      'mlp',
      new MLP(inDim, { hidden: o.hidden, out: 1, dropout: o.dropout, batchNorm: o.batch_norm }, ctx.rng),
    );
  }

  forward(b: Batch): Tensor {
    const x = flatInput(this.inputs, b);
    return reshape(this.mlp.forward(concat([x.mlpIn, innerProducts(x.emb)], 1)), [b.rows]);
  }
}

export const ipnn: ModelEntry<typeof ipnnOptions> = {
  name: 'ipnn',
  summary: 'IPNN: MLP over field embeddings and their pairwise inner products',
  options: ipnnOptions,
  create: (spec, opts, ctx) => new IPNN(spec, opts, ctx),
};
