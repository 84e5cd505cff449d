/** Train / validation / test assignment of data rows by ratio (seeded), row ranges or files. */
import type { SplitConfig } from './config.js';
import { parseRowRange } from './config.js';
import { unitHash } from './hash.js';
import type { RowRoute } from './encoders/bound.js';

const SPLITS = ['train', 'validation', 'test'] as const;
export type SplitName = (typeof SPLITS)[number];

/**
 * Route for rows of one file holding several splits: ordinal (0-based data row) -> 0 train,
 * 1 validation, 2 test, -1 none. Without a split config every row is training data.
 */
export function splitRoute(split: SplitConfig | undefined): RowRoute {
  if (!split || split.by === 'files') return () => 0;
  if (split.by === 'ratio') {
    const a = split.train;
    const b = a + split.validation;
    const c = b + split.test;
    const seed = split.seed;
    return (ord) => {
      const u = unitHash(seed, ord);
      return u < a ? 0 : u < b ? 1 : u < c ? 2 : -1;
    };
  }
  const ranges = [split.train, split.validation, split.test].map((r) => (r === undefined ? null : parseRowRange(r)));
  return (ord) => {
    const row = ord + 1;
    for (let k = 0; k < 3; k++) {
      const r = ranges[k];
      if (r && row >= r[0] && row <= r[1]) return k;
    }
    return -1;
  };
}

/** Which splits a one-file split config produces. */
export function splitsOf(split: SplitConfig | undefined): SplitName[] {
  if (!split || split.by === 'files') return ['train'];
  if (split.by === 'ratio') return SPLITS.filter((s) => s === 'train' || split[s] > 0);
  return SPLITS.filter((s) => split[s] !== undefined);
}
