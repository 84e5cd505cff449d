/** The unit the trainer consumes, and the seeded shuffling helpers. */
import { mulberry32 } from '../util/random.js';

/** Encoded features of `rows` examples: what the data pipeline yields and every model consumes. */
export interface Batch {
  rows: number;
  /** rows x F categorical ids (row-major), each in 0..vocab-1 of its field. */
  ids: Int32Array;
  /** rows x N numeric values (row-major). */
  dense: Float32Array;
  /** rows labels in {0, 1} (absent at prediction time). */
  labels?: Float32Array;
}

/** A batch read from a labelled split (training, validation, test). */
export interface LabelledBatch extends Batch {
  labels: Float32Array;
}

export interface BatchOptions {
  batchSize: number;
  /**
   * Row order: 'none' (default, file order), 'full' (a uniform permutation of all rows, the split
   * held in memory) or 'buffer' (blocks in random order through a shuffle buffer of bufferRows).
   */
  shuffle?: 'full' | 'buffer' | 'none';
  /** Seed for the shuffle; use a different one per epoch. */
  seed?: number;
  /** Rows read per chunk in file order; rounded up to a multiple of batchSize. */
  chunkRows?: number;
  /** Shuffle buffer size in rows for shuffle 'buffer' (default 262144). */
  bufferRows?: number;
  /** Drop the last batch when it has fewer than batchSize rows. */
  dropLast?: boolean;
}

/** Small seeded PRNG (mulberry32): floats in [0, 1). */
export const rng = mulberry32;

/** A seeded permutation of 0..n-1 (Fisher-Yates). */
export function permutation(n: number, rand: () => number, out = new Int32Array(n)): Int32Array {
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}
