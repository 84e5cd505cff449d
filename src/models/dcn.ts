/** DCN (Wang et al., 2017, "Deep & Cross Network for Ad Click Predictions"): cross network and MLP in parallel over x0 = [flattened embeddings, dense], concatenated into an output Linear. */
import { z } from 'zod';
import { CrossNet } from '../nn/cross_net.js';
import { ParallelCross, parallelCrossOptions } from './parallel_cross.js';
import type { ModelEntry } from './registry.js';

export const dcnOptions = z.object(parallelCrossOptions).strict();

export const dcn: ModelEntry<typeof dcnOptions> = {
  name: 'dcn',
  summary: 'DCN: cross network (vector weights) and MLP in parallel',
  options: dcnOptions,
  create: (spec, opts, ctx) => new ParallelCross('dcn', spec, opts, ctx, (w, n, rng) => new CrossNet(w, n, rng)),
};
