/**
 * Layout of the control block through which the main thread hands kernel calls to the worker
 * pool. It lives in the shared heap: int32 words for signalling, float64 slots for arguments.
 */
export const CTL_INTS = 16;
export const ARG_SLOTS = 32;
export const CTL_BYTES = CTL_INTS * 4 + ARG_SLOTS * 8;

/** Int32 word indices. */
export const GEN = 0; // bumped once per task; workers sleep on it
export const PENDING = 1; // workers still running the current task
export const TASK = 2; // which task (below)
export const THREADS = 3; // how many threads share the task

/** Task codes. */
export const TASK_QUIT = 0;
export const TASK_SGEMM = 1;
export const TASK_BATCHED_SGEMM = 2;

export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  ctl: number; // byte offset of the control block
  index: number; // 1..threads-1 (the main thread is 0)
  work: number; // byte offset of this worker's gemm scratch
}
