/** What every CTR model consumes (a batch of encoded rows, the feature spec) and how its layers are built (the context). */
import type { EmbeddingStore } from '../embedding/store.js';
import type { Rng } from '../tensor/rng.js';

/** Encoded features of `rows` examples (the data pipeline's output). */
export interface Batch {
  rows: number;
  /** rows x F categorical ids (row-major), each in 0..vocab-1 of its field. */
  ids: Int32Array;
  /** rows x N numeric values (row-major). */
  dense: Float32Array;
  /** rows labels in {0, 1} (absent at prediction time). */
  labels?: Float32Array;
}

export interface FeatureSpec {
  /** Categorical fields in batch column order, with vocabulary sizes (ids 0..vocab-1). */
  categorical: { name: string; vocab: number }[];
  /** Numeric features in batch column order. */
  numeric: string[];
}

/** Shared by every model constructor. */
export interface ModelContext {
  rng: Rng;
  store: EmbeddingStore;
  /** Optimizer slots per embedding row (0 SGD, 1 Adagrad, 2 Adam): tables are sized for them. */
  slots: number;
  /** Represent categorical fields as tensor-train cores of this rank instead of tables (TT-Rec baseline). */
  tt?: { rank: number };
}
