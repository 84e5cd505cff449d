/** Small pieces the trainer and the CLI share: engine threads, the FeatureSpec, reader settings. */
import { availableParallelism } from 'node:os';
import { columnsOf } from '../data/formats/table.js';
import type { DatasetConfig, Encoders, TableSpec } from '../data/index.js';
import { backendChoice, type BackendChoice } from '../kernels/backend.js';
import { engine, initEngine, type Engine } from '../kernels/engine.js';
import type { ReaderSettings } from '../persist/model_file.js';
import type { FeatureSpec } from '../models/types.js';

/**
 * The engine with `threads` threads (0: one per core) and the kernel backend asked for (null or
 * undefined: SLIMCTR_BACKEND, else auto), started or restarted as needed.
 */
export async function ensureEngine(threads: number, backend?: BackendChoice | null): Promise<Engine> {
  const want = threads > 0 ? threads : availableParallelism();
  let current: Engine | null = null;
  try {
    current = engine();
  } catch {
    current = null;
  }
  const choice = backendChoice(backend ?? undefined);
  if (current && current.threads === want && current.backend.choice === choice) return current;
  return initEngine({ threads: want, backend: choice });
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
  };
}
