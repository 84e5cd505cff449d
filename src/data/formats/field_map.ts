/**
 * Field mapping for one-hot libsvm files (`label idx:1 idx:1 ...`, one active index per field, as
 * Frappe, iPinYou and other research sets ship): which field each feature belongs to.
 * - `position`: the k-th feature of a row is field k (fields f0, f1, ...);
 * - `ranges`: named fields, each one or more inclusive index ranges ("0-99");
 * - `featindex`: an FNN-style file of `field:value<TAB>index` lines, read once into ranges (runs
 *   of consecutive indices of one field), so a model does not need the file afterwards.
 * Each field becomes a categorical column whose value is the feature index. Memory is per field
 * or per range, never per distinct index.
 */
import { ConfigError } from '../../util/errors.js';
import { z } from 'zod';
import { DataError } from '../../util/errors.js';
import { readLineChunks } from './chunks.js';

const indexRange = z
  .string({ error: 'expected an index range like "0-99"' })
  .regex(/^\s*\d+\s*-\s*\d+\s*$/, { error: 'expected an index range like "0-99"' });

export const fieldMapSchema = z.discriminatedUnion(
  'by',
  [
    z
      .object({
        by: z.literal('position'),
        fields: z
          .number()
          .int()
          .positive()
          .optional()
          .describe('fields per row (default: the most features any row has)'),
      })
      .strict(),
    z
      .object({
        by: z.literal('ranges'),
        ranges: z
          .record(z.string().min(1), z.union([indexRange, z.array(indexRange).min(1)]))
          .refine((r) => Object.keys(r).length > 0, 'give at least one field'),
      })
      .strict(),
    z.object({ by: z.literal('featindex'), file: z.string().min(1, { error: 'expected a file path' }) }).strict(),
  ],
  { error: 'expected field_map.by to be position, ranges or featindex' },
);

type FieldMapConfig = z.output<typeof fieldMapSchema>;
/** A field map needing no file: what TableSpec and saved models hold. */
export type ResolvedFieldMap = Exclude<FieldMapConfig, { by: 'featindex' }> & { fields?: number };

const parseRange = (s: string): [number, number] => {
  const [lo, hi] = s.split('-').map((x) => Number(x.trim()));
  return [lo, hi];
};

/** Field names and, for ranges, a sorted lookup from index to field. */
export class FieldLookup {
  readonly names: string[];
  private readonly lo: Float64Array;
  private readonly hi: Float64Array;
  private readonly field: Int32Array;
  readonly positional: boolean;

  constructor(map: ResolvedFieldMap) {
    this.positional = map.by === 'position';
    if (map.by === 'position') {
      if (!map.fields)
        throw new Error('internal: field_map.by position needs the number of fields (scanned by tableSpecOf)');
      this.names = Array.from({ length: map.fields }, (_, i) => `f${i}`);
      this.lo = this.hi = new Float64Array(0);
      this.field = new Int32Array(0);
      return;
    }
    this.names = Object.keys(map.ranges);
    const spans = this.names
      .flatMap((name, f) => {
        const r = map.ranges[name];
        return (Array.isArray(r) ? r : [r]).map((s) => [...parseRange(s), f] as [number, number, number]);
      })
      .sort((a, b) => a[0] - b[0]);
    spans.forEach(([lo, hi], i) => {
      if (hi < lo) throw new ConfigError('dataset.field_map', `range ${lo}-${hi} ends before it starts`);
      if (i > 0 && lo <= spans[i - 1][1])
        throw new ConfigError(
          'dataset.field_map',
          `ranges of ${this.names[spans[i - 1][2]]} and ${this.names[spans[i][2]]} overlap at index ${lo}`,
        );
    });
    this.lo = Float64Array.from(spans, (s) => s[0]);
    this.hi = Float64Array.from(spans, (s) => s[1]);
    this.field = Int32Array.from(spans, (s) => s[2]);
  }

  /** Field of feature index `index` (ranges), or -1 when no range holds it. */
  fieldOf(index: number): number {
    let a = 0,
      b = this.lo.length - 1;
    while (a <= b) {
      const m = (a + b) >> 1;
      if (index < this.lo[m]) b = m - 1;
      else if (index > this.hi[m]) a = m + 1;
      else return this.field[m];
    }
    return -1;
  }
}

/** The most features on any line of a libsvm file (the field count of a positional map). */
export async function maxFeaturesPerRow(file: string): Promise<number> {
  let best = 0;
  for await (const { buf } of readLineChunks(file)) {
    let count = 0,
      inToken = false,
      first = true;
    for (let i = 0; i <= buf.length; i++) {
      const b = i < buf.length ? buf[i] : 10;
      if (b === 10) {
        if (count > best) best = count;
        count = 0;
        inToken = false;
        first = true;
      } else if (b === 32 || b === 9 || b === 13) {
        inToken = false;
      } else if (!inToken) {
        inToken = true;
        if (first) first = false;
        else count++;
      }
    }
  }
  return best;
}

/**
 * Reads an FNN-style featindex file (`field:value<TAB>index` per line; the field is the text before
 * the first ':') into ranges: consecutive indices of one field form one range.
 */
export async function rangesFromFeatindex(file: string): Promise<ResolvedFieldMap> {
  const ranges: Record<string, string[]> = {};
  const spans: [number, number, string][] = [];
  let line = 0;
  let rest = '';
  const take = (text: string): void => {
    line++;
    if (!text.trim()) return;
    const tab = text.lastIndexOf('\t');
    const colon = text.indexOf(':');
    const index = Number(text.slice(tab + 1).trim());
    if (tab < 0 || colon < 0 || colon > tab || !Number.isSafeInteger(index) || index < 0) {
      throw new DataError(file, line, 0, `expected 'field:value<TAB>index', got '${text.slice(0, 80)}'`);
    }
    spans.push([index, index, text.slice(0, colon)]);
    // Merge as we go: featindex files list each field's indices in a run, so this stays per field.
    const n = spans.length;
    if (n > 1 && spans[n - 2][2] === spans[n - 1][2] && spans[n - 2][1] + 1 === index) {
      spans[n - 2][1] = index;
      spans.pop();
    }
  };
  for await (const { buf } of readLineChunks(file)) {
    const lines = (rest + buf.toString('utf8')).split('\n');
    rest = lines.pop() ?? '';
    lines.forEach(take);
  }
  if (rest) take(rest);
  if (!spans.length) throw new DataError(file, 1, 0, 'the featindex file is empty');
  for (const [lo, hi, name] of spans) (ranges[name] ??= []).push(`${lo}-${hi}`);
  return { by: 'ranges', ranges };
}
