/**
 * The data pipeline end to end: resolve the dataset config to readers, fit encoders on the
 * training rows, encode every split once into a binary cache, and hand back cached splits.
 * A cache whose key (source file stats, dataset config, encoders) or content hash does not
 * match is rebuilt, never trusted.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '../util/errors.js';
import { BadRows } from './bad_rows.js';
import type { LabelledBatch } from './batch.js';
import { filesOf, type DataConfig, type DatasetConfig } from './config.js';
import { BoundEncoders, EncodedRows, type RowRoute } from './encoders/bound.js';
import { Encoders } from './encoders/encoders.js';
import { EncoderFitter } from './encoders/fit.js';
import {
  columnsOf,
  detectFormat,
  openTable,
  scanSparseWidth,
  type FormatName,
  type TableSpec,
} from './formats/table.js';
import { maxFeaturesPerRow, rangesFromFeatindex, type ResolvedFieldMap } from './formats/field_map.js';
import { writeFileAtomic } from './cache/atomic.js';
import { checkManifest, type CacheKey } from './cache/manifest.js';
import { CachedSplit } from './cache/reader.js';
import { CacheWriter } from './cache/writer.js';
import { splitRoute, splitsOf, type SplitName } from './split.js';

/** Reader settings for a dataset config (format detected from the training file when absent). */
/** The dataset's field map with nothing left to read: a featindex file as ranges, a positional count filled in. */
async function resolveFieldMap(ds: DatasetConfig): Promise<ResolvedFieldMap | undefined> {
  const m = ds.field_map;
  if (!m) return undefined;
  if (m.by === 'featindex') return rangesFromFeatindex(m.file);
  if (m.by === 'position') return { by: 'position', fields: m.fields ?? (await maxFeaturesPerRow(ds.train)) };
  return m;
}

export async function tableSpecOf(ds: DatasetConfig): Promise<TableSpec> {
  let format = ds.format as FormatName | undefined;
  let header = ds.header;
  if (!format) {
    const d = await detectFormat(ds.train);
    format = d.format;
    header ??= d.header;
  }
  const fieldMap = format === 'libsvm' ? await resolveFieldMap(ds) : undefined;
  let numFields = ds.num_fields;
  if ((format === 'libsvm' || format === 'libffm') && numFields === undefined && !fieldMap)
    numFields = await scanSparseWidth(ds.train);
  return {
    format,
    separator: ds.separator,
    header,
    columns: ds.columns,
    numFields,
    multiValue: ds.multi_value,
    fieldMap,
  };
}

/** (file, routes to splits) pairs for a dataset config: the training file (split by rows or ratio, or all training rows), then any validation and test files. */
function sources(ds: DatasetConfig): { file: string; route: RowRoute; splits: SplitName[] }[] {
  const byFiles = !ds.split || ds.split.by === 'files';
  return [
    {
      file: ds.train,
      route: byFiles ? () => 0 : splitRoute(ds.split),
      splits: byFiles ? ['train'] : splitsOf(ds.split),
    },
    ...filesOf(ds.validation).map((file) => ({ file, route: () => 1, splits: ['validation' as const] })),
    ...filesOf(ds.test).map((file) => ({ file, route: () => 2, splits: ['test' as const] })),
  ];
}

/** Every data file the dataset names exists and is a file; else a ConfigError naming the key (before anything is written). */
export function checkDataFiles(ds: DatasetConfig): void {
  const keyed: [string, string][] = [
    ['dataset.train', ds.train],
    ...filesOf(ds.validation).map((f, i, all): [string, string] => [
      all.length > 1 ? `dataset.validation.${i}` : 'dataset.validation',
      f,
    ]),
    ...filesOf(ds.test).map((f, i, all): [string, string] => [
      all.length > 1 ? `dataset.test.${i}` : 'dataset.test',
      f,
    ]),
  ];
  for (const [key, file] of keyed) {
    if (!existsSync(file)) throw new ConfigError(key, `no such file: ${file}`);
    if (!statSync(file).isFile()) throw new ConfigError(key, `${file} is not a file`);
  }
}

