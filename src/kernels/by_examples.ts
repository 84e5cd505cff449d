/**
 * Per-example kernels (attention, bilinear, cross layer) as pool calls: each call covers a range of
 * examples, and `runByExamples` deals a batch out in one range per thread. Every example is
 * computed the same way whatever the split, so results do not depend on the thread count.
 */
import type { Engine } from './engine.js';

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
