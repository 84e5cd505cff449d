/**
 * Fitted encoders for every feature: the schema the trainer sizes its embedding tables from,
 * saved as plain JSON inside model files and reused by eval / predict / serve.
 */
import { z } from 'zod';
import { sha256Hex } from '../../platform/node.js';
import { DataError, ModelFileError } from '../../util/errors.js';
import { HASH_NAME } from '../hash.js';
import { fitsFloat32, parseNumber, parseNumberString } from '../numbers.js';
import { Vocabulary, hashBucketOfBytes, hashBucketOfString, MISSING_ID } from './categorical.js';
import { applyDense, criteoBucket, type DenseParams } from './numeric.js';

export type CategoricalField =
  | { name: string; encoder: 'vocab'; min_count: number; vocab: Vocabulary }
  | { name: string; encoder: 'hash'; buckets: number }
  | { name: string; encoder: 'criteo_bucket'; min_count: number; fill: number | null; vocab: Vocabulary };

export interface DenseField extends DenseParams {
  name: string;
}

/** A list of strings, checked in one loop (zod's per-element checks take seconds on vocabularies of millions). */
const stringList = (ok: (s: string) => boolean, what: string) =>
  z.custom<string[]>((v) => Array.isArray(v) && v.every((s) => typeof s === 'string' && ok(s)), {
    message: `expected a list of ${what}`,
  });

const catJson = z.discriminatedUnion('encoder', [
  z.object({
    name: z.string(),
    encoder: z.literal('vocab'),
    min_count: z.number().int().positive(),
    values: stringList(() => true, 'strings'),
  }),
  z.object({ name: z.string(), encoder: z.literal('hash'), buckets: z.number().int().positive() }),
  z.object({
    name: z.string(),
    encoder: z.literal('criteo_bucket'),
    min_count: z.number().int().positive(),
    fill: z.number().nullable(),
    values: stringList((s) => /^-?\d+$/.test(s), 'integer strings'),
  }),
]);
const denseJson = z.object({
  name: z.string(),
  transform: z.enum(['none', 'minmax', 'standard', 'log1p']),
  fill: z.number(),
  shift: z.number(),
  scale: z.number(),
});
const encodersJsonSchema = z.object({
  format: z.literal('slimctr-encoders'),
  version: z.literal(1),
  hash: z.literal(HASH_NAME),
  label: z.string().nullable(),
  categorical: z.array(catJson),
  dense: z.array(denseJson),
});
export type EncodersJSON = z.infer<typeof encodersJsonSchema>;

/** One raw row for encodeRow: column name -> value, or values in `inputColumns` order. */
export type RawRow =
  | Record<string, string | number | null | undefined>
  | readonly (string | number | null | undefined)[];

export interface EncodedRow {
  ids: Int32Array;
  dense: Float32Array;
}

export class Encoders {
  constructor(
    /** Label column, or null when the data had none. */
    readonly label: string | null,
    /** Fields fed to the model as ids, in `ids` order. */
    readonly categorical: readonly CategoricalField[],
    /** Fields fed as dense floats, in `dense` order. */
    readonly dense: readonly DenseField[],
  ) {}

  get numCategorical(): number {
    return this.categorical.length;
  }

  get numDense(): number {
    return this.dense.length;
  }

  /** Embedding table size of each categorical field (ids are 0..size-1). */
  get vocabSizes(): number[] {
    return this.categorical.map((f) => (f.encoder === 'hash' ? f.buckets + 1 : f.vocab.size));
  }

  /** Column names a raw row needs, in the order encodeRow expects an array: categorical fields, then dense. */
  get inputColumns(): string[] {
    return [...this.categorical.map((f) => f.name), ...this.dense.map((f) => f.name)];
  }

