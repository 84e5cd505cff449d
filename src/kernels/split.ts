import {
  ARG_SLOTS,
  CALL_ACCUMULATE_UNIQUE,
  CALL_GATHER_ROWS,
  CALL_LOOKUP_UNIQUE,
  CALL_SLOTS,
  CALL_UPDATE_ROWS,
  TASK_BATCHED_SGEMM,
  TASK_CALLS,
  TASK_SGEMM,
} from './protocol.js';
import type { KernelExports } from './exports.js';
import { runInteractionCall } from './interaction_calls.js';

/** Rows [m0, m1) of an M-row output that thread `index` of `threads` computes (multiples of 4). */
export function rowRange(M: number, index: number, threads: number): [number, number] {
  const chunk = Math.ceil(M / threads / 4) * 4;
  const m0 = Math.min(M, index * chunk);
  return [m0, Math.min(M, m0 + chunk)];
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
  if (task === TASK_SGEMM) {
    const M = args[2];
    const [m0, m1] = rowRange(M, index, threads);
    if (m0 < m1) {
      k.sgemm(
        args[0],
        args[1],
        M,
        args[3],
        args[4],
        args[5],
        args[6],
        args[7],
        args[8],
        args[9],
        args[10],
        args[11],
        args[12],
        m0,
        m1,
        work,
      );
    }
  } else if (task === TASK_BATCHED_SGEMM) {
    // args[13] = batch count, [14..16] = byte strides of A, B, C between batch items.
    const count = args[13];
    for (let b = index; b < count; b += threads) {
      k.sgemm(
        args[0],
        args[1],
        args[2],
        args[3],
        args[4],
        args[5],
        args[6] + b * args[14],
        args[7],
        args[8] + b * args[15],
        args[9],
        args[10],
        args[11] + b * args[16],
        args[12],
        0,
        args[2],
        work,
      );
    }
  } else if (task === TASK_CALLS) {
    const count = args[0];
    // The heap may have grown since `args` was made: view the current buffer.
    const table = new Float64Array(memory.buffer, args[1], count * CALL_SLOTS);
    for (let i = index; i < count; i += threads) runCall(k, table, i * CALL_SLOTS);
  }
}

function runCall(k: KernelExports, d: Float64Array, o: number): void {
  switch (d[o]) {
    case CALL_GATHER_ROWS:
      k.gather_rows(
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
      );
      break;
    case CALL_UPDATE_ROWS:
      k.update_rows(
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
      break;
    case CALL_LOOKUP_UNIQUE:
      k.lookup_unique(
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
      break;
    case CALL_ACCUMULATE_UNIQUE:
      k.accumulate_unique(d[o + 1], d[o + 2], d[o + 3], d[o + 4], d[o + 5], d[o + 6], d[o + 7]);
      break;
    default:
      if (!runInteractionCall(k, d, o))
        throw new Error(`internal: kernel call ${d[o]} unknown (caller and worker share one protocol)`);
  }
}

export const SGEMM_ARGS = 17;
if (SGEMM_ARGS > ARG_SLOTS) throw new Error('internal: protocol: too few argument slots');
