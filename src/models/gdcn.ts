/** GDCN-P (Wang et al., 2023, "Towards Deeper, Lighter and Interpretable Cross Network for CTR Prediction", CIKM): gated cross network and MLP in parallel over x0 = [flattened embeddings, dense], concatenated into an output Linear. */
import { z } from 'zod';
import { concat, reshape } from '../autograd/index.js';
import { FeatureInputs } from '../nn/feature_inputs.js';
import { GatedCrossNet } from '../nn/gated_cross_net.js';
import { Linear } from '../nn/linear.js';
import { MLP } from '../nn/mlp.js';
import type { Tensor } from '../tensor/tensor.js';
import { deepOptions, numCrossLayers } from './common.js';
import { flatInput, flatWidth } from './flat_input.js';
import { CTRModel } from './model.js';
import type { ModelEntry } from './registry.js';
import type { Batch, FeatureSpec, ModelContext } from './types.js';

export const gdcnOptions = z.object({ ...deepOptions, num_cross_layers: numCrossLayers }).strict();

export class GDCN extends CTRModel {
  readonly kind = 'gdcn';
  readonly embeddingUse = { mlp: true, interaction: true };
  readonly inputs: FeatureInputs;
  readonly cross: GatedCrossNet;
  readonly mlp: MLP;
  readonly out: Linear;

  constructor(spec: FeatureSpec, o: z.infer<typeof gdcnOptions>, ctx: ModelContext) {
    super();
    this.inputs = this.module('inputs', new FeatureInputs(spec, o.embedding_dim, o.numeric, ctx));
    const width = flatWidth(this.inputs);
    this.cross = this.module('cross', new GatedCrossNet(width, o.num_cross_layers, ctx.rng));
    this.mlp = this.module('mlp', new MLP(width, { hidden: o.hidden, dropout: o.dropout, batchNorm: o.batch_norm }, ctx.rng));
    this.out = this.module('out', new Linear(width + this.mlp.outDim, 1, ctx.rng));
  }

  forward(b: Batch): Tensor {
    const x = flatInput(this.inputs, b);
    const joined = concat([this.cross.forward(x.x0), this.mlp.forward(x.mlpIn)], 1);
    return reshape(this.out.forward(joined), [b.rows]);
  }
}

export const gdcn: ModelEntry<typeof gdcnOptions> = {
  name: 'gdcn',
  summary: 'GDCN-P: gated cross network and MLP in parallel',
  options: gdcnOptions,
  create: (spec, opts, ctx) => new GDCN(spec, opts, ctx),
};