  toJSON(): EncodersJSON {
    return {
      format: 'slimctr-encoders',
      version: 1,
      hash: HASH_NAME,
      label: this.label,
      categorical: this.categorical.map((f) => {
        if (f.encoder === 'hash') return { name: f.name, encoder: 'hash', buckets: f.buckets };
        if (f.encoder === 'vocab')
          return { name: f.name, encoder: 'vocab', min_count: f.min_count, values: [...f.vocab.values] };
        return {
          name: f.name,
          encoder: 'criteo_bucket',
          min_count: f.min_count,
          fill: f.fill,
          values: [...f.vocab.values],
        };
      }),
      dense: this.dense.map((f) => ({
        name: f.name,
        transform: f.transform,
        fill: f.fill,
        shift: f.shift,
        scale: f.scale,
      })),
    };
  }

  /** Rebuilds encoders from toJSON() output; throws ModelFileError when it is not valid. */
  static fromJSON(json: unknown, source = 'encoders'): Encoders {
    const r = encodersJsonSchema.safeParse(json);
    if (!r.success) {
      const iss = r.error.issues[0];
      throw new ModelFileError(source, `invalid encoders at ${iss.path.join('.') || '(root)'}: ${iss.message}`);
    }
    const j = r.data;
    const cats: CategoricalField[] = j.categorical.map((f) => {
      if (f.encoder === 'hash') return f;
      if (f.encoder === 'vocab')
        return { name: f.name, encoder: 'vocab', min_count: f.min_count, vocab: new Vocabulary(f.values) };
      return {
        name: f.name,
        encoder: 'criteo_bucket',
        min_count: f.min_count,
        fill: f.fill,
        vocab: new Vocabulary(f.values, true),
      };
    });
    return new Encoders(
      j.label,
      cats,
      j.dense.map((d) => ({ ...d })),
    );
  }

  /** sha256 of the JSON form: names the fitted state in cache manifests and model files. */
  hash(): string {
    return sha256Hex([new TextEncoder().encode(JSON.stringify(this.toJSON()))]);
  }

  /**
   * Encodes one raw row (the HTTP server's path). Missing keys, null, undefined and '' are
   * missing values; unseen categories get the OOV id. A value that is not a number in a
   * numeric column throws DataError(source, 1, column index, ...) naming the column.
   */
  encodeRow(row: RawRow, out?: EncodedRow, source = 'row'): EncodedRow {
    const ids = out?.ids ?? new Int32Array(this.categorical.length);
    const dense = out?.dense ?? new Float32Array(this.dense.length);
    this.encodeInto(row, ids, 0, dense, 0, source);
    return { ids, dense };
  }

  /** encodeRow writing at ids[idsAt...] and dense[denseAt...]: many rows into one block, nothing allocated per row. */
  encodeInto(row: RawRow, ids: Int32Array, idsAt: number, dense: Float32Array, denseAt: number, source: string): void {
    const list = Array.isArray(row) ? (row as readonly unknown[]) : null;
    const byName = row as Record<string, unknown>;
    const cats = this.categorical,
      nc = cats.length;
    for (let i = 0; i < nc; i++) {
      const f = cats[i];
      const raw = list ? list[i] : byName[f.name];
      if (f.encoder === 'criteo_bucket') ids[idsAt + i] = bucketId(f, numberOf(raw, f.name, i, source));
      else if (typeof raw === 'number') ids[idsAt + i] = this.idOfNumber(i, raw, source);
      else if (f.encoder === 'vocab') ids[idsAt + i] = f.vocab.idOfString(textOf(raw));
      else ids[idsAt + i] = hashBucketOfString(textOf(raw), f.buckets);
    }
    for (let j = 0; j < this.dense.length; j++) {
      const f = this.dense[j];
      dense[denseAt + j] = denseInput(f, numberOf(list ? list[nc + j] : byName[f.name], f.name, nc + j, source));
    }
  }

  /**
   * Categorical field i's id of the raw value written buf[s, e) (empty: missing), with the rules of
   * encodeInto for the same text as a string; a criteo_bucket field reads it as a number by the
   * file readers' rules (else a DataError naming the column).
   */
  idOfText(i: number, buf: Uint8Array, s: number, e: number, source: string): number {
    const f = this.categorical[i];
    if (f.encoder === 'vocab') return f.vocab.idOfBytes(buf, s, e);
    if (f.encoder === 'hash') return hashBucketOfBytes(buf, s, e, f.buckets);
    return bucketId(f, numberOfText(buf, s, e, f.name, i, source));
  }

