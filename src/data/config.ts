/**
 * The `dataset` and `features` sections of the YAML config, as zod schemas. A later session
 * merges them into the full config; `parseDataConfig` validates just these two sections and
 * reports the first problems with their dotted key path.
 */
import { z } from 'zod';
import { ConfigError } from '../util/errors.js';
import { FORMATS } from './formats/table.js';
import { fieldMapSchema } from './formats/field_map.js';

const posInt = (what = 'a positive integer') =>
  z
    .number({ error: `expected ${what}` })
    .int({ error: `expected ${what}` })
    .positive({ error: `expected ${what}` });
const fraction = z
  .number({ error: 'expected a number in [0, 1]' })
  .min(0, { error: 'expected a number in [0, 1]' })
  .max(1, { error: 'expected a number in [0, 1]' });
const path = z.string({ error: 'expected a file path' }).min(1, { error: 'expected a file path' });
/** One file or a list of files read one after another into the same split. */
const paths = z.union([path, z.array(path).min(1, { error: 'expected at least one file path' })], {
  error: 'expected a file path or a list of file paths',
});
/** A 1-based inclusive row range: "1-56000", "56001-64000", "64001-" (open end) or "7". */
const rowRange = z
  .string({ error: 'expected a row range like "1-56000" or "64001-"' })
  .regex(/^\s*\d+\s*(-\s*\d*\s*)?$/, {
    error: 'expected a row range like "1-56000" or "64001-"',
  });

const categoricalFeatureSchema = z
  .object({
    /** vocab: one id per value seen >= min_count times in training; hash: `buckets` ids. */
    encoder: z.enum(['vocab', 'hash'], { error: 'expected vocab or hash' }).default('vocab'),
    min_count: posInt().default(1),
    buckets: posInt().optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.encoder === 'hash' && v.buckets === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['buckets'],
        message: 'required when encoder is hash (a positive integer)',
      });
  });

const numericFeatureSchema = z
  .object({
    /** criteo_bucket: v > 2 -> floor(ln(v)^2), else trunc(v), then a categorical field. */
    transform: z
      .enum(['none', 'minmax', 'standard', 'log1p', 'criteo_bucket'], {
        error: 'expected none, minmax, standard, log1p or criteo_bucket',
      })
      .default('none'),
    /** Value used for a missing cell (before the transform): a number or 'mean' (training mean). For criteo_bucket, omit it to give missing its own id. */
    fill: z.union([z.number(), z.literal('mean')], { error: "expected a number or 'mean'" }).optional(),
    /** criteo_bucket only: buckets seen fewer times in training go to the OOV id. */
    min_count: posInt().default(1),
  })
  .strict();

const featureMap = <T extends z.ZodType>(item: T) =>
  z.record(z.string(), item.nullable(), { error: 'expected a map of column name to options' }).default({});

export const featuresSchema = z
  .object({
    categorical: featureMap(categoricalFeatureSchema).describe(
      'categorical columns: name -> { encoder: vocab|hash, min_count, buckets } (null: defaults)',
    ),
    numeric: featureMap(numericFeatureSchema).describe(
      'numeric columns: name -> { transform: none|minmax|standard|log1p|criteo_bucket, fill, min_count } (null: defaults)',
    ),
  })
  .strict();

const splitSchema = z.discriminatedUnion(
  'by',
  [
    z
      .object({
        by: z.literal('ratio'),
        train: fraction,
        validation: fraction.default(0),
        test: fraction.default(0),
        seed: z.number().int().default(0),
      })
      .strict(),
    z
      .object({ by: z.literal('rows'), train: rowRange, validation: rowRange.optional(), test: rowRange.optional() })
      .strict(),
    z.object({ by: z.literal('files') }).strict(),
  ],
  { error: 'expected split.by to be ratio, rows or files' },
);

