/**
 * Reads a cache folder as batches: typed-array views over chunk buffers, no per-row objects.
 * In file order (`shuffle: 'none'`) batches are zero-copy views of the chunk read; the shuffles
 * (`full`, `buffer`; see shuffle.ts) copy rows into a batch buffer. A yielded batch is valid until
 * the next one.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { permutation, rng, type LabelledBatch, type BatchOptions } from '../batch.js';
import { CACHE_FILES, type Manifest } from './manifest.js';
import { bufferedBatches, permutedBatches, rowArrays, type RowArrays, type ShuffleMode } from './shuffle.js';
import { ModelFileError } from '../../util/errors.js';

function readRange(fd: number, into: Uint8Array, pos: number, file: string): void {
  let off = 0;
  while (off < into.length) {
    const n = readSync(fd, into, off, into.length - off, pos + off);
    if (n === 0)
      throw new ModelFileError(file, 'the data cache file ended early (delete the cache folder to rebuild it)');
    off += n;
  }
}

export class CachedSplit {
  private held: RowArrays | null = null;

  constructor(
    readonly dir: string,
    readonly manifest: Manifest,
  ) {}

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
  readAll(): LabelledBatch {
    const it = this.batches({ batchSize: Math.max(1, this.rows), chunkRows: Math.max(1, this.rows) });
    const b = it.next();
    const empty = { ids: new Int32Array(0), dense: new Float32Array(0), labels: new Float32Array(0), rows: 0 };
    if (b.done) return empty;
    const out = {
      ids: b.value.ids.slice(),
      dense: b.value.dense.slice(),
      labels: b.value.labels.slice(),
      rows: b.value.rows,
    };
    it.return(undefined);
    return out;
  }

  /** Bytes of the split's rows in memory (ids, dense values, labels): what a full shuffle holds. */
  get bytes(): number {
    return this.rows * (this.numCategorical + this.numDense + 1) * 4;
  }

  /**
   * The mode `auto` stands for: `full` when the split fits `memoryBytes`, else `buffer`
   * (other modes are returned as they are).
   */
  resolveShuffle(mode: ShuffleMode, memoryBytes: number): Exclude<ShuffleMode, 'auto'> {
    if (mode !== 'auto') return mode;
    return this.bytes <= memoryBytes ? 'full' : 'buffer';
  }

  *batches(opts: BatchOptions): Generator<LabelledBatch> {
    const { batchSize } = opts;
    if (!(batchSize >= 1)) throw new Error('internal: batchSize must be >= 1 (training.batch_size is validated)');
    const mode = opts.shuffle ?? 'none';
    const dropLast = opts.dropLast ?? false;
    const rand = rng(opts.seed ?? 0);
    if (mode === 'full') {
      yield* permutedBatches(this.resident(), permutation(this.rows, rand), batchSize, dropLast);
      return;
    }
    const chunk = Math.ceil(Math.min(opts.chunkRows ?? 1 << 17, Math.max(this.rows, 1)) / batchSize) * batchSize;
    const nChunks = Math.ceil(this.rows / chunk);
    if (mode === 'buffer') {
      const capacity = Math.max(batchSize, Math.min(opts.bufferRows ?? 1 << 18, this.rows));
      // Blocks smaller than the buffer, so it mixes rows of several places in the file.
      const block = Math.max(1, Math.min(chunk, Math.ceil(capacity / 8)));
      const order = permutation(Math.ceil(this.rows / block), rand);
      yield* bufferedBatches(
        this.blocks(order, block),
        capacity,
        this.numCategorical,
        this.numDense,
        batchSize,
        dropLast,
        rand,
      );
      return;
    }
    for (const { rows: a, n } of this.blocks(
      Int32Array.from({ length: nChunks }, (_, i) => i),
      chunk,
    )) {
      for (let b = 0; b < n; b += batchSize) {
        const m = Math.min(batchSize, n - b);
        if (m < batchSize && dropLast) break;
        const { nc, nd } = a;
        yield {
          ids: a.ids.subarray(b * nc, (b + m) * nc),
          dense: a.dense.subarray(b * nd, (b + m) * nd),
          labels: a.labels.subarray(b, b + m),
          rows: m,
        };
      }
    }
  }

  /** The whole split in memory, read once and kept (the full shuffle gathers from it). */
  private resident(): RowArrays {
    if (!this.held) {
      const it = this.blocks(Int32Array.of(0), Math.max(this.rows, 1));
      const first = it.next();
      it.return(undefined);
      this.held = first.done ? rowArrays(0, this.numCategorical, this.numDense) : first.value.rows;
    }
    return this.held;
  }

  /** Blocks of `block` rows in the order `order` (block indices), read into one reused buffer. */
  private *blocks(order: Int32Array, block: number): Generator<{ rows: RowArrays; n: number }> {
    const nc = this.numCategorical,
      nd = this.numDense;
    const fds = CACHE_FILES.map((f) => openSync(join(this.dir, f), 'r'));
    const a = rowArrays(Math.min(block, this.rows), nc, nd);
    const u8 = (x: Int32Array | Float32Array, n: number) => new Uint8Array(x.buffer, x.byteOffset, n * 4);
    try {
      for (const bi of order) {
        const start = bi * block;
        const n = Math.min(block, this.rows - start);
        if (n <= 0) continue;
        readRange(fds[0], u8(a.ids, n * nc), start * nc * 4, join(this.dir, CACHE_FILES[0]));
        readRange(fds[1], u8(a.dense, n * nd), start * nd * 4, join(this.dir, CACHE_FILES[1]));
        readRange(fds[2], u8(a.labels, n), start * 4, join(this.dir, CACHE_FILES[2]));
        yield { rows: a, n };
      }
    } finally {
      fds.forEach((fd) => closeSync(fd));
    }
  }
}
