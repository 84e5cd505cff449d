/**
 * Streams a text file (plain or gzip, detected by magic bytes; `-` is standard input, see
 * stdin.ts) as Buffers that each hold whole lines. Memory is bounded by the chunk size (plus the longest line), not the file size.
 */
import { createReadStream, openSync, readSync, closeSync, statSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { DataError } from '../../util/errors.js';
import { peekStdin, STDIN, stdinStream } from './stdin.js';

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
function isGzipFile(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(2);
    const n = readSync(fd, head, 0, 2, 0);
    return n === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

function gunzipped(raw: Readable, chunkBytes: number): Readable {
  const gunzip = createGunzip({ chunkSize: Math.min(chunkBytes, 1 << 20) });
  raw.on('error', (e) => gunzip.destroy(e));
  return raw.pipe(gunzip);
}

/** The file (or standard input for `-`) as a stream of bytes, gunzipped when it starts with gzip's magic bytes. */
async function openStream(file: string, chunkBytes: number): Promise<Readable> {
  if (file === STDIN) {
    const head = await peekStdin(2);
    const raw = stdinStream();
    return head.length === 2 && head[0] === 0x1f && head[1] === 0x8b ? gunzipped(raw, chunkBytes) : raw;
  }
  let st;
  try {
    st = statSync(file);
  } catch (err) {
    throw new DataError(file, 0, 0, `cannot read file: ${(err as Error).message}`);
  }
  if (!st.isFile()) throw new DataError(file, 0, 0, 'not a regular file');
  const raw = createReadStream(file, { highWaterMark: chunkBytes });
  return isGzipFile(file) ? gunzipped(raw, chunkBytes) : raw;
}

/** Number of '\n' bytes in buf. */
function countLines(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

/**
 * Yields chunks of whole lines. Throws DataError for an empty file, a line longer than
 * maxLineBytes (naming its line number) or a corrupt gzip stream. A long line is gathered piece
 * by piece and joined once, so memory stays about twice the line (not its square).
 */
export async function* readLineChunks(file: string, opts: ChunkOptions = {}): AsyncGenerator<LineChunk> {
  const chunkBytes = opts.chunkBytes ?? 1 << 20;
  const maxLine = opts.maxLineBytes ?? 64 << 20;
  const stream = await openStream(file, chunkBytes);
  let pieces: Buffer[] = []; // the line in progress (no '\n' yet)
  let pending = 0;
  let linesBefore = 0; // complete lines already yielded
  let first = true;
  let any = false;
  const tooLong = (): DataError =>
    new DataError(file, linesBefore + 1, 0, `line ${linesBefore + 1} is longer than ${maxLine} bytes`);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let data = chunk;
      if (first && data.length >= 3 && data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf)
        data = data.subarray(3);
      first = false;
      if (data.length > 0) any = true;
      const last = data.lastIndexOf(10);
      if (last < 0) {
        pieces.push(data);
        pending += data.length;
        if (pending > maxLine) throw tooLong();
        continue;
      }
      if (pending + data.indexOf(10) > maxLine) throw tooLong();
      const head = data.subarray(0, last + 1);
      const whole = pieces.length ? Buffer.concat([...pieces, head]) : head;
      pieces = last + 1 < data.length ? [Buffer.from(data.subarray(last + 1))] : [];
      pending = data.length - last - 1;
      linesBefore += countLines(whole);
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
  if (pending > 0) {
    const rest = Buffer.concat(pieces);
    yield { buf: rest, utf8: isUtf8(rest) };
  }
  if (!any) throw new DataError(file, 1, 0, 'file is empty');
}
