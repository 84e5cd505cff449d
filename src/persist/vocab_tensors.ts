/**
 * Vocabularies live in tensors of their own, not in the JSON header (whose size readers cap at
 * 100 MiB). The values of categorical field i (encoder 'vocab' or 'criteo_bucket') are stored in
 * the most compact column that holds them exactly (vocab_columns.ts), named by the field's JSON
 * key `values_as` beside `values_count` (and `values_width` for 'hex'):
 *   'int', 'hex'  encoders.<i>.steps    U8 [bytes]        varint steps between consecutive values
 *   'text'        encoders.<i>.utf8     U8 [bytes]        the values' UTF-8 bytes in id order
 *                 encoders.<i>.lengths  U8|U16|U32 [count] each value's byte length
 * Value k has id k + 2. Read too: format 2.0 (`values_count` without `values_as`: the UTF-8 bytes
 * and a U64 `encoders.<i>.offsets` [count + 1]) and 1.x (`values` inline). Encoder 'hash' stores
 * nothing. Works on bytes in memory (any host).
 */
import type { EncodersJSON } from '../data/index.js';
import type { Tensor as FileTensor } from '../io/safetensors.js';
import { ModelFileError } from '../util/errors.js';
import {
  columnKind,
  decodeSteps,
  decodeText,
  encodeSteps,
  encodeText,
  intsOfStrings,
  splitUtf8,
  stringsOfInts,
} from './vocab_columns.js';

const PREFIX = 'encoders.';
const nameOf = (i: number, part: 'steps' | 'utf8' | 'lengths' | 'offsets'): string => `${PREFIX}${i}.${part}`;

type FieldJson = EncodersJSON['categorical'][number];

/** The encoders' JSON without the value lists, and the tensors holding them. */
export function packVocabularies(encoders: EncodersJSON): {
  json: Record<string, unknown>;
  tensors: Map<string, FileTensor>;
} {
  const tensors = new Map<string, FileTensor>();
  const u8 = (name: string, data: Uint8Array): void => {
    tensors.set(name, { dtype: 'U8', shape: [data.length], data });
  };
  const categorical = encoders.categorical.map((f, i) => {
    if (f.encoder === 'hash') return f;
    const { values, ...rest } = f;
    const kind = columnKind(values);
    if (kind.as === 'text') {
      const { bytes, lengths } = encodeText(values);
      u8(nameOf(i, 'utf8'), bytes);
      const dtype = lengths instanceof Uint8Array ? 'U8' : lengths instanceof Uint16Array ? 'U16' : 'U32';
      tensors.set(nameOf(i, 'lengths'), { dtype, shape: [lengths.length], data: lengths });
    } else u8(nameOf(i, 'steps'), encodeSteps(intsOfStrings(values, kind.as)));
    const width = kind.width === undefined ? {} : { values_width: kind.width };
    return { ...rest, values_count: values.length, values_as: kind.as, ...width };
  });
  return { json: { ...encoders, categorical }, tensors };
}

/**
 * The encoders' JSON with the value lists back in place, read from `tensors` (format 2.x and
 * later) or already inline (1.x). Throws ModelFileError naming `file` when a tensor is missing or
 * inconsistent.
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
    const { values_count: count, values_as: as, values_width: width, ...rest } = f;
    const where = `encoders.categorical.${i} (${String(f.name)})`;
    if (!Number.isSafeInteger(count) || (count as number) < 0)
      throw new ModelFileError(file, `${where}: bad values_count ${JSON.stringify(count)}`);
    const values = readValues(i, as, width, count as number, tensors, file, where);
    if (typeof values === 'string') throw new ModelFileError(file, `${where}: corrupt vocabulary: ${values}`);
    return { ...rest, values } as FieldJson;
  });
  return { ...e, categorical };
}

/** Names of the vocabulary tensors (so weight loading can tell them from model weights). */
export function isVocabularyTensor(name: string): boolean {
  return name.startsWith(PREFIX);
}

/** Field i's values from its tensors, or what is wrong with them. */
function readValues(
  i: number,
  as: unknown,
  width: unknown,
  count: number,
  tensors: ReadonlyMap<string, FileTensor>,
  file: string,
  where: string,
): string[] | string {
  const need = (part: 'steps' | 'utf8' | 'lengths' | 'offsets', dtypes: string[]): FileTensor => {
    const t = tensors.get(nameOf(i, part));
    if (!t || !dtypes.includes(t.dtype))
      throw new ModelFileError(
        file,
        `${where}: the vocabulary tensor ${nameOf(i, part)} (${dtypes.join('|')}) is missing`,
      );
    return t;
  };
  if (as === 'int' || as === 'hex') {
    if (as === 'hex' && !(Number.isInteger(width) && (width as number) >= 1 && (width as number) <= 13))
      return `bad values_width ${JSON.stringify(width)}`;
    const ints = decodeSteps(need('steps', ['U8']).data as Uint8Array, count);
    if (!ints) return `${nameOf(i, 'steps')} does not hold ${count} values`;
    return stringsOfInts(ints, as, width as number) ?? `${nameOf(i, 'steps')} holds a value out of range for '${as}'`;
  }
  if (as === 'text') {
    const lengths = need('lengths', ['U8', 'U16', 'U32']).data as Uint8Array | Uint16Array | Uint32Array;
    if (lengths.length !== count) return `values_count ${count} does not match ${lengths.length} lengths`;
    return decodeText(need('utf8', ['U8']).data as Uint8Array, lengths);
  }
  if (as !== undefined) return `unknown values_as ${JSON.stringify(as)}`;
  // Format 2.0: UTF-8 bytes and U64 offsets.
  const bytes = need('utf8', ['U8']).data as Uint8Array;
  const offsets = need('offsets', ['U64']).data as BigUint64Array;
  if (offsets.length !== count + 1) return `values_count ${count} does not match ${offsets.length} offsets`;
  const at = new Float64Array(offsets.length);
  const words = new Uint32Array(offsets.buffer, offsets.byteOffset, 2 * offsets.length); // little-endian (lo, hi)
  for (let k = 0; k <= count; k++) {
    at[k] = words[2 * k] + words[2 * k + 1] * 0x100000000;
    if ((k === 0 && at[0] !== 0) || (k > 0 && at[k] < at[k - 1]) || at[k] > bytes.length)
      return `offset ${k} is ${offsets[k]}`;
  }
  if (at[count] !== bytes.length) return `offsets end at ${at[count]}, the values hold ${bytes.length} bytes`;
  return splitUtf8(bytes, at);
}
