/** Numeric transforms (fitted statistics) and the Criteo bucketing. */

type NumericTransform = 'none' | 'minmax' | 'standard' | 'log1p' | 'criteo_bucket';

/** Running statistics of a numeric column over the training rows (Welford). */
export class NumericStats {
  count = 0;
  missing = 0;
  min = Infinity;
  max = -Infinity;
  mean = 0;
  private m2 = 0;

  add(v: number): void {
    this.count++;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    const d = v - this.mean;
    this.mean += d / this.count;
    this.m2 += d * (v - this.mean);
  }

  get std(): number {
    return this.count > 1 ? Math.sqrt(this.m2 / this.count) : 0;
  }
}

/** Criteo bucketing used by public benchmarks: v > 2 -> floor(ln(v)^2), else trunc(v) (int32-clamped). */
export function criteoBucket(v: number): number {
  if (v > 2) return Math.floor(Math.log(v) ** 2);
  const t = Math.trunc(v);
  return Math.max(t, -2147483648);
}

/** Fitted parameters of a dense numeric feature: out = (transformed(v) - shift) * scale. */
export interface DenseParams {
  transform: Exclude<NumericTransform, 'criteo_bucket'>;
  fill: number;
  shift: number;
  scale: number;
}

/** Signed log1p: sign(v) * ln(1 + |v|), defined for every finite v (Criteo has negative integers). */
function slog1p(v: number): number {
  return v < 0 ? -Math.log1p(-v) : Math.log1p(v);
}

export function denseParams(
  transform: DenseParams['transform'],
  stats: NumericStats,
  fill: number | 'mean' | undefined,
): DenseParams {
  const f = fill === 'mean' ? (stats.count > 0 ? stats.mean : 0) : (fill ?? 0);
  if (transform === 'minmax') {
    const lo = stats.count > 0 ? stats.min : 0;
    const range = stats.count > 0 ? stats.max - stats.min : 0;
    return { transform, fill: f, shift: lo, scale: range > 0 ? 1 / range : 1 };
  }
  if (transform === 'standard') {
    const sd = stats.std;
    return { transform, fill: f, shift: stats.count > 0 ? stats.mean : 0, scale: sd > 0 ? 1 / sd : 1 };
  }
  return { transform, fill: f, shift: 0, scale: 1 };
}

/** Applies fitted dense parameters to a raw (finite) value. */
export function applyDense(p: DenseParams, v: number): number {
  return ((p.transform === 'log1p' ? slog1p(v) : v) - p.shift) * p.scale;
}
