/**
 * What differs between hosts, Node's side. The browser bundle (scripts/build-web.mjs) swaps this
 * module for browser.ts, which exports the same functions; code on the inference path imports
 * these instead of Node built-ins so it runs in both.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Hex SHA-256 of the concatenated chunks (native). */
export function sha256Hex(chunks: Iterable<Uint8Array>): string {
  const h = createHash('sha256');
  for (const c of chunks) h.update(c);
  return h.digest('hex');
}

/** Kernel threads when none are asked for: every core. */
export function defaultThreads(): number {
  return availableParallelism();
}

/** A file's bytes. */
export function readFileBytes(path: string): Uint8Array {
  return readFileSync(path);
}
