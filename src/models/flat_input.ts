/** The input most zoo models start from: x0 = [flattened field embeddings, dense values]. */
import { concat, reshape } from '../autograd/index.js';
import type { FeatureInputs } from '../nn/feature_inputs.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Batch } from './types.js';

export interface FlatInput {
  /** [B, F, D] field embeddings. */
  emb: Tensor;
  /** [B, F * D + N]: flattened embeddings, then dense values when there are any. */
  x0: Tensor;
}

export function flatInput(inputs: FeatureInputs, b: Batch): FlatInput {
  const { emb, dense } = inputs.forward(b);
  const flat = reshape(emb, [b.rows, -1]);
  return { emb, x0: dense ? concat([flat, dense], 1) : flat };
}

/** Width of x0 for these inputs. */
export function flatWidth(inputs: FeatureInputs): number {
  return inputs.numFields * inputs.dim + inputs.denseDim;
}
