/** Small pieces the trainer, fine-tuning and the CLI share: engine threads, epoch batches, the FeatureSpec, reader settings. */
import { availableParallelism } from 'node:os';
import type { LabelledBatch, CachedSplit, Encoders } from '../data/index.js';
import type { ShuffleMode } from '../data/cache/shuffle.js';
import { backendChoice, type BackendChoice } from '../kernels/backend.js';
import { initEngine, runningEngine, type Engine } from '../kernels/engine.js';
import { ConfigError, ResourceError, UsageError } from '../util/errors.js';
import type { FeatureSpec } from '../nn/types.js';

/**
 * The engine with `threads` threads (0: one per core) and the kernel backend asked for (null or
 * undefined: SLIMCTR_BACKEND, else auto), started or restarted as needed; `key` names the thread
 * setting in errors.
 */
export async function ensureEngine(
  threads: number,
  backend?: BackendChoice | null,
  key = 'training.threads',
): Promise<Engine> {
  const want = threads > 0 ? threads : availableParallelism();
  const current = runningEngine();
  const choice = backendChoice(backend ?? undefined);
  if (current && current.threads === want && current.backend.choice === choice) return current;
  try {
    return await initEngine({ threads: want, backend: choice });
  } catch (err) {
    if (!(err instanceof ResourceError)) throw err;
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
export function epochBatches(
  split: CachedSplit,
  s: ShuffleSettings,
  batchSize: number,
  epoch: number,
): Generator<LabelledBatch> {
  return split.batches({
    batchSize,
    shuffle: split.resolveShuffle(s.shuffle, s.shuffle_memory_mb * 2 ** 20),
    bufferRows: s.shuffle_buffer_rows,
    seed: shuffleSeed(s.seed, epoch),
  });
}
