/** Logistic regression: the first-order term alone. The baseline every model must beat. */
import { z } from 'zod';
import { LinearTerm } from '../nn/linear_term.js';
import type { Tensor } from '../tensor/tensor.js';
import { CTRModel } from './model.js';
import type { ModelEntry } from './registry.js';
import type { Batch, FeatureSpec, ModelContext } from '../nn/types.js';

export const lrOptions = z.object({}).strict();

class LR extends CTRModel {
  readonly kind = 'lr';
  readonly inputs = null;
  readonly linear: LinearTerm;

  constructor(spec: FeatureSpec, _opts: z.infer<typeof lrOptions>, ctx: ModelContext) {
    super(spec);
    this.linear = this.module('linear', new LinearTerm(spec, ctx));
  }

  forward(b: Batch): Tensor {
    return this.linear.forward(b);
  }
}

export const lr: ModelEntry<typeof lrOptions> = {
  name: 'lr',
  summary: 'logistic regression on one weight per feature value',
  options: lrOptions,
  create: (spec, opts, ctx) => new LR(spec, opts, ctx),
};
