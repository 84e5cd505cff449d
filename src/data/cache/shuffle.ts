/**
 * Row orders for an epoch over a cached split (`training.shuffle`):
 * - `full`: a uniform permutation of every row index, gathered from the split held in memory;
 * - `buffer`: blocks read in a random order into a shuffle buffer of `bufferRows` rows, each batch
 *   row drawn uniformly from the buffer (without replacement) and the buffer refilled from the
 *   next blocks; with a buffer as large as the split this is again a uniform permutation;
 * - `none`: file order.
 * All are deterministic for a seed. Rows are copied into the batch arrays one by one.
 */
import type { LabelledBatch } from '../batch.js';

export const SHUFFLE_MODES = ['auto', 'full', 'buffer', 'none'] as const;
export type ShuffleMode = (typeof SHUFFLE_MODES)[number];

/** Row-major arrays of `rows` rows: nc ids, nd dense values and a label per row. */
export interface RowArrays {
  ids: Int32Array;
  dense: Float32Array;
  labels: Float32Array;
  nc: number;
  nd: number;
}

export function rowArrays(rows: number, nc: number, nd: number): RowArrays {
  return { ids: new Int32Array(rows * nc), dense: new Float32Array(rows * nd), labels: new Float32Array(rows), nc, nd };
}

/** Copies row `from` of `src` to row `to` of `dst` (same widths). */
function copyRow(src: RowArrays, from: number, dst: RowArrays, to: number): void {
  const { nc, nd } = src;
  const si = src.ids,
    di = dst.ids,
    sd = src.dense,
    dd = dst.dense;
  for (let k = 0, a = from * nc, b = to * nc; k < nc; k++) di[b + k] = si[a + k];
  for (let k = 0, a = from * nd, b = to * nd; k < nd; k++) dd[b + k] = sd[a + k];
  dst.labels[to] = src.labels[from];
}

/** The first `m` rows of `a` as a batch (views). */
function batchOf(a: RowArrays, m: number): LabelledBatch {
  return {
    ids: a.ids.subarray(0, m * a.nc),
    dense: a.dense.subarray(0, m * a.nd),
    labels: a.labels.subarray(0, m),
    rows: m,
  };
}

/** Batches of the rows of `all` in the order `perm` (the full shuffle). */
export function* permutedBatches(
  all: RowArrays,
  perm: Int32Array,
  batchSize: number,
  dropLast: boolean,
): Generator<LabelledBatch> {
  const out = rowArrays(batchSize, all.nc, all.nd);
  for (let b = 0; b < perm.length; b += batchSize) {
    const m = Math.min(batchSize, perm.length - b);
    if (m < batchSize && dropLast) break;
    for (let i = 0; i < m; i++) copyRow(all, perm[b + i], out, i);
    yield batchOf(out, m);
  }
}

/**
 * Batches drawn from a shuffle buffer of `capacity` rows, fed by `blocks` (each a RowArrays with
 * its row count, in the order they should enter; the caller randomizes that order).
 */
export function* bufferedBatches(
  blocks: Iterable<{ rows: RowArrays; n: number }>,
  capacity: number,
  nc: number,
  nd: number,
  batchSize: number,
  dropLast: boolean,
  rand: () => number,
): Generator<LabelledBatch> {
  const buf = rowArrays(capacity, nc, nd);
  const out = rowArrays(batchSize, nc, nd);
  const source = blocks[Symbol.iterator]();
  let block: { rows: RowArrays; n: number } | null = null;
  let taken = 0;
  let count = 0;
  const refill = (): void => {
    while (count < capacity) {
      if (!block || taken === block.n) {
        const next = source.next();
        if (next.done) return;
        block = next.value;
        taken = 0;
      }
      const k = Math.min(capacity - count, block.n - taken);
      for (let i = 0; i < k; i++) copyRow(block.rows, taken + i, buf, count + i);
      taken += k;
      count += k;
    }
  };
  refill();
  while (count > 0) {
    const m = Math.min(batchSize, count);
    if (m < batchSize && dropLast) return;
    for (let i = 0; i < m; i++) {
      const j = Math.floor(rand() * count);
      copyRow(buf, j, out, i);
      count--;
      if (j !== count) copyRow(buf, count, buf, j);
    }
    yield batchOf(out, m);
    refill();
  }
}
