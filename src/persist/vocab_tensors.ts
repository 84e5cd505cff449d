/**
 * Vocabularies live in tensors of their own, not in the JSON header (whose size readers cap at
 * 100 MiB): the values of categorical field i (encoder 'vocab' or 'criteo_bucket') are stored as
 *   encoders.<i>.utf8     U8  [total bytes]  the values' UTF-8 bytes, concatenated in id order
 *   encoders.<i>.offsets  U64 [count + 1]    byte offset of each value's start, then the total
 * and the field's JSON keeps `values_count` (and no `values`). Value k (id k + 2) is
 * utf8[offsets[k], offsets[k + 1]). Model files of format 1.x kept `values` inline; both read.
 * Works on bytes in memory (any host).
 */
import type { EncodersJSON } from '../data/index.js';
import type { Tensor as FileTensor } from '../io/safetensors.js';
import { ModelFileError } from '../util/errors.js';

const PREFIX = 'encoders.';
const utf8Name = (i: number): string => `${PREFIX}${i}.utf8`;
const offsetsName = (i: number): string => `${PREFIX}${i}.offsets`;

type FieldJson = EncodersJSON['categorical'][number];

/** The encoders' JSON without the value lists, and the tensors holding them. */
export function packVocabularies(encoders: EncodersJSON): {
  json: Record<string, unknown>;
  tensors: Map<string, FileTensor>;
} {
  const tensors = new Map<string, FileTensor>();
  const categorical = encoders.categorical.map((f, i) => {
    if (f.encoder === 'hash') return f;
    const { values, ...rest } = f;
    const { bytes, offsets } = packStrings(values);
    tensors.set(utf8Name(i), { dtype: 'U8', shape: [bytes.length], data: bytes });
    tensors.set(offsetsName(i), { dtype: 'U64', shape: [offsets.length], data: offsets });
    return { ...rest, values_count: values.length };
  });
  return { json: { ...encoders, categorical }, tensors };
}

/**
 * The encoders' JSON with the value lists back in place, read from `tensors` (a 2.x file) or
 * already inline (1.x). Throws ModelFileError naming `file` when a tensor is missing or inconsistent.
 */
export function unpackVocabularies(encoders: unknown, tensors: ReadonlyMap<string, FileTensor>, file: string): unknown {
  if (
    typeof encoders !== 'object' ||
    encoders === null ||
    !Array.isArray((encoders as { categorical?: unknown }).categorical)
  )
    return encoders;
  const e = encoders as { categorical: Record<string, unknown>[] };
  const categorical = e.categorical.map((f, i) => {
    if (f === null || typeof f !== 'object' || !('values_count' in f)) return f;
    const { values_count: count, ...rest } = f;
    const bytes = tensors.get(utf8Name(i));
    const offsets = tensors.get(offsetsName(i));
    const where = `encoders.categorical.${i} (${String(f.name)})`;
    if (bytes?.dtype !== 'U8' || !offsets || offsets.dtype !== 'U64') {
      throw new ModelFileError(
        file,
        `${where}: the vocabulary tensors ${utf8Name(i)} (U8) and ${offsetsName(i)} (U64) are missing`,
      );
    }
    if (!Number.isSafeInteger(count) || offsets.data.length !== (count as number) + 1) {
      throw new ModelFileError(
        file,
        `${where}: values_count ${JSON.stringify(count)} does not match ${offsets.data.length} offsets`,
      );
    }
    return {
      ...rest,
      values: unpackStrings(bytes.data as Uint8Array, offsets.data as BigUint64Array, `${file}: ${where}`),
    } as FieldJson;
  });
  return { ...e, categorical };
}

/** Names of the vocabulary tensors (so weight loading can tell them from model weights). */
export function isVocabularyTensor(name: string): boolean {
  return name.startsWith(PREFIX);
}

function packStrings(values: readonly string[]): { bytes: Uint8Array; offsets: BigUint64Array } {
  const joined = values.join('');
  const bytes = new TextEncoder().encode(joined);
  const offsets = new BigUint64Array(values.length + 1);
  const words = new Uint32Array(offsets.buffer); // little-endian (lo, hi) pairs: no BigInt per value
  const ascii = bytes.length === joined.length; // then byte offsets are string offsets
  const encoder = new TextEncoder();
  let pos = 0;
  for (let k = 0; k <= values.length; k++) {
    words[2 * k] = pos % 0x100000000;
    words[2 * k + 1] = Math.floor(pos / 0x100000000);
    if (k < values.length) pos += ascii ? values[k].length : encoder.encode(values[k]).length;
  }
  return { bytes, offsets };
}

function unpackStrings(bytes: Uint8Array, offsets: BigUint64Array, where: string): string[] {
  const n = offsets.length - 1;
  const at = new Float64Array(offsets.length);
  const words = new Uint32Array(offsets.buffer, offsets.byteOffset, 2 * offsets.length);
  for (let k = 0; k <= n; k++) {
    at[k] = words[2 * k] + words[2 * k + 1] * 0x100000000;
    if ((k === 0 && at[0] !== 0) || (k > 0 && at[k] < at[k - 1]) || at[k] > bytes.length)
      throw new ModelFileError(where, `corrupt vocabulary: offset ${k} is ${offsets[k]}`);
  }
  if (at[n] !== bytes.length)
    throw new ModelFileError(
      where,
      `corrupt vocabulary: offsets end at ${at[n]}, the values hold ${bytes.length} bytes`,
    );
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
      throw new ModelFileError(where, `corrupt vocabulary: value ${k} is not valid UTF-8`);
    }
  }
  return out;
}
