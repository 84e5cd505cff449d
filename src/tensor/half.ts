/**
 * Half-precision (IEEE binary16) values, for the per-row scales and offsets of quantized tables:
 * rounding a number down or up to the nearest half value, and half values to and from their 16 bits.
 * Every half value is also a float32, so the kernels keep reading float32 scales.
 */

/** The largest finite half value. */
export const HALF_MAX = 65504;
/** Spacing of half values below 2^-14 (subnormals). */
const SUBNORMAL_STEP = 2 ** -24;

/** The spacing of half values around |x| (finite, |x| <= HALF_MAX). */
function step(x: number): number {
  const a = Math.abs(x);
  if (a < 2 ** -14) return SUBNORMAL_STEP;
  return 2 ** (Math.floor(Math.log2(a)) - 10);
}

/** The largest half value <= x. */
export function halfAtMost(x: number): number {
  const s = step(x);
  return Math.floor(x / s) * s;
}

/** The smallest half value >= x. */
export function halfAtLeast(x: number): number {
  const s = step(x);
  return Math.ceil(x / s) * s;
}

/** The 16 bits of `v`, which must be a half value (halfAtMost / halfAtLeast give one). */
export function halfBits(v: number): number {
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a < 2 ** -14) return sign | (a / SUBNORMAL_STEP);
  const e = Math.floor(Math.log2(a));
  return sign | ((e + 15) << 10) | ((a / 2 ** e - 1) * 1024);
}

/** The value of 16 half bits (finite ones: quantized tables hold no others). */
export function halfValue(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 31,
    m = bits & 1023;
  return sign * (e === 0 ? m * SUBNORMAL_STEP : (1 + m / 1024) * 2 ** (e - 15));
}
