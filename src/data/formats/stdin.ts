/**
 * Standard input as a data file (`-`), which can be read only once. Sniffing (format, header,
 * label detection) reads its first lines before the real read starts, so every byte taken from
 * the pipe is kept until KEEP_BYTES and replayed to the next reader; once a reader goes past that,
 * nothing more is kept, and a later reader is refused with a DataError instead of silently
 * missing the start of the data.
 */
import { Readable } from 'node:stream';
import { DataError } from '../../util/errors.js';

/** The file name that means standard input. */
export const STDIN = '-';

/** Bytes kept for replay: more than any sniffer reads (64 KiB), far less than a data file. */
const KEEP_BYTES = 4 << 20;

interface StdinState {
  iter: AsyncIterator<Buffer> | null;
  kept: Buffer[];
  keptBytes: number;
  /** A reader went past KEEP_BYTES: the start can no longer be replayed. */
  spent: boolean;
  ended: boolean;
}

const state: StdinState = { iter: null, kept: [], keptBytes: 0, spent: false, ended: false };

/** The next chunk from the pipe (null at end); kept for replay while under KEEP_BYTES. */
async function pull(source: NodeJS.ReadableStream): Promise<Buffer | null> {
  if (state.ended) return null;
  // One iterator for the process: never returned early, so a sniffer that stops does not close stdin.
  state.iter ??= (source as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const next = await state.iter.next();
  if (next.done) {
    state.ended = true;
    return null;
  }
  const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
  if (state.keptBytes < KEEP_BYTES) {
    state.kept.push(chunk);
    state.keptBytes += chunk.length;
  } else state.spent = true;
  return chunk;
}

/** Standard input from its first byte: the kept bytes, then the rest of the pipe. */
async function* replay(source: NodeJS.ReadableStream): AsyncGenerator<Buffer> {
  if (state.spent)
    throw new DataError(STDIN, 0, 0, 'standard input was already read past its first 4 MiB and cannot be read again');
  let i = 0;
  for (;;) {
    if (i < state.kept.length) {
      yield state.kept[i++];
      continue;
    }
    const chunk = await pull(source);
    if (chunk === null) return;
    // A chunk pull() kept is yielded from state.kept on the next turn; one past the keep limit now.
    if (state.spent) yield chunk;
  }
}

/** The first `bytes` bytes of standard input (fewer at its end), without consuming them. */
export async function peekStdin(bytes = 2, source: NodeJS.ReadableStream = process.stdin): Promise<Buffer> {
  while (state.keptBytes < bytes && !state.ended && !state.spent) await pull(source);
  return Buffer.concat(state.kept).subarray(0, bytes);
}

/** A Readable of standard input from its start (see the module comment). */
export function stdinStream(source: NodeJS.ReadableStream = process.stdin): Readable {
  return Readable.from(replay(source), { objectMode: false });
}
