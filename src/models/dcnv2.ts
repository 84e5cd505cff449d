/** DCN-V2 (Wang et al., 2021, "DCN V2: Improved Deep & Cross Network and Practical Lessons for Web-scale Learning to Rank Systems"): matrix cross network (full or low-rank mixture of experts) with an MLP, parallel or stacked, into an output Linear. */
import { z } from 'zod';
import { concat, reshape } from '../autograd/index.js';
import { CrossNetMix } from '../nn/cross_net_mix.js';
import { CrossNetV2 } from '../nn/cross_net_v2.js';
import { FeatureInputs } from '../nn/feature_inputs.js';
import { Linear } from '../nn/linear.js';
import { MLP } from '../nn/mlp.js';
import type { Tensor } from '../tensor/tensor.js';
import { deepOptions, numCrossLayers } from './common.js';
import { flatInput, flatWidth } from './flat_input.js';
import { CTRModel } from './model.js';
import type { ModelEntry } from './registry.js';
import type { Batch, FeatureSpec, ModelContext } from '../nn/types.js';

export const dcnv2Options = z
  .object({
    ...deepOptions,
    num_cross_layers: numCrossLayers,
    structure: z
      .enum(['parallel', 'stacked'])
      .default('parallel')
      .describe(
        'parallel: cross net and MLP both read x0, outputs concatenated; stacked: the MLP reads the cross net output',
      ),
    low_rank: z
      .number()
      .int()
      .positive()
      .nullable()
      .default(null)
      .describe('null for full dim x dim cross matrices, or the rank of each expert in a low-rank mixture'),
    num_experts: z.number().int().positive().default(4).describe('experts per cross layer when low_rank is set'),
  })
  .strict();

class DCNv2 extends CTRModel {
  readonly kind = 'dcnv2';
  readonly inputs: FeatureInputs;
  readonly cross: CrossNetV2 | CrossNetMix;
  /** Parallel: reads x0 (the embeddingMLP, saved as `mlp`); stacked: reads the cross output (saved as `deep`). */
  readonly deep: MLP;
  out: Linear;
  readonly stacked: boolean;
  override get embeddingMLP(): MLP | null {
    return this.stacked ? null : this.deep;
  }

  constructor(spec: FeatureSpec, o: z.infer<typeof dcnv2Options>, ctx: ModelContext) {
    super(spec);
    this.stacked = o.structure === 'stacked';
    this.inputs = this.module('inputs', new FeatureInputs(spec, o.embedding_dim, o.numeric, ctx, o.embedding_init));
    const width = flatWidth(this.inputs);
    this.cross = this.module(
      'cross',
      o.low_rank === null
        ? new CrossNetV2(width, o.num_cross_layers, ctx.rng)
        : new CrossNetMix(width, o.num_cross_layers, o.low_rank, o.num_experts, ctx.rng),
    );
    const mlp = new MLP(width, { hidden: o.hidden, dropout: o.dropout, batchNorm: o.batch_norm }, ctx.rng);
    this.deep = this.module(this.stacked ? 'deep' : 'mlp', mlp);
    this.out = this.swappable(
      'out',
      new Linear(this.stacked ? mlp.outDim : width + mlp.outDim, 1, ctx.rng),
      (m) => (this.out = m),
    );
  }

  forward(b: Batch): Tensor {
    const x = flatInput(this.inputs, b);
    const crossed = this.cross.forward(x.x0);
    const joined = this.stacked ? this.deep.forward(crossed) : concat([crossed, this.deep.forward(x.mlpIn)], 1);
    return reshape(this.out.forward(joined), [b.rows]);
  }
}

export const dcnv2: ModelEntry<typeof dcnv2Options> = {
  name: 'dcnv2',
  summary: 'DCN-V2: matrix cross network (full or low-rank mixture) with an MLP, parallel or stacked',
  options: dcnv2Options,
  create: (spec, opts, ctx) => new DCNv2(spec, opts, ctx),
};
