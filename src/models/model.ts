/**
 * Base of every zoo model, split as TorchRec does: `inputs` (sparse part: field embeddings),
 * then interaction layers and a dense part (MLP) that each model wires in its own file. What
 * compression, export and reports need of that split, they read from `parts()`.
 */
import { Module } from '../nn/module.js';
import type { FeatureInputs } from '../nn/feature_inputs.js';
import type { MLP } from '../nn/mlp.js';
import { modelParts, type ModelParts } from '../nn/parts.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Batch, FeatureSpec } from '../nn/types.js';

export abstract class CTRModel extends Module {
  /** Registry name, e.g. 'deepfm'. */
  abstract readonly kind: string;
  constructor(
    /** The fields the model reads (a batch holds spec.categorical.length ids and spec.numeric.length values per row). */
    readonly spec: FeatureSpec,
  ) {
    super();
  }
  /** The sparse part (null only for LR, which has no field embeddings). */
  abstract readonly inputs: FeatureInputs | null;
  /**
   * The MLP whose first layer reads the flattened field embeddings, then dense values (null when
   * only interaction layers read them): where compression folds the embedding reconstruction.
   */
  get embeddingMLP(): MLP | null {
    return null;
  }
  /** Logits [B] for a batch. */
  abstract forward(b: Batch): Tensor;

  /** What compression, export and reports see of the model (nn/parts.ts). */
  parts(): ModelParts {
    return modelParts(this, this.inputs, this.embeddingMLP);
  }
}
