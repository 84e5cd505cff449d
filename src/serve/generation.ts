/**
 * One loaded model as the server uses it: its metadata and encoders (to check and encode
 * requests), a micro-batcher and the worker pool that holds the model. A reload starts a new
 * generation beside the old one; requests already encoded by the old one finish on it, then its
 * workers stop.
 */
import { Encoders } from '../data/index.js';
import { engine, initEngine } from '../kernels/engine.js';
import { loadModel, loadModelParts, type ModelMeta } from '../persist/model_file.js';
import { ModelFileError } from '../util/errors.js';
import { MicroBatcher } from './batcher.js';
import { exportOnnx } from './onnx/export.js';
import { InferencePool } from './pool.js';
import type { RequestLimits } from './request.js';
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
  try {
    engine();
  } catch {
    await initEngine({ threads: 1 });
  }
  const { model, meta } = loadModel(modelPath);
  return exportOnnx(model, meta.features);
}

export class Generation {
  readonly batcher: MicroBatcher;
  readonly limits: RequestLimits;

  private constructor(readonly modelPath: string, readonly meta: ModelMeta, readonly encoders: Encoders, readonly pool: InferencePool, opts: GenerationOptions) {
    this.batcher = new MicroBatcher(
      { maxBatch: opts.maxBatch, maxWaitMs: opts.maxWaitMs, maxQueuedRows: opts.maxQueuedRows, numCategorical: encoders.numCategorical, numDense: encoders.numDense },
      { run: (rows, ids, dense) => pool.run(rows, ids, dense), hasIdleWorker: () => pool.hasIdleWorker() },
    );
    pool.onIdle = () => this.batcher.pump();
    const r = meta.reader;
    const known = opts.allowUnknownColumns ? null : new Set([...encoders.inputColumns, ...(r?.columns ?? []), ...(r?.label ? [r.label] : [])]);
    this.limits = { encoders, maxRows: opts.maxRows, known };
  }

  /** Reads and checks the model file, then starts the workers (each loads the model). */
  static async start(modelPath: string, opts: GenerationOptions): Promise<Generation> {
    const meta = loadModelParts(modelPath).meta;
    if (!meta.encoders) throw new ModelFileError(modelPath, 'the model file has no encoders, so raw rows cannot be encoded for it');
    const encoders = Encoders.fromJSON(meta.encoders, `${modelPath} (encoders)`);
    if (opts.engine === 'onnx') await checkOnnxRuntime();
    const onnx = opts.engine === 'onnx' ? await exportInMemory(modelPath) : undefined;
    const pool = await InferencePool.start({ engine: opts.engine, modelPath, onnx, numCategorical: encoders.numCategorical, numDense: encoders.numDense }, opts.workers);
    return new Generation(modelPath, meta, encoders, pool, opts);
  }

  /** Waits until every queued row has been scored, then stops the workers. */
  async retire(): Promise<void> {
    while (!this.batcher.idle) await new Promise((r) => setTimeout(r, 5));
    await this.pool.close();
  }
}
