import { UsageError } from '../util/errors.js';

/** A numeric flag value checked by `check` (undefined when absent); a bad value is a UsageError naming the flag. */
export function numberFlag(
  name: string,
  v: string | undefined,
  check: (n: number) => boolean,
  what: string,
): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || !check(n)) throw new UsageError(`--${name} must be ${what}, got '${v}'`);
  return n;
}
