/** Small pieces the trainer, fine-tuning and the CLI share: engine threads, epoch batches, the FeatureSpec, reader settings. */
import { availableParallelism } from 'node:os';
import { columnsOf } from '../data/formats/table.js';
import type { Batch, CachedSplit, DatasetConfig, Encoders, TableSpec } from '../data/index.js';
import type { ShuffleMode } from '../data/cache/shuffle.js';
import { backendChoice, type BackendChoice } from '../kernels/backend.js';
import { engine, initEngine, type Engine } from '../kernels/engine.js';
import { ConfigError, UsageError } from '../util/errors.js';
import type { ReaderSettings } from '../persist/model_file.js';
import type { FeatureSpec } from '../models/types.js';

/**
 * The engine with `threads` threads (0: one per core) and the kernel backend asked for (null or
 * undefined: SLIMCTR_BACKEND, else auto), started or restarted as needed; `key` names the thread
 * setting in errors.
 */
export async function ensureEngine(threads: number, backend?: BackendChoice | null, key = 'training.threads'): Promise<Engine> {
  const want = threads > 0 ? threads : availableParallelism();
  let current: Engine | null = null;
  try {
    current = engine();
  } catch {
    current = null;
  }
  const choice = backendChoice(backend ?? undefined);
  if (current && current.threads === want && current.backend.choice === choice) return current;
  try {
    return await initEngine({ threads: want, backend: choice });
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    // Too many threads for the kernel heap (each has its own scratch space): name the setting.
    const detail = `${want} threads cannot start: ${err.message}; use fewer threads`;
    throw key.startsWith('--') ? new UsageError(`${key} ${detail}`) : new ConfigError(key, detail);
  }
}

/** What the model sees, from fitted encoders: categorical fields with vocab sizes, dense fields. */
export function featureSpecOf(encoders: Encoders): FeatureSpec {
  const vocab = encoders.vocabSizes;
  return {
    categorical: encoders.categorical.map((f, i) => ({ name: f.name, vocab: vocab[i] })),
    numeric: encoders.dense.map((f) => f.name),
  };
}

/** Resolved reader settings (detected format included) for the model file. */
export async function readerOf(ds: DatasetConfig, spec: TableSpec): Promise<ReaderSettings> {
  const delimited = spec.format === 'csv' || spec.format === 'tsv';
  return {
    format: spec.format,
    separator: spec.separator,
    header: spec.header,
    // The training file's columns, so that a file without a header can be read later.
    columns: spec.columns ?? (delimited ? await columnsOf(ds.train, spec) : undefined),
    label: ds.label,
    num_fields: spec.numFields,
    multi_value: ds.multi_value,
    // Resolved (a featindex file read into ranges), so reading later needs no other file.
    field_map: spec.fieldMap,
    on_bad_row: ds.on_bad_row,
  };
}

/** A TableSpec for reading another file the way training read its data. */
export function tableSpecFromReader(r: ReaderSettings): Omit<TableSpec, 'format'> & { format?: TableSpec['format'] } {
  return {
    format: r.format as TableSpec['format'] | undefined,
    separator: r.separator,
    header: r.header,
    columns: r.columns,
    numFields: r.num_fields,
    multiValue: r.multi_value,
    fieldMap: r.field_map?.by === 'featindex' ? undefined : r.field_map,
  };
}

/** How training epochs read their rows (the `training` settings of that name). */
export interface ShuffleSettings {
  shuffle: ShuffleMode;
  shuffle_buffer_rows: number;
  shuffle_memory_mb: number;
  seed: number;
}

/** Shuffle seed of an epoch: the batch order of epoch e is fixed by (seed, e). */
export function shuffleSeed(seed: number, epoch: number): number {
  return (seed ^ Math.imul(epoch, 0x9e3779b1)) >>> 0;
}

/** The batches of training epoch `epoch` in the configured order. */
export function epochBatches(split: CachedSplit, s: ShuffleSettings, batchSize: number, epoch: number): Generator<Batch> {
  return split.batches({
    batchSize,
    shuffle: split.resolveShuffle(s.shuffle, s.shuffle_memory_mb * 2 ** 20),
    bufferRows: s.shuffle_buffer_rows,
    seed: shuffleSeed(s.seed, epoch),
  });
}
