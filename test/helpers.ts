/** Small deterministic PRNG for tests (mulberry32): returns floats in [0, 1). */
export { mulberry32 } from '../src/util/random.js';

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
