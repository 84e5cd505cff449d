/**
 * A pool of worker threads that share the kernel heap (Node worker_threads, or Web Workers on a
 * cross-origin isolated page; see platform/). The main thread posts a task by writing its arguments
 * into the control block and bumping a generation counter; workers wake (Atomics.wait/notify), run
 * their share, and the main thread runs share 0 itself, then waits for the rest: asleep where it
 * may block, spinning on a browser page's thread, which may not. No messages are copied: all data
 * is already in shared memory.
 */
import { canBlock, type KernelThread, startThread } from '../platform/node.js';
import type { Heap } from './heap.js';
import type { KernelExports } from './exports.js';
import {
  ARG_SLOTS,
  CTL_BYTES,
  CTL_INTS,
  FAILED,
  GEN,
  PENDING,
  PICKED,
  TASK,
  TASK_QUIT,
  THREADS,
  type WorkerInit,
} from './protocol.js';
import { runTask } from './split.js';

/** No kernel share takes this long; past it a worker is assumed dead rather than waited on forever. */
const WATCHDOG_MS = 120_000;

const blocking = canBlock();

/** Atomics.wait where this thread may block; elsewhere (a browser page's thread) a spin on the same word. */
function waitWhile(a: Int32Array, i: number, value: number, ms: number): 'ok' | 'not-equal' | 'timed-out' {
  if (blocking) return Atomics.wait(a, i, value, ms);
  const end = performance.now() + ms;
  while (Atomics.load(a, i) === value) if (performance.now() > end) return 'timed-out';
  return 'ok';
}

export class ThreadPool {
  private readonly ctl: Int32Array;
  readonly args: Float64Array;
  private workers: KernelThread[] = [];
  private readonly works: number[];

  private constructor(
    private readonly k: KernelExports,
    heap: Heap,
    readonly threads: number,
    private readonly ctlPtr: number,
    private readonly memory: WebAssembly.Memory,
  ) {
    this.ctl = new Int32Array(heap.buffer, ctlPtr, CTL_INTS);
    this.ctl.fill(0);
    this.args = new Float64Array(heap.buffer, ctlPtr + CTL_INTS * 4, ARG_SLOTS);
    const workBytes = k.gemm_work_bytes();
    this.works = Array.from({ length: threads }, () => heap.alloc(workBytes));
  }

  /** Main-thread gemm scratch (also used when the pool runs a task alone). */
  get mainWork(): number {
    return this.works[0];
  }

  /** `nativeIsa`: the backend's native instruction set (null: WebAssembly alone), for the workers to load the same kernels. */
  static async create(
    k: KernelExports,
    heap: Heap,
    module: WebAssembly.Module,
    threads: number,
    nativeIsa: string | null,
  ): Promise<ThreadPool> {
    const pool = new ThreadPool(k, heap, threads, heap.alloc(CTL_BYTES), heap.memory);
    const url = new URL('./worker.js', import.meta.url);
    const inits = pool.works
      .slice(1)
      .map((work, i): WorkerInit => ({ module, memory: heap.memory, ctl: pool.ctlPtr, index: i + 1, work, nativeIsa }));
    pool.workers = await Promise.all(inits.map((init) => startThread(url, init)));
    return pool;
  }

  /** Runs `task` (arguments already in `this.args`) on `threads` threads, main thread included. */
  run(task: number, threads = this.threads): void {
    const n = Math.min(threads, this.threads);
    if (n <= 1) {
      runTask(this.k, this.memory, task, this.args, 0, 1, this.works[0]);
      return;
    }
    const ctl = this.ctl;
    Atomics.store(ctl, TASK, task);
    Atomics.store(ctl, THREADS, n);
    Atomics.store(ctl, PENDING, this.workers.length);
    Atomics.add(ctl, GEN, 1);
    Atomics.notify(ctl, GEN);
    // Workers with index >= n find an empty share and return at once.
    let mainError: unknown = null;
    try {
      runTask(this.k, this.memory, task, this.args, 0, n, this.works[0]);
    } catch (err) {
      mainError = err;
    }
    // Wait for every worker even when our own share failed, so no task overlaps the next.
    for (;;) {
      const left = Atomics.load(ctl, PENDING);
      if (left === 0) break;
      if (waitWhile(ctl, PENDING, left, WATCHDOG_MS) === 'timed-out' && Atomics.load(ctl, PENDING) === left) {
        const state = this.workers
          .map(
            (_, i) =>
              `worker ${i + 1} last took generation ${PICKED + i < CTL_INTS ? Atomics.load(ctl, PICKED + i) : '?'}`,
          )
          .join(', ');
        throw new Error(
          `internal: kernel workers did not finish task ${task} (generation ${Atomics.load(ctl, GEN)}, ${left} share(s) left) within ${WATCHDOG_MS / 1000} s: ${state}`,
        );
      }
    }
    if (mainError) throw mainError;
    if (Atomics.exchange(ctl, FAILED, 0)) throw new Error('internal: a kernel worker failed (see the message above)');
  }

  async close(): Promise<void> {
    if (this.workers.length === 0) return;
    Atomics.store(this.ctl, TASK, TASK_QUIT);
    Atomics.add(this.ctl, GEN, 1);
    Atomics.notify(this.ctl, GEN);
    await Promise.all(this.workers.map(async (w) => w.terminate()));
    this.workers = [];
  }
}
