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
export const FAILED = 4; // set by a worker whose share threw (its message goes to the console)
export const PICKED = 8; // PICKED + i - 1: the last generation worker i picked up (workers 1..8; a hang report tells a missed wake-up from a stuck kernel)

/** Task codes. */
export const TASK_QUIT = 0;
export const TASK_SGEMM = 1;
export const TASK_BATCHED_SGEMM = 2;
/** A list of independent kernel calls (args[0] = count, args[1] = descriptor table), dealt round-robin. */
export const TASK_CALLS = 3;

/** Kernel calls a TASK_CALLS list may hold; a descriptor is CALL_SLOTS float64s: [call, ...args]. */
export const CALL_GATHER_ROWS = 1;
export const CALL_UPDATE_ROWS = 2;
export const CALL_LOOKUP_UNIQUE = 3;
export const CALL_ACCUMULATE_UNIQUE = 4;
/** Rows of a quantized table (see assembly/quant.ts), dequantized as they are gathered. */
export const CALL_GATHER_ROWS_Q = 5;
export const CALL_SLOTS = 16;
/** Interaction kernels over a range of examples (codes kept apart from the row kernels above). */
export const CALL_ATTENTION_FORWARD = 21;
export const CALL_ATTENTION_BACKWARD = 22;
export const CALL_BILINEAR_FORWARD = 23;
export const CALL_BILINEAR_BACKWARD = 24;
export const CALL_CROSS_FORWARD = 25;
export const CALL_CROSS_BACKWARD = 26;
export const CALL_FM_FORWARD = 27;
export const CALL_FM_BACKWARD = 28;

export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  ctl: number; // byte offset of the control block
  index: number; // 1..threads-1 (the main thread is 0)
  work: number; // byte offset of this worker's gemm scratch
  nativeIsa: string | null; // the native kernels' instruction set, null for WebAssembly alone (backend.ts)
}
