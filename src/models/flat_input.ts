/**
 * The inputs most zoo models start from, computed on first use:
 * - `x0` = [flattened field embeddings, dense values], what interaction layers (cross nets) read;
 * - `mlpIn`, what the model's `mlp` reads: x0, or after AFM with fusion the k-wide embeddings
 *   (the MLP's first layer then holds the folded reconstruction).
 */
import { concat, reshape } from '../autograd/index.js';
import type { FeatureInputs } from '../nn/feature_inputs.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Batch } from '../nn/types.js';

export interface FlatInput {
  /** [B, F, D] field embeddings. */
  readonly emb: Tensor;
  /** [B, F * D + N]: flattened embeddings, then dense values when there are any. */
  readonly x0: Tensor;
  /** The model MLP's input (x0 unless the embeddings were compressed with fusion). */
  readonly mlpIn: Tensor;
}

export function flatInput(inputs: FeatureInputs, b: Batch): FlatInput {
  const x = inputs.forward(b);
  let x0: Tensor | null = null,
    mlpIn: Tensor | null = null;
  const full = (): Tensor => {
    if (!x0) {
      const flat = reshape(x.emb, [b.rows, -1]);
      x0 = x.dense ? concat([flat, x.dense], 1) : flat;
    }
    return x0;
  };
  return {
    get emb() {
      return x.emb;
    },
    get x0() {
      return full();
    },
    get mlpIn() {
      return (mlpIn ??= inputs.fields?.fused ? x.mlpInput() : full());
    },
  };
}

/** Width of x0 for these inputs. */
export function flatWidth(inputs: FeatureInputs): number {
  return inputs.numFields * inputs.dim + inputs.denseDim;
}
