/** AutoInt+ (Song et al., CIKM 2019): AutoInt with a parallel MLP over the flattened field embeddings, logits summed. */
import { z } from 'zod';
import { deepOptions } from './common.js';
import { AutoInt, attentionOptions } from './autoint.js';
import type { ModelEntry } from './registry.js';

export const autointPlusOptions = z.object({ ...deepOptions, ...attentionOptions }).strict();

export const autointplus: ModelEntry<typeof autointPlusOptions> = {
  name: 'autointplus',
  summary: 'AutoInt+: self-attention over field embeddings plus a parallel MLP',
  options: autointPlusOptions,
  create: (spec, o, ctx) =>
    new AutoInt('autointplus', spec, o, ctx, { hidden: o.hidden, dropout: o.dropout, batchNorm: o.batch_norm }),
};
