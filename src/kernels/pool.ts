/**
 * A pool of worker threads that share the kernel heap. The main thread posts a task by writing
 * its arguments into the control block and bumping a generation counter; workers wake
 * (Atomics.wait/notify), run their share, and the main thread runs share 0 itself, then waits
 * for the rest. No messages are copied: all data is already in shared memory.
 */
import type { Worker } from 'node:worker_threads';
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

export class ThreadPool {
  private readonly ctl: Int32Array;
  readonly args: Float64Array;
  private workers: Worker[] = [];
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
    if (threads > 1) {
      const { Worker } = await import('node:worker_threads');
      const url = new URL('./worker.js', import.meta.url);
      for (let index = 1; index < threads; index++) {
        const init: WorkerInit = {
          module,
          memory: heap.memory,
          ctl: pool.ctlPtr,
          index,
          work: pool.works[index],
          nativeIsa,
        };
        const w = new Worker(url, { workerData: init });
        w.unref();
        pool.workers.push(w);
      }
    }
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
      if (Atomics.wait(ctl, PENDING, left, WATCHDOG_MS) === 'timed-out' && Atomics.load(ctl, PENDING) === left) {
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
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers = [];
  }
}
