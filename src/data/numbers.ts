/**
 * Number and label parsing straight from bytes. Both return NaN for text that is not a valid
 * value; every caller checks and turns that into a DataError (NaN never leaves this module's
 * callers as data).
 */
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
const STRICT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Parses a decimal number (optional sign, digits, fraction, exponent) from buf[s, e). NaN if invalid or empty. */
export function parseNumber(buf: Uint8Array, s: number, e: number): number {
  let i = s;
  let neg = false;
  if (i < e) {
    const c = buf[i];
    if (c === 45) {
      neg = true;
      i++;
    } else if (c === 43) i++;
  }
  let mant = 0;
  let digits = 0;
  while (i < e) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) break;
    mant = mant * 10 + d;
    digits++;
    i++;
  }
  let scale = 0;
  if (i < e && buf[i] === 46) {
    i++;
    while (i < e) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) break;
      mant = mant * 10 + d;
      digits++;
      scale++;
      i++;
    }
  }
  if (i === e && digits > 0 && digits <= 15) {
    const v = scale === 0 ? mant : mant / POW10[scale];
    return neg ? -v : v;
  }
  // Slow path: exponent or long mantissa. Validate the exact syntax, then let JS convert.
  let str = '';
  for (let k = s; k < e; k++) str += String.fromCharCode(buf[k]);
  if (!STRICT.test(str)) return NaN;
  const v = Number(str);
  return Number.isFinite(v) ? v : NaN;
}

/** Parses a number from a JS string with the same rules as parseNumber. */
export function parseNumberString(str: string): number {
  if (!STRICT.test(str)) return NaN;
  const v = Number(str);
  return Number.isFinite(v) ? v : NaN;
}

/** The largest finite float32: model inputs are float32, so a value past it would become Infinity, then NaN. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** True when `v` stays finite as a float32 (the rule every reader applies to a transformed numeric input). */
export function fitsFloat32(v: number): boolean {
  return Math.abs(v) <= FLOAT32_MAX;
}

/** Parses a label: 1 / +1 / 1.0 -> 1; 0 / -1 / 0.0 / -1.0 -> 0. Anything else (empty too) -> NaN. */
export function parseLabel(buf: Uint8Array, s: number, e: number): number {
  const n = e - s;
  if (n === 1) {
    const c = buf[s];
    return c === 49 ? 1 : c === 48 ? 0 : NaN;
  }
  const v = parseNumber(buf, s, e);
  return v === 1 ? 1 : v === 0 || v === -1 ? 0 : NaN;
}
