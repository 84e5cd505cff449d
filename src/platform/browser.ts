/**
 * What differs between hosts, the browser's side: the same exports as node.ts, without Node
 * built-ins. The web build resolves `platform/node.js` to this file.
 */
export { sha256Hex } from '../util/sha256.js';

/** One thread: the worker pool is built on node:worker_threads, so a browser runs kernels on the page's thread. */
export function defaultThreads(): number {
  return 1;
}