/** Reader settings for one file: with the header unset, each file is checked for one; a file without takes the training file's columns. */
async function fileSpec(
  file: string,
  ds: DatasetConfig,
  spec: TableSpec,
  trainColumns: () => Promise<string[]>,
): Promise<TableSpec> {
  if (
    file === ds.train ||
    ds.header !== undefined ||
    spec.format === 'criteo_tsv' ||
    spec.format === 'libsvm' ||
    spec.format === 'libffm'
  )
    return spec;
  if ((await detectFormat(file)).header) return { ...spec, header: true };
  return { ...spec, header: false, columns: ds.columns ?? (await trainColumns()) };
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Hash of the source files' identity (path, size, mtime) and the dataset settings. */
function schemaKey(ds: DatasetConfig, features?: DataConfig['features']): string {
  const files = [ds.train, ...filesOf(ds.validation), ...filesOf(ds.test)].map((f) => {
    const st = statSync(f);
    return [resolve(f), st.size, st.mtimeMs];
  });
  const { cache_dir: _ignored, ...rest } = ds;
  return sha(JSON.stringify({ files, dataset: rest, features: features ?? null }));
}

export interface PrepareOptions {
  /** Default: dataset.cache_dir, else .cache/slimctr/<key> under the working folder. */
  cacheDir?: string;
  /** Reuse fitted encoders (eval / predict); otherwise they are fitted on the training split. */
  encoders?: Encoders;
  /** Progress messages (cache hits, rebuild reasons). */
  log?: (msg: string) => void;
  /** Re-hash cache files on open to detect corruption (default true). */
  verify?: boolean;
}

export interface PreparedData {
  encoders: Encoders;
  splits: Partial<Record<SplitName, CachedSplit>>;
  /** Rows skipped under on_bad_row: skip, with the first examples (from the encoding pass). */
  badRows: BadRows;
  cacheDir: string;
  /** Whether any text was read (false when every split came from the cache). */
  rebuilt: boolean;
}

export async function prepareData(cfg: DataConfig, opts: PrepareOptions = {}): Promise<PreparedData> {
  const ds = cfg.dataset;
  checkDataFiles(ds);
  const log = opts.log ?? (() => {});
  const spec = await tableSpecOf(ds);
  const dataKey = schemaKey(ds, cfg.features);
  const cacheDir = opts.cacheDir ?? ds.cache_dir ?? join(process.cwd(), '.cache', 'slimctr', dataKey.slice(0, 16));
  const srcs = sources(ds);
  const badRows = new BadRows(ds.on_bad_row);

  // 1. Encoders: given, cached from an earlier fit of the same data + features, or fitted now.
  let encoders = opts.encoders;
  const encFile = join(cacheDir, 'encoders.json');
  if (!encoders && existsSync(encFile)) {
    try {
      const saved = JSON.parse(readFileSync(encFile, 'utf8')) as { key: string; encoders: unknown };
      if (saved.key === dataKey) encoders = Encoders.fromJSON(saved.encoders, encFile);
    } catch {
      log(`${encFile}: unreadable, refitting`);
    }
  }
  // 2. Which caches are valid?
  const wanted = [...new Set(srcs.flatMap((s) => s.splits))];
  const splits: Partial<Record<SplitName, CachedSplit>> = {};
  if (encoders) {
    const key: CacheKey = { schema: dataKey, encoders: encoders.hash() };
    for (const name of wanted) {
      const dir = join(cacheDir, name);
      const m = checkManifest(dir, key);
      if (typeof m === 'string') {
        log(`cache ${dir}: ${m}; rebuilding`);
        continue;
      }
      const split = new CachedSplit(dir, m);
      if ((opts.verify ?? true) && !split.verify()) {
        log(`cache ${dir}: content hash mismatch (corrupt); rebuilding`);
        continue;
      }
      splits[name] = split;
    }
    if (wanted.every((n) => splits[n])) return { encoders, splits, badRows, cacheDir, rebuilt: false };
  }
  if (!encoders) {
    const train = srcs[0];
    // Bad rows seen while fitting stop the run ('error') or are skipped here and counted by the encoding pass.
    const fitBad = new BadRows(ds.on_bad_row);
    const t = await openTable(train.file, spec, fitBad);
    const fitter = new EncoderFitter(cfg.features, ds.label, t.columns, train.file);
    for await (const b of t.blocks()) fitter.addBlock(b, fitBad, train.route);
    encoders = fitter.finish();
    writeFileAtomic(encFile, JSON.stringify({ key: dataKey, encoders: encoders.toJSON() }));
    log(`fitted encoders on ${fitter.rows} training rows`);
  }
  // 3. Encode every split once into the cache (a split fed by several files gets them in order).
  const key: CacheKey = { schema: dataKey, encoders: encoders.hash() };
  const slot = (name: SplitName): number => ['train', 'validation', 'test'].indexOf(name);
  const writers = new Map<number, CacheWriter>();
  let trainCols: Promise<string[]> | null = null; // read once, however many headerless files need them
  const trainColumns = (): Promise<string[]> => (trainCols ??= columnsOf(ds.train, spec));
  try {
    for (const src of srcs) {
      const t = await openTable(src.file, await fileSpec(src.file, ds, spec, trainColumns), badRows);
      const bound = new BoundEncoders(encoders, t.columns, src.file, ds.label !== null);
      const outs = [0, 1, 2].map(() => new EncodedRows(bound.nCat, bound.nDense));
      for (const name of src.splits)
        if (!writers.has(slot(name)))
          writers.set(slot(name), new CacheWriter(join(cacheDir, name), bound.nCat, bound.nDense));
      for await (const b of t.blocks()) {
        outs.forEach((o) => o.clear());
        bound.encodeBlock(b, outs, badRows, src.route);
        for (const name of src.splits) writers.get(slot(name))!.append(outs[slot(name)]);
      }
    }
  } catch (err) {
    for (const w of writers.values()) w.abort();
    throw err;
  }
  for (const name of wanted) {
    const m = writers.get(slot(name))!.finish(key, badRows.count);
    splits[name] = new CachedSplit(join(cacheDir, name), m);
  }
  return { encoders, splits, badRows, cacheDir, rebuilt: true };
}

/**
 * Streams encoded batches straight from a text file (no cache): for predict on big files, or
 * any single pass. Rows come in file order; a batch is valid until the next one.
 */
export async function* streamBatches(
  file: string,
  spec: TableSpec,
  encoders: Encoders,
  opts: { batchSize: number; badRows?: BadRows; requireLabel?: boolean },
): AsyncGenerator<LabelledBatch> {
  const bad = opts.badRows ?? new BadRows();
  const t = await openTable(file, spec, bad);
  const bound = new BoundEncoders(encoders, t.columns, file, opts.requireLabel ?? true);
  const nc = bound.nCat;
  const nd = bound.nDense;
  const acc = new EncodedRows(nc, nd, opts.batchSize * 2);
  const flush = (n: number): LabelledBatch => {
    const b = {
      ids: acc.ids.slice(0, n * nc),
      dense: acc.dense.slice(0, n * nd),
      labels: acc.labels.slice(0, n),
      rows: n,
    };
    acc.ids.copyWithin(0, n * nc, acc.rows * nc);
    acc.dense.copyWithin(0, n * nd, acc.rows * nd);
    acc.labels.copyWithin(0, n, acc.rows);
    acc.rows -= n;
    return b;
  };
  for await (const block of t.blocks()) {
    bound.encodeBlock(block, [acc], bad);
    while (acc.rows >= opts.batchSize) yield flush(opts.batchSize);
  }
  if (acc.rows > 0) yield flush(acc.rows);
}