export const datasetSchema = z
  .object({
    /** Omitted: detected from the first line of the training file. */
    format: z
      .enum(FORMATS as [string, ...string[]], { error: `expected one of ${FORMATS.join(', ')}` })
      .optional()
      .describe('file format; detected from the first line when omitted'),
    train: path.describe(
      'training data file (plain or gzip); with split.by rows/ratio, also the source of validation and test rows',
    ),
    validation: paths
      .optional()
      .describe(
        'validation file or list of files (alongside split.by rows/ratio when that split has no validation part)',
      ),
    test: paths
      .optional()
      .describe('test file or list of files (alongside split.by rows/ratio when that split has no test part)'),
    separator: z
      .string()
      .length(1, { error: 'expected one character' })
      .optional()
      .describe('field separator for csv/tsv (detected when omitted)'),
    header: z
      .boolean({ error: 'expected true or false' })
      .optional()
      .describe(
        "whether the first line names the columns (detected per file when omitted; a file without one takes the training file's columns)",
      ),
    /** Column names for files without a header (every file of the dataset shares them). */
    columns: z.array(z.string()).optional().describe('column names for files without a header'),
    /** The label column; null for unlabeled data (predict). */
    label: z.string().nullable().default('label').describe('the label column (0/1 or -1/+1); null for unlabeled data'),
    num_fields: posInt().optional().describe('libffm: number of fields'),
    multi_value: z
      .enum(['error', 'first'], { error: 'expected error or first' })
      .default('error')
      .describe('libffm (and libsvm with field_map): a field repeated in a row is an error, or keeps its first value'),
    field_map: fieldMapSchema
      .optional()
      .describe(
        'libsvm one-hot files: which field each feature is, {by: position, fields} (k-th feature = field k), {by: ranges, ranges: {name: "lo-hi"}} or {by: featindex, file} (FNN-style field:value<TAB>index); each field becomes a categorical column f0.. (or the range names) holding the feature index',
      ),
    on_bad_row: z
      .enum(['error', 'skip'], { error: 'expected error or skip' })
      .default('error')
      .describe('a malformed row stops with file:line:column (error) or is counted and skipped'),
    split: splitSchema
      .optional()
      .describe(
        '{by: rows, train: "1-56000", validation: "56001-64000", test: "64001-"} | {by: ratio, train, validation, test, seed} | {by: files}',
      ),
    cache_dir: z
      .string()
      .optional()
      .describe(
        'folder for the binary cache of encoded columns (default: .cache/slimctr/KEY under the working folder)',
      ),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.field_map && v.format !== 'libsvm')
      ctx.addIssue({ code: 'custom', path: ['field_map'], message: 'field_map needs format: libsvm' });
    if (v.split?.by === 'ratio') {
      const sum = v.split.train + v.split.validation + v.split.test;
      if (Math.abs(sum - 1) > 1e-9)
        ctx.addIssue({ code: 'custom', path: ['split'], message: `train + validation + test must be 1, got ${sum}` });
    }
    if (v.split?.by === 'files' && !v.validation && !v.test)
      ctx.addIssue({
        code: 'custom',
        path: ['split'],
        message: 'by: files needs dataset.validation and/or dataset.test',
      });
    for (const part of ['validation', 'test'] as const) {
      const s = v.split;
      const fromSplit = s?.by === 'ratio' ? s[part] > 0 : s?.by === 'rows' ? s[part] !== undefined : false;
      if (fromSplit && v[part] !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [part],
          message: `the ${part} rows come from split (split.${part}) and from this file; keep one`,
        });
    }
  });

/** A dataset's file setting as a list (none, one or several files). */
export const filesOf = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : typeof v === 'string' ? [v] : v;

const dataConfigSchema = z.object({ dataset: datasetSchema, features: featuresSchema }).passthrough();

export type FeaturesConfig = z.infer<typeof featuresSchema>;
export type SplitConfig = z.infer<typeof splitSchema>;
export type DatasetConfig = z.infer<typeof datasetSchema>;
export type DataConfig = z.infer<typeof dataConfigSchema>;

function valueAt(root: unknown, keys: readonly PropertyKey[]): unknown {
  let v = root;
  for (const k of keys) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** Turns zod issues into one ConfigError naming the first problem's dotted path (others follow). */
function configErrorFrom(error: z.ZodError, input: unknown, prefix: readonly string[] = []): ConfigError {
  const lines = error.issues.map((iss) => {
    let keys = [...prefix, ...iss.path.map(String)];
    let detail = iss.message;
    if (iss.code === 'unrecognized_keys') {
      keys = [...keys, iss.keys[0]];
      detail = `unknown key${iss.keys.length > 1 ? ` (also: ${iss.keys.slice(1).join(', ')})` : ''}`;
    } else if (iss.code !== 'custom') {
      const got = valueAt(input, iss.path);
      detail += got === undefined ? ', but it is missing' : `, got ${JSON.stringify(got)}`;
    }
    return { path: keys.join('.'), detail };
  });
  const [first, ...rest] = lines;
  const more = rest.map((l) => `\n  ${l.path}: ${l.detail}`).join('');
  return new ConfigError(first.path, first.detail + more);
}

/** Validates `{ dataset, features, ... }` (other top-level sections pass through untouched). */
export function parseDataConfig(input: unknown): DataConfig {
  const r = dataConfigSchema.safeParse(input);
  if (!r.success) throw configErrorFrom(r.error, input);
  return r.data;
}

/** Parses a 1-based inclusive range string into [first, last] (last = Infinity when open). */
export function parseRowRange(s: string): [number, number] {
  const m = /^\s*(\d+)\s*(?:-\s*(\d*)\s*)?$/.exec(s);
  if (!m) throw new ConfigError('dataset.split', `bad row range '${s}'`);
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : m[2] === '' ? Infinity : Number(m[2]);
  return [a, b];
}
