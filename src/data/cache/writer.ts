/** Appends encoded rows to a cache folder; finish() makes it visible atomically (manifest last). */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { EncodedRows } from '../encoders/bound.js';
import { fsyncDir, writeFileAtomic } from './atomic.js';
import { CACHE_FILES, CACHE_FORMAT_VERSION, type CacheKey, type Manifest } from './manifest.js';

export class CacheWriter {
  private readonly fds: number[];
  private readonly hashes: Hash[];
  private readonly bytes = [0, 0, 0];
  rows = 0;
  positives = 0;

  constructor(
    readonly dir: string,
    readonly numCategorical: number,
    readonly numDense: number,
  ) {
    mkdirSync(dir, { recursive: true });
    // Invalidate first: a crash mid-write must not leave an old manifest next to new data.
    rmSync(join(dir, 'manifest.json'), { force: true });
    this.fds = CACHE_FILES.map((f) => openSync(this.tmp(f), 'w'));
    this.hashes = CACHE_FILES.map(() => createHash('sha256'));
  }

  private tmp(f: string): string {
    return join(this.dir, `${f}.tmp-${process.pid}`);
  }

  private put(k: number, view: Int32Array | Float32Array): void {
    const b = Buffer.from(view.buffer, view.byteOffset, view.byteLength);
    let off = 0;
    while (off < b.length) off += writeSync(this.fds[k], b, off, b.length - off);
    this.hashes[k].update(b);
    this.bytes[k] += b.length;
  }

  append(e: EncodedRows): void {
    if (e.rows === 0) return;
    this.put(0, e.ids.subarray(0, e.rows * this.numCategorical));
    this.put(1, e.dense.subarray(0, e.rows * this.numDense));
    const labels = e.labels.subarray(0, e.rows);
    this.put(2, labels);
    for (let i = 0; i < labels.length; i++) this.positives += labels[i];
    this.rows += e.rows;
  }

  finish(key: CacheKey, badRows: number): Manifest {
    CACHE_FILES.forEach((f, k) => {
      fsyncSync(this.fds[k]);
      closeSync(this.fds[k]);
      renameSync(this.tmp(f), join(this.dir, f));
    });
    fsyncDir(this.dir);
    const files = Object.fromEntries(
      CACHE_FILES.map((f, k) => [f, { bytes: this.bytes[k], sha256: this.hashes[k].digest('hex') }]),
    ) as Manifest['files'];
    const m: Manifest = {
      format: 'slimctr-cache',
      version: CACHE_FORMAT_VERSION,
      rows: this.rows,
      numCategorical: this.numCategorical,
      numDense: this.numDense,
      key,
      files,
      badRows,
      positives: this.positives,
      created: new Date().toISOString(),
    };
    writeFileAtomic(join(this.dir, 'manifest.json'), JSON.stringify(m, null, 2));
    return m;
  }

  /** Closes and deletes the temp files (after a failure). */
  abort(): void {
    CACHE_FILES.forEach((f, k) => {
      try {
        closeSync(this.fds[k]);
      } catch {
        /* already closed */
      }
      rmSync(this.tmp(f), { force: true });
    });
  }
}
