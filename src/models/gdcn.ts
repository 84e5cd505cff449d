/** GDCN-P (Wang et al., 2023, "Towards Deeper, Lighter and Interpretable Cross Network for CTR Prediction", CIKM): gated cross network and MLP in parallel over x0 = [flattened embeddings, dense], concatenated into an output Linear. */
import { z } from 'zod';
import { GatedCrossNet } from '../nn/gated_cross_net.js';
import { ParallelCross, parallelCrossOptions } from './parallel_cross.js';
import type { ModelEntry } from './registry.js';

export const gdcnOptions = z.object(parallelCrossOptions).strict();

export const gdcn: ModelEntry<typeof gdcnOptions> = {
  name: 'gdcn',
  summary: 'GDCN-P: gated cross network and MLP in parallel',
  options: gdcnOptions,
  create: (spec, opts, ctx) => new ParallelCross('gdcn', spec, opts, ctx, (w, n, rng) => new GatedCrossNet(w, n, rng)),
};
