/** Small deterministic PRNG for tests (mulberry32): returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The shared real-data folder (`<repo>/../shared/data`, or $SLIMCTR_SHARED_DATA), or null when
 * it is absent: tests that need it skip with a visible message instead of failing.
 */
export function sharedDataDir(): string | null {
  const dir = process.env.SLIMCTR_SHARED_DATA ?? fileURLToPath(new URL('../../../shared/data', import.meta.url));
  return existsSync(dir) ? dir : null;
}
