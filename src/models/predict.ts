/** A model's scores outside training: logits in eval mode with no autograd graph, and a stable sigmoid. */
import { noGrad } from '../autograd/index.js';
import { tidy } from '../tensor/tensor.js';
import type { CTRModel } from './model.js';
import type { Batch } from '../nn/types.js';

/**
 * Rows scored per forward pass. A bigger batch goes through in slices of this many rows, so each
 * layer's output stays in the core's cache for the next layer (at 4096 rows, a field-embedding
 * tensor alone outgrows L2). Every kernel computes a row the same way whatever the row count, so
 * the logits are those of one pass over the whole batch.
 */
export const PREDICT_ROWS = 512;

/** Logits of a batch, in eval mode and without recording a graph (the model's mode is restored). */
export function predictLogits(model: CTRModel, b: Batch): Float32Array {
  const run = () => noGrad(() => inSlices(model, b));
  if (!model.training) return run(); // serving: the mode walks every module, so it is left alone
  model.eval();
  try {
    return run();
  } finally {
    model.train(true);
  }
}

function inSlices(model: CTRModel, b: Batch): Float32Array {
  const forward = (s: Batch) => tidy(() => model.forward(s).toArray());
  if (b.rows <= PREDICT_ROWS) return forward(b);
  const F = model.spec.categorical.length,
    N = model.spec.numeric.length;
  const out = new Float32Array(b.rows);
  for (let r0 = 0; r0 < b.rows; r0 += PREDICT_ROWS) {
    const r1 = Math.min(b.rows, r0 + PREDICT_ROWS);
    const slice = { rows: r1 - r0, ids: b.ids.subarray(r0 * F, r1 * F), dense: b.dense.subarray(r0 * N, r1 * N) };
    out.set(forward(slice), r0);
  }
  return out;
}

/** The logistic function in float64, without overflow for large |x|. */
export function sigmoid64(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}
