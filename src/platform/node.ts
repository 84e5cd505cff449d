/**
 * What differs between hosts, Node's side. The browser bundle (scripts/build-web.mjs) swaps this
 * module for browser.ts, which exports the same functions; code on the inference path imports
 * these instead of Node built-ins so it runs in both.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker, workerData } from 'node:worker_threads';

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

/** A thread the kernel pool started. */
export interface KernelThread {
  terminate(): unknown;
}

/** Starts the module at `url` on a worker thread that receives `init`; it does not keep the process alive. */
export async function startThread(url: URL, init: unknown): Promise<KernelThread> {
  const w = new Worker(url, { workerData: init });
  w.unref();
  return w;
}

/** In a thread started by startThread: the `init` it was given. */
export async function threadInit(): Promise<unknown> {
  return workerData;
}

/** In a thread started by startThread: tells the starter that it is set up (Node's starter does not wait). */
export function threadReady(): void {}

/** Whether this thread may sleep in Atomics.wait (every Node thread may). */
export function canBlock(): boolean {
  return true;
}

/** A file's bytes. */
export function readFileBytes(path: string): Uint8Array {
  return readFileSync(path);
}
