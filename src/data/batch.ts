/** The unit the trainer consumes, and the seeded shuffling helpers. */
import { mulberry32 } from '../util/random.js';

/** `rows` encoded rows: ids is rows x numCategorical (row-major), dense rows x numDense. */
export interface Batch {
  ids: Int32Array;
  dense: Float32Array;
  labels: Float32Array;
  rows: number;
}

export interface BatchOptions {
  batchSize: number;
  /** Shuffle chunk order and runs of rows within each chunk (default false: file order). */
  shuffle?: boolean;
  /** Seed for the shuffle; use a different one per epoch (e.g. seed + epoch). */
  seed?: number;
  /** Rows read per chunk (the in-memory shuffle buffer); rounded up to a multiple of batchSize. */
  chunkRows?: number;
  /**
   * Shuffle granularity: runs of this many consecutive rows (default 64; capped so a chunk has at
   * least 64 runs) are permuted within each chunk and copied whole. 1 shuffles single rows (slower:
   * a cache miss per row). Chunks are always visited in a random order.
   */
  shuffleRun?: number;
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
