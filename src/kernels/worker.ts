// A kernel worker thread: instantiates the kernels over the shared heap, then sleeps on the
// control block and runs its share of each task the main thread posts (see pool.ts).
import { workerData } from 'node:worker_threads';
import { instantiate } from './exports.js';
import { ARG_SLOTS, CTL_INTS, FAILED, GEN, PENDING, TASK, TASK_QUIT, THREADS, type WorkerInit } from './protocol.js';
import { runTask } from './split.js';

const init = workerData as WorkerInit;
const k = instantiate(init.module, init.memory);
const ctl = new Int32Array(init.memory.buffer, init.ctl, CTL_INTS);
const args = new Float64Array(init.memory.buffer, init.ctl + CTL_INTS * 4, ARG_SLOTS);

// The pool zeroes GEN before starting workers, so a task posted before this worker got here
// is still seen as new.
let seen = 0;
for (;;) {
  Atomics.wait(ctl, GEN, seen);
  seen = Atomics.load(ctl, GEN);
  const task = Atomics.load(ctl, TASK);
  if (task === TASK_QUIT) break;
  try {
    runTask(k, init.memory, task, args, init.index, Atomics.load(ctl, THREADS), init.work);
  } catch (err) {
    // Never leave the main thread waiting: report the failure and count this share as done.
    console.error(`slimctr kernel worker ${init.index}: ${err instanceof Error ? err.stack : String(err)}`);
    Atomics.store(ctl, FAILED, 1);
  }
  if (Atomics.sub(ctl, PENDING, 1) === 1) Atomics.notify(ctl, PENDING);
}
