/**
 * The shape DCN and GDCN-P share: a cross network and an MLP side by side over
 * x0 = [flattened embeddings, dense], concatenated into an output Linear. Each model file
 * supplies its cross network.
 */
import type { z } from 'zod';
import { concat, reshape } from '../autograd/index.js';
import { FeatureInputs } from '../nn/feature_inputs.js';
import { Linear } from '../nn/linear.js';
import { MLP } from '../nn/mlp.js';
import type { Module } from '../nn/module.js';
import type { Rng } from '../tensor/rng.js';
import type { Tensor } from '../tensor/tensor.js';
import { deepOptions, numCrossLayers } from './common.js';
import { flatInput, flatWidth } from './flat_input.js';
import { CTRModel } from './model.js';
import type { Batch, FeatureSpec, ModelContext } from '../nn/types.js';

export const parallelCrossOptions = { ...deepOptions, num_cross_layers: numCrossLayers };

type Options = z.infer<z.ZodObject<typeof parallelCrossOptions>>;
export type CrossNetwork = Module & { forward(x: Tensor): Tensor };

export class ParallelCross extends CTRModel {
  readonly inputs: FeatureInputs;
  readonly cross: CrossNetwork;
  readonly mlp: MLP;
  /** [cross output, MLP output] -> 1 logit. */
  out: Linear;
  override get embeddingMLP(): MLP {
    return this.mlp;
  }

  constructor(
    readonly kind: string,
    spec: FeatureSpec,
    o: Options,
    ctx: ModelContext,
    makeCross: (width: number, layers: number, rng: Rng) => CrossNetwork,
  ) {
    super(spec);
    this.inputs = this.module('inputs', new FeatureInputs(spec, o.embedding_dim, o.numeric, ctx, o.embedding_init));
    const width = flatWidth(this.inputs);
    this.cross = this.module('cross', makeCross(width, o.num_cross_layers, ctx.rng));
    this.mlp = this.module(
      'mlp',
      new MLP(width, { hidden: o.hidden, dropout: o.dropout, batchNorm: o.batch_norm }, ctx.rng),
    );
    this.out = this.swappable('out', new Linear(width + this.mlp.outDim, 1, ctx.rng), (m) => (this.out = m));
  }

  forward(b: Batch): Tensor {
    const x = flatInput(this.inputs, b);
    const joined = concat([this.cross.forward(x.x0), this.mlp.forward(x.mlpIn)], 1);
    return reshape(this.out.forward(joined), [b.rows]);
  }
}
