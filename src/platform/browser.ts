/**
 * What differs between hosts, the browser's side: the same exports as node.ts, without Node
 * built-ins. The web build resolves `platform/node.js` to this file.
 */
export { sha256Hex } from '../util/sha256.js';

/** One thread: the worker pool is built on node:worker_threads, so a browser runs kernels on the page's thread. */
export function defaultThreads(): number {
  return 1;
}

/** A page has no file paths: it reads a model from the bytes the user gives (loadModel accepts them). */
export function readFileBytes(path: string): Uint8Array {
  throw new Error(`internal: reading '${path}' by path needs Node; in a browser pass the file's bytes`);
}
