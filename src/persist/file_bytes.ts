/**
 * A model file's bytes told apart: the weights (every tensor but the vocabularies: the model's
 * weights, and a checkpoint's optimizer state), the encoders (the vocabulary tensors,
 * vocab_tensors.ts) and the metadata (the rest: the JSON header with the model's description and
 * checksums, and the safetensors framing, its length prefix and padding). Works on a tensor
 * table (any host).
 */
import type { TensorEntry } from '../io/safetensors.js';
import { isVocabularyTensor } from './vocab_tensors.js';

export interface FileBytes {
  /** The whole file. */
  total: number;
  weights: number;
  encoders: number;
  metadata: number;
}

/** The parts of a file of `total` bytes whose tensor table is `entries`. */
export function fileBytesOf(entries: readonly TensorEntry[], total: number): FileBytes {
  let weights = 0,
    encoders = 0;
  for (const e of entries) {
    if (isVocabularyTensor(e.name)) encoders += e.end - e.begin;
    else weights += e.end - e.begin;
  }
  return { total, weights, encoders, metadata: total - weights - encoders };
}
