/**
 * The interaction kernels (attention, bilinear, cross layer) as pool calls: each call covers a range of
 * examples, and `runByExamples` deals a batch out in one range per thread. Every example is
 * computed the same way whatever the split, so results do not depend on the thread count.
 */
import type { Engine } from './engine.js';
import type { KernelExports } from './exports.js';
import {
  CALL_ATTENTION_BACKWARD,
  CALL_ATTENTION_FORWARD,
  CALL_BILINEAR_BACKWARD,
  CALL_BILINEAR_FORWARD,
  CALL_CROSS_BACKWARD,
  CALL_CROSS_FORWARD,
} from './protocol.js';

/** Runs the call at `d[o]` if it is an interaction kernel; false if the code is not one. */
export function runInteractionCall(k: KernelExports, d: Float64Array, o: number): boolean {
  const a = (i: number): number => d[o + i];
  switch (d[o]) {
    case CALL_ATTENTION_FORWARD:
      k.attention_forward(a(1), a(2), a(3), a(4), a(5), a(6), a(7), a(8), a(9), a(10), a(11));
      return true;
    case CALL_ATTENTION_BACKWARD:
      k.attention_backward(a(1), a(2), a(3), a(4), a(5), a(6), a(7), a(8), a(9), a(10), a(11), a(12), a(13));
      return true;
    case CALL_BILINEAR_FORWARD:
      k.bilinear_forward(a(1), a(2), a(3), a(4), a(5), a(6), a(7), a(8), a(9));
      return true;
    case CALL_BILINEAR_BACKWARD:
      k.bilinear_backward(a(1), a(2), a(3), a(4), a(5), a(6), a(7), a(8), a(9), a(10), a(11));
      return true;
    case CALL_CROSS_FORWARD:
      k.cross_forward(a(1), a(2), a(3), a(4), a(5), a(6), a(7), a(8));
      return true;
    case CALL_CROSS_BACKWARD:
      k.cross_backward(a(1), a(2), a(3), a(4), a(5), a(6), a(7), a(8), a(9), a(10));
      return true;
    default:
      return false;
  }
}

/**
 * Splits examples [0, B) into one contiguous range per thread and runs `call(b0, b1, part)` on
 * each (a kernel call descriptor, see protocol.ts); `part` numbers the range (for per-range scratch).
 */
export function runByExamples(e: Engine, B: number, call: (b0: number, b1: number, part: number) => number[]): void {
  const parts = Math.max(1, Math.min(e.threads, B));
  const chunk = Math.ceil(B / parts);
  const calls: number[][] = [];
  for (let p = 0; p * chunk < B; p++) calls.push(call(p * chunk, Math.min(B, (p + 1) * chunk), p));
  e.runCalls(calls);
}
