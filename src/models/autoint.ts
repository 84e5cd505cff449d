/** AutoInt (Song et al., CIKM 2019): stacked multi-head self-attention over field embeddings with residuals, flattened -> Linear to one logit. */
import { z } from 'zod';
import { add, concat, reshape } from '../autograd/index.js';
import { FeatureInputs } from '../nn/feature_inputs.js';
import { Linear } from '../nn/linear.js';
import { LinearTerm } from '../nn/linear_term.js';
import { MLP, type MLPOptions } from '../nn/mlp.js';
import { MultiHeadSelfAttention } from '../nn/self_attention.js';
import type { Tensor } from '../tensor/tensor.js';
import { embeddingDim, embeddingInit, numericMode } from './common.js';
import { CTRModel } from './model.js';
import type { ModelEntry } from './registry.js';
import type { Batch, FeatureSpec, ModelContext } from '../nn/types.js';

/** Defaults are the paper's (3 layers, 2 heads of 32); FuxiCTR's are smaller and unscaled. */
export const attentionOptions = {
  attention_layers: z.number().int().positive().default(3).describe('stacked self-attention layers'),
  attention_heads: z.number().int().positive().default(2).describe('attention heads per layer'),
  attention_head_dim: z
    .number()
    .int()
    .positive()
    .default(32)
    .describe('width of each head (a layer outputs heads x head_dim per field)'),
  attention_residual: z.boolean().default(true).describe('add the projected input (x W_res) before the ReLU'),
  attention_layer_norm: z.boolean().default(false).describe('layer norm of each attention layer output'),
  attention_scaled: z
    .boolean()
    .default(true)
    .describe('scale attention logits by 1/sqrt(head_dim) (the paper does not)'),
  wide: z.boolean().default(false).describe('add the first-order (LR) term to the logit'),
};

export const autointOptions = z
  .object({ embedding_dim: embeddingDim, embedding_init: embeddingInit, numeric: numericMode, ...attentionOptions })
  .strict();
export type AutoIntOptions = z.infer<typeof autointOptions>;

/** AutoInt, and AutoInt+ when given MLP options (a parallel MLP over the flattened embeddings). */
export class AutoInt extends CTRModel {
  readonly inputs: FeatureInputs;
  readonly linear: LinearTerm | null;
  readonly attention: MultiHeadSelfAttention[] = [];
  /** Flattened last attention output (then dense values) -> logit. */
  head: Linear;
  readonly mlp: MLP | null;
  override get embeddingMLP(): MLP | null {
    return this.mlp;
  }

  constructor(
    readonly kind: string,
    spec: FeatureSpec,
    o: AutoIntOptions,
    ctx: ModelContext,
    mlp?: MLPOptions,
  ) {
    super(spec);
    this.inputs = this.module('inputs', new FeatureInputs(spec, o.embedding_dim, o.numeric, ctx, o.embedding_init));
    this.linear = o.wide ? this.module('linear', new LinearTerm(spec, ctx)) : null;
    let width = o.embedding_dim;
    for (let i = 0; i < o.attention_layers; i++) {
      const layer = new MultiHeadSelfAttention(
        width,
        {
          heads: o.attention_heads,
          headDim: o.attention_head_dim,
          residual: o.attention_residual,
          layerNorm: o.attention_layer_norm,
          scaled: o.attention_scaled,
        },
        ctx.rng,
      );
      this.attention.push(this.module(`attention${i}`, layer));
      width = layer.outDim;
    }
    const F = this.inputs.numFields,
      N = this.inputs.denseDim;
    this.head = this.swappable('head', new Linear(F * width + N, 1, ctx.rng), (m) => (this.head = m));
    this.mlp = mlp ? this.module('mlp', new MLP(F * o.embedding_dim + N, { ...mlp, out: 1 }, ctx.rng)) : null;
  }

  forward(b: Batch): Tensor {
    const x = this.inputs.forward(b);
    let h = x.emb;
    for (const layer of this.attention) h = layer.forward(h);
    const flat = reshape(h, [b.rows, -1]);
    let logit = reshape(this.head.forward(x.dense ? concat([flat, x.dense], 1) : flat), [b.rows]);
    if (this.mlp) logit = add(logit, reshape(this.mlp.forward(x.mlpInput()), [b.rows]));
    return this.linear ? add(logit, this.linear.forward(b)) : logit;
  }
}

export const autoint: ModelEntry<typeof autointOptions> = {
  name: 'autoint',
  summary: 'AutoInt: multi-head self-attention over field embeddings -> linear',
  options: autointOptions,
  create: (spec, opts, ctx) => new AutoInt('autoint', spec, opts, ctx),
};