  /**
   * Categorical field i's id of a raw number: a vocab or hash field takes its decimal text (5 and
   * "5" are one category; a bigint is an int64 beyond 2^53, written exactly), a criteo_bucket field
   * the number itself.
   */
  idOfNumber(i: number, v: number | bigint, source: string): number {
    const f = this.categorical[i];
    const shown = () => String(v);
    if (f.encoder === 'criteo_bucket') return bucketId(f, checkedNumber(Number(v), shown, f.name, i, source));
    if (typeof v === 'number' && Number.isSafeInteger(v))
      return this.idOfText(i, DIGITS, decimalInto(v), DIGITS.length, source);
    const text = String(v);
    return f.encoder === 'vocab' ? f.vocab.idOfString(text) : hashBucketOfString(text, f.buckets);
  }

  /** Dense field j's model input for a raw number (null: missing); a DataError naming the column when it is not finite or not a float32. */
  denseOf(j: number, v: number | null, source: string): number {
    const f = this.dense[j];
    const k = this.categorical.length + j;
    return denseInput(f, v === null ? null : checkedNumber(v, () => String(v), f.name, k, source));
  }

  /** Dense field j's model input for the raw text buf[s, e) (empty: missing), read by the file readers' rules. */
  denseOfText(j: number, buf: Uint8Array, s: number, e: number, source: string): number {
    const f = this.dense[j];
    return denseInput(f, numberOfText(buf, s, e, f.name, this.categorical.length + j, source));
  }
}

/** A criteo_bucket field's id of a raw number (null: missing, then its fill if it has one). */
function bucketId(f: Extract<CategoricalField, { encoder: 'criteo_bucket' }>, v: number | null): number {
  const x = v ?? f.fill;
  return x === null ? MISSING_ID : f.vocab.idOfInt(criteoBucket(x));
}

/** A dense field's model input for a raw number (null: missing, then its fill). */
function denseInput(f: DenseField, v: number | null): number {
  return applyDense(f, v ?? f.fill);
}

/** Scratch for the decimal text of a safe integer, written at its end. */
const DIGITS = new Uint8Array(24);

/** Writes v's decimal text (a safe integer, as String(v) gives it) at the end of DIGITS; returns where it starts. */
function decimalInto(v: number): number {
  let at = DIGITS.length,
    n = Math.abs(v);
  do {
    DIGITS[--at] = 48 + (n % 10);
    n = Math.floor(n / 10);
  } while (n > 0);
  if (v < 0) DIGITS[--at] = 45;
  return at;
}

/** A raw categorical value as its text ('' when missing). */
function textOf(v: unknown): string {
  return v === null || v === undefined ? '' : String(v);
}

/**
 * x if it can be a model input (finite, within float32), else a DataError naming column k;
 * `shown()` writes the raw value as the request gave it. The one number rule of every request form.
 */
function checkedNumber(x: number, shown: () => string, name: string, k: number, source: string): number {
  if (!Number.isFinite(x)) throw new DataError(source, 1, k + 1, `column ${name}: expected a number, got ${shown()}`);
  if (!fitsFloat32(x))
    throw new DataError(source, 1, k + 1, `column ${name}: ${shown()} is out of the float32 range (|x| <= 3.4e38)`);
  return x;
}

/** The number written buf[s, e) (null when empty), read by the file readers' rules; else a DataError naming column k. */
function numberOfText(buf: Uint8Array, s: number, e: number, name: string, k: number, source: string): number | null {
  if (s === e) return null;
  const shown = () => JSON.stringify(new TextDecoder().decode(buf.subarray(s, e)));
  return checkedNumber(parseNumber(buf, s, e), shown, name, k, source);
}

/** A raw numeric value (null when missing), read by the file readers' rules (no spaces); else a DataError naming column k. */
function numberOf(v: unknown, name: string, k: number, source: string): number | null {
  if (v === null || v === undefined || v === '') return null;
  const x = typeof v === 'number' ? v : parseNumberString(String(v));
  return checkedNumber(x, () => JSON.stringify(v), name, k, source);
}
