import {
  ARG_SLOTS,
  CALL_ACCUMULATE_UNIQUE,
  CALL_ATTENTION_BACKWARD,
  CALL_ATTENTION_FORWARD,
  CALL_BILINEAR_BACKWARD,
  CALL_BILINEAR_FORWARD,
  CALL_CROSS_BACKWARD,
  CALL_CROSS_FORWARD,
  CALL_FM_BACKWARD,
  CALL_FM_FORWARD,
  CALL_GATHER_ROWS,
  CALL_GATHER_ROWS_Q,
  CALL_LOOKUP_UNIQUE,
  CALL_SLOTS,
  CALL_UPDATE_ROWS,
  TASK_BATCHED_SGEMM,
  TASK_CALLS,
  TASK_SGEMM,
} from './protocol.js';
import type { KernelExports } from './exports.js';

/** Rows [m0, m1) of an M-row output that thread `index` of `threads` computes (multiples of 4). */
function rowRange(M: number, index: number, threads: number): [number, number] {
  const chunk = Math.ceil(M / threads / 4) * 4;
  const m0 = Math.min(M, index * chunk);
  return [m0, Math.min(M, m0 + chunk)];
}

/** Columns [n0, n1) of an N-column output that thread `index` of `threads` computes (multiples of 16 floats: whole cache lines). */
function columnRange(N: number, index: number, threads: number): [number, number] {
  const chunk = Math.ceil(N / threads / 16) * 16;
  const n0 = Math.min(N, index * chunk);
  return [n0, Math.min(N, n0 + chunk)];
}

/**
 * Runs this thread's share of a task described by `args` (float64 slots). Shared by the main
 * thread and the workers, so both sides agree on how work is split.
 */
export function runTask(
  k: KernelExports,
  memory: WebAssembly.Memory,
  task: number,
  args: Float64Array,
  index: number,
  threads: number,
  work: number,
): void {
  if (index >= threads) return;
  const sgemm = k.sgemm as Kernel;
  if (task === TASK_SGEMM && args[16]) {
    // By columns (args[16]; a row or two, B not transposed): columns [n0, n1) of every row, as the
    // product of A with that slice of B (each column's operations do not depend on the others).
    const [n0, n1] = columnRange(args[3], index, threads);
    const g = Array.from(args.subarray(0, 13));
    [g[3], g[8], g[11]] = [n1 - n0, args[8] + n0 * 4, args[11] + n0 * 4];
    if (n0 < n1) sgemm(...g, 0, args[2], work, args[13] && args[13] + n0 * 4, args[14], 0);
  } else if (task === TASK_SGEMM) {
    // args[0..12]: the gemm (see Engine.sgemm); this thread computes output rows [m0, m1).
    const [m0, m1] = rowRange(args[2], index, threads);
    // args[13..14]: the epilogue (bias offset or 0, act); args[15]: op(B) packed beforehand (or 0).
    if (m0 < m1) sgemm(...args.subarray(0, 13), m0, m1, work, args[13], args[14], args[15]);
  } else if (task === TASK_BATCHED_SGEMM) {
    // args[13] = batch count, [14..16] = byte strides of A, B, C between batch items.
    const g = Array.from(args.subarray(0, 13));
    for (let b = index; b < args[13]; b += threads) {
      g[6] = args[6] + b * args[14];
      g[8] = args[8] + b * args[15];
      g[11] = args[11] + b * args[16];
      sgemm(...g, 0, args[2], work, 0, 0);
    }
  } else if (task === TASK_CALLS) {
    const count = args[0];
    // The heap may have grown since `args` was made: view the current buffer.
    const table = new Float64Array(memory.buffer, args[1], count * CALL_SLOTS);
    for (let i = index; i < count; i += threads) runCall(k, table, i * CALL_SLOTS);
  }
}

type Kernel = (...args: number[]) => unknown;

/** Pool calls by code (protocol.ts): the kernel each runs, and how many arguments follow the code. */
const CALLS = new Map<number, [keyof KernelExports, number]>([
  [CALL_GATHER_ROWS, ['gather_rows', 10]],
  [CALL_GATHER_ROWS_Q, ['gather_rows_q', 11]],
  [CALL_UPDATE_ROWS, ['update_rows', 14]],
  [CALL_LOOKUP_UNIQUE, ['lookup_unique', 14]],
  [CALL_ACCUMULATE_UNIQUE, ['accumulate_unique', 7]],
  [CALL_ATTENTION_FORWARD, ['attention_forward', 11]],
  [CALL_ATTENTION_BACKWARD, ['attention_backward', 13]],
  [CALL_BILINEAR_FORWARD, ['bilinear_forward', 9]],
  [CALL_BILINEAR_BACKWARD, ['bilinear_backward', 11]],
  [CALL_CROSS_FORWARD, ['cross_forward', 8]],
  [CALL_CROSS_BACKWARD, ['cross_backward', 10]],
  [CALL_FM_FORWARD, ['fm_forward', 6]],
  [CALL_FM_BACKWARD, ['fm_backward', 7]],
]);

/** Most arguments a pool call takes: every call is made with this many (kernels ignore the rest). */
const MOST_ARGS = Math.max(...[...CALLS.values()].map(([, n]) => n));
if (MOST_ARGS !== 14) throw new Error('internal: split.ts: runCall passes 14 arguments');

/** Each kernel set's pool kernels by call code, looked up once (not by name on every call). */
const byCode = new WeakMap<KernelExports, Map<number, Kernel>>();

/** Runs the call whose code is at `d[o]`, its arguments after it. */
function runCall(k: KernelExports, d: Float64Array, o: number): void {
  let kernels = byCode.get(k);
  if (!kernels) {
    kernels = new Map([...CALLS].map(([code, [name]]) => [code, k[name] as Kernel]));
    byCode.set(k, kernels);
  }
  const f = kernels.get(d[o]);
  if (!f) throw new Error(`internal: kernel call ${d[o]} unknown`);
  // Arguments by index: spreading a typed array into a call is far slower, and these run per table per batch.
  f(
    d[o + 1],
    d[o + 2],
    d[o + 3],
    d[o + 4],
    d[o + 5],
    d[o + 6],
    d[o + 7],
    d[o + 8],
    d[o + 9],
    d[o + 10],
    d[o + 11],
    d[o + 12],
    d[o + 13],
    d[o + 14],
  );
}

const SGEMM_ARGS = 17;
if (SGEMM_ARGS > ARG_SLOTS) throw new Error('internal: protocol: too few argument slots');
