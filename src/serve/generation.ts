/**
 * One loaded model as the server uses it: its metadata and encoders, a micro-batcher and the
 * worker pool that holds the model (its workers check and encode requests too). A reload starts a new
 * generation beside the old one; requests already encoded by the old one finish on it, then its
 * workers stop.
 */
import { Encoders } from '../data/index.js';
import { initEngine, runningEngine } from '../kernels/engine.js';
import { loadModel, readModelParts, type ModelMeta } from '../persist/model_file.js';
import { ModelFileError } from '../util/errors.js';
import { MicroBatcher } from './batcher.js';
import { exportOnnx } from './onnx/export.js';
import { InferencePool } from './pool.js';
import { checkOnnxRuntime, type EngineName } from './runners.js';

export interface GenerationOptions {
  workers: number;
  engine: EngineName;
  maxBatch: number;
  maxWaitMs: number;
  maxQueuedRows: number;
  maxRows: number;
  allowUnknownColumns?: boolean;
}

/** The ONNX bytes of a model file, exported on this thread (starts a one-thread engine if none runs). */
async function exportInMemory(modelPath: string): Promise<Uint8Array> {
  if (!runningEngine()) await initEngine({ threads: 1 });
  const { model, meta } = loadModel(modelPath);
  return exportOnnx(model, meta.features, { bits: meta.compression?.bits });
}

export class Generation {
  readonly batcher: MicroBatcher;
  /** Keys an object row may carry besides the inputs (null: any); the workers check requests against them. */
  readonly knownColumns: readonly string[] | null;

  private constructor(
    readonly modelPath: string,
    readonly meta: ModelMeta,
    readonly encoders: Encoders,
    readonly pool: InferencePool,
    opts: GenerationOptions,
    knownColumns: string[] | null,
  ) {
    this.batcher = new MicroBatcher(
      {
        maxBatch: opts.maxBatch,
        maxWaitMs: opts.maxWaitMs,
        maxQueuedRows: opts.maxQueuedRows,
        numCategorical: encoders.numCategorical,
        numDense: encoders.numDense,
      },
      { run: (rows, ids, dense) => pool.run(rows, ids, dense), hasIdleWorker: () => pool.hasIdleWorker() },
    );
    pool.onIdle = () => this.batcher.pump();
    this.knownColumns = knownColumns;
  }

  /** Reads and checks the model file, then starts the workers (each loads the model). */
  static async start(modelPath: string, opts: GenerationOptions): Promise<Generation> {
    const meta = readModelParts(modelPath).meta;
    if (!meta.encoders)
      throw new ModelFileError(modelPath, 'the model file has no encoders, so raw rows cannot be encoded for it');
    const encoders = Encoders.fromJSON(meta.encoders, `${modelPath} (encoders)`);
    if (opts.engine === 'onnx') await checkOnnxRuntime();
    const onnx = opts.engine === 'onnx' ? await exportInMemory(modelPath) : undefined;
    const r = meta.reader;
    const knownColumns = opts.allowUnknownColumns
      ? null
      : [...new Set([...encoders.inputColumns, ...(r?.columns ?? []), ...(r?.label ? [r.label] : [])])];
    const pool = await InferencePool.start(
      {
        engine: opts.engine,
        modelPath,
        onnx,
        numCategorical: encoders.numCategorical,
        numDense: encoders.numDense,
        maxRows: opts.maxRows,
        knownColumns,
      },
      opts.workers,
    );
    return new Generation(modelPath, meta, encoders, pool, opts, knownColumns);
  }

  /** Requests taken by this generation and not yet answered (parsing, queued or scoring). */
  private active = 0;

  /** Runs one request's work on this generation, counted so that retire() waits for it. */
  async serve<T>(work: () => Promise<T>): Promise<T> {
    this.active++;
    try {
      return await work();
    } finally {
      this.active--;
    }
  }

  /** Waits until every request it took has been answered, then stops the workers. */
  async retire(): Promise<void> {
    while (this.active > 0 || !this.batcher.idle) await new Promise((r) => setTimeout(r, 5));
    await this.pool.close();
  }
}
