/** A model's scores outside training: logits in eval mode with no autograd graph, and a stable sigmoid. */
import { noGrad } from '../autograd/index.js';
import { tidy } from '../tensor/tensor.js';
import type { CTRModel } from './model.js';
import type { Batch } from '../nn/types.js';

/** Logits of a batch, in eval mode and without recording a graph (the model's mode is restored). */
export function predictLogits(model: CTRModel, b: Batch): Float32Array {
  const run = () => noGrad(() => tidy(() => model.forward(b).toArray()));
  if (!model.training) return run(); // serving: the mode walks every module, so it is left alone
  model.eval();
  try {
    return run();
  } finally {
    model.train(true);
  }
}

/** The logistic function in float64, without overflow for large |x|. */
export function sigmoid64(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}
