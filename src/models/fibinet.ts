/** FiBiNET (Huang et al., RecSys 2019): bilinear interactions of the original and SENET-reweighted embeddings -> MLP, plus the first-order term. */
import { z } from 'zod';
import { add, bilinearPairsJoined, concat, reshape } from '../autograd/index.js';
import { BILINEAR_TYPES, BilinearInteraction } from '../nn/bilinear.js';
import { FeatureInputs } from '../nn/feature_inputs.js';
import { LinearTerm } from '../nn/linear_term.js';
import { MLP } from '../nn/mlp.js';
import { SENet } from '../nn/senet.js';
import type { Tensor } from '../tensor/tensor.js';
import { deepOptions } from './common.js';
import { CTRModel } from './model.js';
import type { ModelEntry } from './registry.js';
import type { Batch, FeatureSpec, ModelContext } from '../nn/types.js';

export const fibinetOptions = z
  .object({
    ...deepOptions,
    reduction_ratio: z
      .number()
      .positive()
      .default(3)
      .describe('SENET bottleneck: F fields squeeze to max(1, floor(F / ratio)) units'),
    bilinear_type: z
      .enum(BILINEAR_TYPES)
      .default('field_all')
      .describe('bilinear weights shared by all fields, one per field, or one per field pair'),
  })
  .strict();

class FiBiNET extends CTRModel {
  readonly kind = 'fibinet';
  /** The MLP reads bilinear products, not the embeddings themselves. */
  readonly inputs: FeatureInputs;
  readonly linear: LinearTerm;
  readonly senet: SENet;
  readonly bilinear: BilinearInteraction;
  readonly bilinearSe: BilinearInteraction;
  readonly mlp: MLP;

  constructor(spec: FeatureSpec, o: z.infer<typeof fibinetOptions>, ctx: ModelContext) {
    super(spec);
    this.inputs = this.module('inputs', new FeatureInputs(spec, o.embedding_dim, o.numeric, ctx, o.embedding_init));
    this.linear = this.module('linear', new LinearTerm(spec, ctx));
    const F = this.inputs.numFields,
      D = o.embedding_dim;
    this.senet = this.module('senet', new SENet(F, o.reduction_ratio, ctx.rng));
    this.bilinear = this.module('bilinear', new BilinearInteraction(F, D, o.bilinear_type, ctx.rng));
    this.bilinearSe = this.module('bilinearSe', new BilinearInteraction(F, D, o.bilinear_type, ctx.rng));
    const inDim = 2 * this.bilinear.numPairs * D + this.inputs.denseDim;
    this.mlp = this.module(
      'mlp',
      new MLP(inDim, { hidden: o.hidden, out: 1, dropout: o.dropout, batchNorm: o.batch_norm }, ctx.rng),
    );
  }

  forward(b: Batch): Tensor {
    const { emb, dense } = this.inputs.forward(b);
    // Both interactions written side by side into the MLP input rows: [B, 2 * P * D].
    const pq = bilinearPairsJoined([
      [emb, this.bilinear.W],
      [this.senet.forward(emb), this.bilinearSe.W],
    ]);
    const deep = this.mlp.forward(dense ? concat([pq, dense], 1) : pq);
    return add(this.linear.forward(b), reshape(deep, [b.rows]));
  }
}

export const fibinet: ModelEntry<typeof fibinetOptions> = {
  name: 'fibinet',
  summary: 'FiBiNET: SENET field reweighting + bilinear interactions -> MLP, plus linear',
  options: fibinetOptions,
  create: (spec, opts, ctx) => new FiBiNET(spec, opts, ctx),
};
