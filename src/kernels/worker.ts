// A kernel worker thread (Node worker_threads, or a module Web Worker in browsers): instantiates the
// kernels over the shared heap, then sleeps on the control block and runs its share of each task the
// main thread posts (see pool.ts).
import { threadInit, threadReady } from '../platform/node.js';
import { kernelsOver } from './backend.js';
import { loadNative } from './native.js';
import {
  ARG_SLOTS,
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

const init = (await threadInit()) as WorkerInit;
const k = kernelsOver(
  init.module,
  init.memory,
  init.nativeIsa === null ? null : (await loadNative()).addon,
  init.nativeIsa,
);
const ctl = new Int32Array(init.memory.buffer, init.ctl, CTL_INTS);
const args = new Float64Array(init.memory.buffer, init.ctl + CTL_INTS * 4, ARG_SLOTS);
threadReady();

/**
 * How long a worker polls for the next task before it sleeps. The main thread posts kernel after
 * kernel with a little JavaScript between them, and waking a sleeping thread takes tens of
 * microseconds (onnxruntime's threads spin likewise).
 */
const SPIN_MS = 0.2;

// The pool zeroes GEN before starting workers, so a task posted before this worker got here
// is still seen as new.
let seen = 0;
for (;;) {
  // Wait for a generation not run yet. A notify can arrive late: after this worker already saw the
  // new generation (its wait returned 'not-equal'), ran it and went back to sleep. Waking then must
  // not run the same task twice (that decremented PENDING twice and let the main thread go on while
  // this worker still had a share to run), so the generation is checked, not the wake-up.
  let gen = Atomics.load(ctl, GEN);
  for (const end = performance.now() + SPIN_MS; gen === seen && performance.now() < end; ) gen = Atomics.load(ctl, GEN);
  while (gen === seen) {
    Atomics.wait(ctl, GEN, seen);
    gen = Atomics.load(ctl, GEN);
  }
  seen = gen;
  if (PICKED + init.index - 1 < CTL_INTS) Atomics.store(ctl, PICKED + init.index - 1, seen);
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
