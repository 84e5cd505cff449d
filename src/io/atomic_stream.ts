/**
 * A file written piece by piece that appears atomically: chunks go to a hidden temp file in the
 * target's folder; `commit()` fsyncs it and renames it over the target, `abort()` removes it.
 * A crash or an error before `commit()` never leaves a half-written target. Writes are buffered
 * (`flushBytes`) so memory stays bounded however long the output is.
 */
import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { releaseTempPath, tempPathFor, writeFailure } from './atomic.js';

type Handle = Awaited<ReturnType<typeof open>>;

export class AtomicFileWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private done = false;

  private constructor(
    readonly path: string,
    readonly tempPath: string,
    private handle: Handle,
    private readonly flushBytes: number,
  ) {}

  static async open(path: string, flushBytes = 1 << 20): Promise<AtomicFileWriter> {
    const temp = tempPathFor(path);
    try {
      return new AtomicFileWriter(path, temp, await open(temp, 'wx', 0o644), flushBytes);
    } catch (err) {
      releaseTempPath(temp);
      throw writeFailure(path, err);
    }
  }

  /** Appends UTF-8 text or bytes (written out once `flushBytes` are buffered). */
  async write(data: string | Uint8Array): Promise<void> {
    const bytes =
      typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    if (this.pendingBytes >= this.flushBytes) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const data = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    let off = 0;
    try {
      while (off < data.length) off += (await this.handle.write(data, off, data.length - off)).bytesWritten;
    } catch (err) {
      throw writeFailure(this.path, err);
    }
  }

  /** Writes what is buffered, fsyncs, renames the temp file over the target, fsyncs the folder. */
  async commit(): Promise<void> {
    if (this.done) throw new Error(`internal: AtomicFileWriter(${this.path}): already finished`);
    try {
      await this.flush();
      await this.handle.sync();
      await this.handle.close();
      this.done = true;
      await rename(this.tempPath, this.path);
      releaseTempPath(this.tempPath);
    } catch (err) {
      await this.abort();
      throw writeFailure(this.path, err);
    }
    const dir = await open(dirname(this.path), 'r').catch(() => null);
    if (dir) {
      await dir.sync().catch(() => undefined);
      await dir.close();
    }
  }

  /** Drops the temp file; the target is left as it was. Safe to call more than once. */
  async abort(): Promise<void> {
    if (!this.done) {
      this.done = true;
      await this.handle.close().catch(() => undefined);
    }
    await unlink(this.tempPath).catch(() => undefined);
    releaseTempPath(this.tempPath);
  }
}
