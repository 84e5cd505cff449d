/**
 * The compact columns a vocabulary is stored in (vocab_tensors.ts names the tensors):
 *   'int'  every value a canonical decimal integer of at most 15 digits ("0", "-12"; not "007",
 *          "+1" or "-0"): the values in id order as LEB128 varints of the zigzagged difference
 *          to the previous value (the first to 0). Ids run most frequent first, ties by value,
 *          so the long tail of rare values gives small steps.
 *   'hex'  every value lowercase hexadecimal of one width of at most 13 digits ("000a3f2c", as
 *          Criteo's categorical values): the same varints over the values read in base 16,
 *          printed back padded to the width.
 *   'text' anything else: the UTF-8 bytes concatenated in id order, and each value's byte length
 *          in the narrowest of U8, U16, U32 that holds the longest.
 * Decoding gives back exactly the strings encoded. Works on bytes in memory (any host).
 */

export type ValuesAs = 'int' | 'hex' | 'text';

const CANONICAL_INT = /^(0|-?[1-9]\d{0,14})$/;
const HEX = /^[0-9a-f]{1,13}$/;

/** The column kind for `values` and, for 'hex', the width. */
export function columnKind(values: readonly string[]): { as: ValuesAs; width?: number } {
  if (values.every((s) => CANONICAL_INT.test(s))) return { as: 'int' };
  const width = values[0]?.length;
  if (values.every((s) => s.length === width && HEX.test(s))) return { as: 'hex', width };
  return { as: 'text' };
}

/** Zigzagged varint steps between consecutive integers (all safe integers, steps included). */
export function encodeSteps(ints: readonly number[]): Uint8Array {
  const out = new Uint8Array(ints.length * 8);
  let n = 0,
    prev = 0;
  for (const v of ints) {
    const d = v - prev;
    prev = v;
    let z = d >= 0 ? 2 * d : -2 * d - 1;
    while (z >= 0x80) {
      out[n++] = (z % 0x80) | 0x80;
      z = Math.floor(z / 0x80);
    }
    out[n++] = z;
  }
  return out.slice(0, n);
}

/** The integers encodeSteps wrote; null when the bytes do not hold exactly `count` of them. */
export function decodeSteps(bytes: Uint8Array, count: number): Float64Array | null {
  const out = new Float64Array(count);
  let at = 0,
    prev = 0;
  for (let k = 0; k < count; k++) {
    let z = 0,
      scale = 1,
      b: number;
    do {
      if (at >= bytes.length || scale > 2 ** 49) return null;
      b = bytes[at++];
      z += (b & 0x7f) * scale;
      scale *= 0x80;
    } while (b & 0x80);
    if (z > Number.MAX_SAFE_INTEGER) return null;
    prev += z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    if (!Number.isSafeInteger(prev)) return null;
    out[k] = prev;
  }
  return at === bytes.length ? out : null;
}

/** Strings of a column kind from their integers; null when an integer is out of the kind's range. */
export function stringsOfInts(ints: Float64Array, as: 'int' | 'hex', width = 0): string[] | null {
  const out = new Array<string>(ints.length);
  for (let k = 0; k < ints.length; k++) {
    const v = ints[k];
    if (as === 'int') {
      if (Math.abs(v) >= 1e15) return null;
      out[k] = String(v);
    } else {
      if (v < 0 || v >= 16 ** width) return null;
      out[k] = v.toString(16).padStart(width, '0');
    }
  }
  return out;
}

/** The integers of 'int' or 'hex' values. */
export function intsOfStrings(values: readonly string[], as: 'int' | 'hex'): number[] {
  return values.map((s) => (as === 'int' ? Number(s) : Number.parseInt(s, 16)));
}

type Lengths = Uint8Array | Uint16Array | Uint32Array;

/** UTF-8 bytes of the values, concatenated, and each value's byte length in the narrowest array. */
export function encodeText(values: readonly string[]): { bytes: Uint8Array; lengths: Lengths } {
  const joined = values.join('');
  const bytes = new TextEncoder().encode(joined);
  const ascii = bytes.length === joined.length; // then byte lengths are string lengths
  const encoder = new TextEncoder();
  const lens = values.map((s) => (ascii ? s.length : encoder.encode(s).length));
  const max = lens.reduce((a, b) => Math.max(a, b), 0);
  const Ctor = max < 2 ** 8 ? Uint8Array : max < 2 ** 16 ? Uint16Array : Uint32Array;
  return { bytes, lengths: Ctor.from(lens) };
}

/**
 * The strings encodeText wrote; a string saying what is wrong when the lengths do not add up to
 * the bytes or a value is not valid UTF-8.
 */
export function decodeText(bytes: Uint8Array, lengths: ArrayLike<number>): string[] | string {
  const n = lengths.length;
  const at = new Float64Array(n + 1);
  for (let k = 0; k < n; k++) at[k + 1] = at[k] + lengths[k];
  if (at[n] !== bytes.length) return `the value lengths add up to ${at[n]} bytes, the values hold ${bytes.length}`;
  return splitUtf8(bytes, at);
}

/** The strings bytes[at[k], at[k + 1]) (at[] checked to be increasing and within the bytes), or what is wrong. */
export function splitUtf8(bytes: Uint8Array, at: Float64Array): string[] | string {
  const n = at.length - 1;
  const out = new Array<string>(n);
  let ascii = true;
  for (let j = 0; j < bytes.length && ascii; j++) ascii = bytes[j] < 0x80;
  if (ascii) {
    // One decode, then substrings: byte offsets are character offsets.
    const text = new TextDecoder('utf-8').decode(bytes);
    for (let k = 0; k < n; k++) out[k] = text.slice(at[k], at[k + 1]);
    return out;
  }
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (let k = 0; k < n; k++) {
    try {
      out[k] = decoder.decode(bytes.subarray(at[k], at[k + 1]));
    } catch {
      return `value ${k} is not valid UTF-8`;
    }
  }
  return out;
}
