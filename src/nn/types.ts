/** What every CTR model consumes (a batch of encoded rows, the feature spec) and how its layers are built (the context). */
import type { EmbeddingStore } from '../embedding/store.js';
import type { Rng } from '../tensor/rng.js';

/** A batch is the data layer's (data/batch.ts); re-exported so models read it beside FeatureSpec. */
export type { Batch } from '../data/batch.js';

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
