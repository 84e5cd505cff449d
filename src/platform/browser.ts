/**
 * What differs between hosts, the browser's side: the same exports as node.ts, without Node
 * built-ins. The web build resolves `platform/node.js` to this file. Kernel threads are Web Workers
 * (module workers) over the same shared memory; posting that memory to them needs a cross-origin
 * isolated page, so without isolation the kernels run on one thread.
 */
export { sha256Hex } from '../util/sha256.js';
import type { KernelThread } from './node.js';

const isolated = (): boolean => globalThis.crossOriginIsolated === true;

/** Kernel threads when none are asked for: the cores, at most 4, on an isolated page; else 1. */
export function defaultThreads(): number {
  return isolated() ? Math.max(1, Math.min(4, globalThis.navigator?.hardwareConcurrency ?? 1)) : 1;
}

/** Starts the module at `url` as a module Web Worker, posts it `init`, and resolves when it is set up. */
export function startThread(url: URL, init: unknown): Promise<KernelThread> {
  if (!isolated())
    return Promise.reject(
      new Error('kernel threads need a cross-origin isolated page (COOP/COEP headers); ask for 1 thread'),
    );
  return new Promise((resolve, reject) => {
    const w = new Worker(url, { type: 'module' });
    w.onmessage = (e: MessageEvent) => {
      if (e.data === 'ready') resolve(w);
    };
    w.onerror = (e: ErrorEvent) => reject(new Error(`kernel worker ${url.pathname}: ${e.message}`));
    w.postMessage(init);
  });
}

/** In a worker started by startThread: the `init` it was posted. */
export function threadInit(): Promise<unknown> {
  return new Promise((resolve) =>
    globalThis.addEventListener('message', (e) => resolve((e as MessageEvent).data), { once: true }),
  );
}

/** In a worker started by startThread: tells the page that it is set up. */
export function threadReady(): void {
  globalThis.postMessage('ready');
}

/** Browsers forbid Atomics.wait on the page's thread; workers may sleep in it. */
export function canBlock(): boolean {
  return 'WorkerGlobalScope' in globalThis;
}

/** A page has no file paths: it reads a model from the bytes the user gives (loadModel accepts them). */
export function readFileBytes(path: string): Uint8Array {
  throw new Error(`internal: reading '${path}' by path needs Node; in a browser pass the file's bytes`);
}
