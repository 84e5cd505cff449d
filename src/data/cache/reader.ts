/**
 * Reads a cache folder as batches: typed-array views over chunk buffers, no per-row objects.
 * Without shuffle, batches are zero-copy views; with shuffle, chunk order is permuted and runs of
 * `shuffleRun` consecutive rows are gathered through a per-chunk permutation (TypedArray.set per
 * run). A yielded batch is valid until the next one.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { permutation, rng, type Batch, type BatchOptions } from '../batch.js';
import { CACHE_FILES, type Manifest } from './manifest.js';

function readRange(fd: number, into: Uint8Array, pos: number): void {
  let off = 0;
  while (off < into.length) {
    const n = readSync(fd, into, off, into.length - off, pos + off);
    if (n === 0) throw new Error('cache file ended early');
    off += n;
  }
}

export class CachedSplit {
  constructor(readonly dir: string, readonly manifest: Manifest) {}

  get rows(): number {
    return this.manifest.rows;
  }
  get numCategorical(): number {
    return this.manifest.numCategorical;
  }
  get numDense(): number {
    return this.manifest.numDense;
  }

  /** Re-hashes the data files; false when any differs from the manifest (corrupt cache). */
  verify(): boolean {
    const buf = Buffer.allocUnsafe(1 << 22);
    return CACHE_FILES.every((f) => {
      const h = createHash('sha256');
      const fd = openSync(join(this.dir, f), 'r');
      try {
        for (let pos = 0; ; ) {
          const n = readSync(fd, buf, 0, buf.length, pos);
          if (n === 0) break;
          h.update(buf.subarray(0, n));
          pos += n;
        }
      } finally {
        closeSync(fd);
      }
      return h.digest('hex') === this.manifest.files[f].sha256;
    });
  }

  /** Every row in memory (for small splits and tests). */
  readAll(): Batch {
    const it = this.batches({ batchSize: Math.max(1, this.rows), chunkRows: Math.max(1, this.rows) });
    const b = it.next();
    const empty = { ids: new Int32Array(0), dense: new Float32Array(0), labels: new Float32Array(0), rows: 0 };
    if (b.done) return empty;
    const out = { ids: b.value.ids.slice(), dense: b.value.dense.slice(), labels: b.value.labels.slice(), rows: b.value.rows };
    it.return(undefined);
    return out;
  }

  *batches(opts: BatchOptions): Generator<Batch> {
    const { batchSize } = opts;
    if (!(batchSize >= 1)) throw new RangeError('batchSize must be >= 1');
    const nc = this.numCategorical;
    const nd = this.numDense;
    const chunk = Math.ceil(Math.min(opts.chunkRows ?? 1 << 17, Math.max(this.rows, 1)) / batchSize) * batchSize;
    const nChunks = Math.ceil(this.rows / chunk);
    const rand = rng(opts.seed ?? 0);
    const order = opts.shuffle ? permutation(nChunks, rand) : Int32Array.from({ length: nChunks }, (_, i) => i);
    const fds = CACHE_FILES.map((f) => openSync(join(this.dir, f), 'r'));
    const ids = new Int32Array(chunk * nc);
    const dense = new Float32Array(chunk * nd);
    const labels = new Float32Array(chunk);
    const bIds = opts.shuffle ? new Int32Array(batchSize * nc) : ids;
    const bDense = opts.shuffle ? new Float32Array(batchSize * nd) : dense;
    const bLabels = opts.shuffle ? new Float32Array(batchSize) : labels;
    const perm = new Int32Array(chunk);
    let runs: Int32Array = perm;
    const u8 = (a: Int32Array | Float32Array, n: number) => new Uint8Array(a.buffer, a.byteOffset, n * 4);
    try {
      for (const ci of order) {
        const start = ci * chunk;
        const n = Math.min(chunk, this.rows - start);
        readRange(fds[0], u8(ids, n * nc), start * nc * 4);
        readRange(fds[1], u8(dense, n * nd), start * nd * 4);
        readRange(fds[2], u8(labels, n), start * 4);
        // Shuffle runs of `run` consecutive rows (copied with TypedArray.set), not single rows:
        // the chunk is still read in a random order, without a cache miss per row.
        const run = Math.max(1, Math.min(opts.shuffleRun ?? 64, Math.floor(n / 64)));
        if (opts.shuffle) runs = permutation(Math.ceil(n / run), rand, perm);
        const cur: Cursor = { r: 0, off: 0 };
        for (let b = 0; b < n; b += batchSize) {
          const m = Math.min(batchSize, n - b);
          if (m < batchSize && opts.dropLast) break;
          if (!opts.shuffle) {
            yield { ids: ids.subarray(b * nc, (b + m) * nc), dense: dense.subarray(b * nd, (b + m) * nd), labels: labels.subarray(b, b + m), rows: m };
            continue;
          }
          gatherRuns(runs, run, cur, m, n, nc, nd, ids, dense, labels, bIds, bDense, bLabels);
          yield { ids: bIds.subarray(0, m * nc), dense: bDense.subarray(0, m * nd), labels: bLabels.subarray(0, m), rows: m };
        }
      }
    } finally {
      fds.forEach((fd) => closeSync(fd));
    }
  }
}

/** Where the next batch starts in a chunk's shuffled order: run `r` (index into `runs`), row `off` in it. */
interface Cursor {
  r: number;
  off: number;
}

/**
 * Copies the next m rows of the chunk's shuffled order into the batch arrays and advances `cur`.
 * The order is the chunk's runs of `run` rows (n rows; the last run may be short) in the order
 * `runs`, so each row appears once; each run is one TypedArray.set per array.
 */
function gatherRuns(
  runs: Int32Array, run: number, cur: Cursor, m: number, n: number, nc: number, nd: number,
  ids: Int32Array, dense: Float32Array, labels: Float32Array,
  bIds: Int32Array, bDense: Float32Array, bLabels: Float32Array,
): void {
  if (run === 1) {
    for (let i = 0; i < m; i++) {
      const src = runs[cur.r++];
      bIds.set(ids.subarray(src * nc, src * nc + nc), i * nc);
      for (let k = 0; k < nd; k++) bDense[i * nd + k] = dense[src * nd + k];
      bLabels[i] = labels[src];
    }
    return;
  }
  let i = 0;
  while (i < m) {
    const first = runs[cur.r] * run;
    const runLen = Math.min(run, n - first);
    const start = first + cur.off;
    const len = Math.min(runLen - cur.off, m - i);
    bIds.set(ids.subarray(start * nc, (start + len) * nc), i * nc);
    bDense.set(dense.subarray(start * nd, (start + len) * nd), i * nd);
    bLabels.set(labels.subarray(start, start + len), i);
    i += len;
    cur.off += len;
    if (cur.off === runLen) {
      cur.r++;
      cur.off = 0;
    }
  }
}
