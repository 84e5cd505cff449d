/**
 * Streams a text file (plain or gzip, detected by magic bytes) as Buffers that each hold whole
 * lines. Memory is bounded by the chunk size (plus the longest line), not the file size.
 */
import { createReadStream, openSync, readSync, closeSync, statSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { DataError } from '../../util/errors.js';

export interface LineChunk {
  /** Whole lines; the last one may lack its '\n' only at end of file. */
  buf: Buffer;
  /** False when the chunk holds invalid UTF-8 (the parser then finds the line). */
  utf8: boolean;
}

export interface ChunkOptions {
  chunkBytes?: number;
  /** Longest line accepted, in bytes (default 64 MiB). */
  maxLineBytes?: number;
}

/** True when the file starts with the gzip magic bytes. */
export function isGzipFile(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(2);
    const n = readSync(fd, head, 0, 2, 0);
    return n === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

function openStream(file: string, chunkBytes: number): Readable {
  let st;
  try {
    st = statSync(file);
  } catch (err) {
    throw new DataError(file, 0, 0, `cannot read file: ${(err as Error).message}`);
  }
  if (!st.isFile()) throw new DataError(file, 0, 0, 'not a regular file');
  const raw = createReadStream(file, { highWaterMark: chunkBytes });
  if (!isGzipFile(file)) return raw;
  const gunzip = createGunzip({ chunkSize: Math.min(chunkBytes, 1 << 20) });
  raw.on('error', (e) => gunzip.destroy(e));
  return raw.pipe(gunzip);
}

/** Yields chunks of whole lines. Throws DataError for an empty file or a corrupt gzip stream. */
export async function* readLineChunks(file: string, opts: ChunkOptions = {}): AsyncGenerator<LineChunk> {
  const chunkBytes = opts.chunkBytes ?? 1 << 20;
  const maxLine = opts.maxLineBytes ?? 64 << 20;
  const stream = openStream(file, chunkBytes);
  let carry: Buffer | null = null;
  let first = true;
  let any = false;
  try {
    for await (const data of stream as AsyncIterable<Buffer>) {
      let buf: Buffer = carry ? Buffer.concat([carry, data]) : data;
      carry = null;
      if (first && buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
      first = false;
      if (buf.length > 0) any = true;
      const last = buf.lastIndexOf(10);
      if (last < 0) {
        if (buf.length > maxLine) throw new DataError(file, 0, 0, `a line is longer than ${maxLine} bytes`);
        carry = buf;
        continue;
      }
      const whole = buf.subarray(0, last + 1);
      if (last + 1 < buf.length) carry = Buffer.from(buf.subarray(last + 1));
      yield { buf: whole, utf8: isUtf8(whole) };
    }
  } catch (err) {
    if (err instanceof DataError) throw err;
    const e = err as NodeJS.ErrnoException;
    const what = e.code?.startsWith('Z_') ? 'corrupt or truncated gzip data' : 'read failed';
    throw new DataError(file, 0, 0, `${what}: ${e.message}`);
  } finally {
    stream.destroy();
  }
  if (carry && carry.length > 0) yield { buf: carry, utf8: isUtf8(carry) };
  if (!any) throw new DataError(file, 1, 0, 'file is empty');
}
