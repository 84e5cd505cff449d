/**
 * The Node side of the public API (`import ... from 'slimctr'`): start the kernels, train from a
 * config object, load a model file, compress a run, export ONNX and serve over HTTP. Each function
 * is a thin, typed door into the layer that does the work; the CLI calls the same layers.
 */
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigObject } from '../config/merge.js';
import { writeFileAtomic } from '../io/atomic.js';
import { checkRankChoice } from '../compress/rank_choice.js';
import { QUANTIZE } from '../compress/quantize.js';
import { compressRun, type CompressOptions, type CompressResult } from '../jobs/compress_run.js';
import { loadModel as loadModelFile } from '../persist/model_file.js';
import { PredictionServer, SERVE_DEFAULTS, type ServeOptions } from '../serve/http.js';
import { exportOnnx as exportModel } from '../serve/onnx/export.js';
import { parseTrainConfig } from '../train/config.js';
import { runningEngine } from '../kernels/engine.js';
import { ensureEngine } from '../train/setup.js';
import { ProgressReporter, type ProgressMode } from '../train/progress.js';
import { MODEL_FILE } from '../persist/run_files.js';
import { train as trainRun, type TrainResult } from '../train/trainer.js';
import { ConfigError, UsageError } from '../util/errors.js';
import { Model } from './model.js';

/** What runs the kernels: the thread count and the WebAssembly build in use. */
export interface EngineInfo {
  threads: number;
  variant: string;
}

/**
 * Starts the kernel engine with `threads` threads (default: every core). A running engine is kept
 * when it has that many threads (or none is asked for); asking for another count while one runs is
 * a UsageError, since the models loaded on it would lose their memory.
 */
export async function startEngine(opts: { threads?: number } = {}): Promise<EngineInfo> {
  const current = runningEngine();
  if (current && opts.threads !== undefined && opts.threads > 0 && opts.threads !== current.threads) {
    throw new UsageError(
      `the kernel engine already runs with ${current.threads} thread(s); start it once, before loading models, to use ${opts.threads}`,
    );
  }
  const e = current ?? (await ensureEngine(opts.threads ?? 0));
  return { threads: e.threads, variant: e.variant };
}

export interface TrainOptions {
  /** Where progress goes (default: stdout); `() => {}` silences it. */
  output?: (text: string) => void;
  /** 'plain' lines, 'json' lines, or 'auto' (a bar on a terminal). Default 'plain' with `output`, else 'auto'. */
  progress?: ProgressMode;
  /** Continue this run folder from its checkpoint. */
  resume?: string;
  /** When aborted, the current step finishes, a checkpoint is written and train returns. */
  signal?: AbortSignal;
}

/** Validates a config object (the sections of a YAML config: dataset, features, model, training, run) and trains it. */
export async function train(config: ConfigObject, opts: TrainOptions = {}): Promise<TrainResult> {
  const { output, progress, ...rest } = opts;
  const parsed = parseTrainConfig(config);
  const { threads } = await startEngine({ threads: parsed.training.threads || undefined });
  const reporter = new ProgressReporter({
    mode: progress ?? (output ? 'plain' : 'auto'),
    ...(output ? { stream: { write: output } } : {}),
  });
  return trainRun({ ...parsed, training: { ...parsed.training, threads } }, { ...rest, progress: reporter });
}

/** Loads and verifies a model file (starting the engine if none runs). */
export async function loadModel(path: string, opts: { threads?: number } = {}): Promise<Model> {
  await startEngine(opts);
  return Model.of(loadModelFile(path), path);
}

/** What `compress` returns: the job's report, and where the compressed model file is. */
export interface Compressed extends CompressResult {
  modelPath: string;
}

/**
 * Compresses the trained run in `runDir` (AFM, AFM-act or SVD; `rank` by ratio, parameter budget,
 * file size, energy or explicit ranks; `quantize` int8 or int4; both checked here) and writes the
 * results to `opts.out`.
 */
export async function compress(runDir: string, opts: CompressOptions): Promise<Compressed> {
  const rank = checkRankChoice(opts.rank);
  if (opts.quantize !== undefined && !QUANTIZE.includes(opts.quantize))
    throw new ConfigError('quantize', `must be ${QUANTIZE.join(' or ')}, got ${JSON.stringify(opts.quantize)}`);
  if (opts.quantize !== undefined && rank.by === 'bytes')
    throw new ConfigError('quantize', "a file-size budget (rank.by 'bytes') chooses the bits itself");
  const { threads } = await startEngine({ threads: opts.threads });
  const result = await compressRun(runDir, { ...opts, rank, threads });
  return { ...result, modelPath: join(result.outDir, MODEL_FILE) };
}

/** The model as ONNX bytes (inputs `ids` and `dense`, output `prob`); also written to `out` when given (an existing file only with `overwrite`). */
export function exportOnnx(model: Model, out?: string, opts: { overwrite?: boolean } = {}): Uint8Array {
  if (out !== undefined && existsSync(out) && !opts.overwrite)
    throw new UsageError(`${out} exists: pass { overwrite: true } to replace it`);
  const bytes = exportModel(model.network, model.meta.features, { bits: model.meta.compression?.bits });
  if (out !== undefined) writeFileAtomic(out, bytes);
  return bytes;
}

/** Starts the HTTP prediction server on a model file; `close()` on the result drains and stops it. */
export async function serve(modelPath: string, opts: Partial<ServeOptions> = {}): Promise<PredictionServer> {
  const workers = opts.workers ?? Math.max(1, availableParallelism() - 1);
  return PredictionServer.start(modelPath, { ...SERVE_DEFAULTS, ...opts, workers });
}
