/**
 * One loaded model as the server uses it: a slimctr model file (its metadata and encoders; requests
 * carry raw rows) or an imported ONNX graph (`graph`: requests carry the graph's input tensors), a
 * micro-batcher and the worker pool that holds the model (its workers check and encode requests
 * too). A reload starts a new generation beside the old one; requests already encoded by the old
 * one finish on it, then its workers stop.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Encoders } from '../data/index.js';
import { readOnnxFile } from '../io/onnx/read_file.js';
import { initEngine, runningEngine } from '../kernels/engine.js';
import { loadModel, readModelParts, type ModelMeta } from '../persist/model_file.js';
import { ModelFileError } from '../util/errors.js';
import { MicroBatcher } from './batcher.js';
import { graphLayout, type GraphLayout, v2Datatype } from './graph_layout.js';
import { exportOnnx } from './onnx/export.js';
import { InferencePool } from './pool.js';
import { checkOnnxRuntime, type EngineName } from './runners.js';
import type { InferenceWorkerInit } from './worker.js';
import { inferResponse, modelMetadata } from './v2.js';

export interface GenerationOptions {
  workers: number;
  engine: EngineName;
  maxBatch: number;
  maxWaitMs: number;
  maxQueuedRows: number;
  maxRows: number;
  allowUnknownColumns?: boolean;
  /** The file served is an ONNX graph (`serve --onnx`), not a slimctr model file. */
  graph?: boolean;
}

/** The ONNX bytes of a model file, exported on this thread (starts a one-thread engine if none runs). */
async function exportInMemory(modelPath: string): Promise<Uint8Array> {
  if (!runningEngine()) await initEngine({ threads: 1 });
  const { model, meta } = loadModel(modelPath);
  return exportOnnx(model, meta.features, { bits: meta.compression?.bits });
}

/** What is served: a model file with its encoders, or an imported graph with its input layout. */
type Served =
  | { kind: 'model'; meta: ModelMeta; encoders: Encoders }
  | { kind: 'graph'; layout: GraphLayout; opset: number; producer: string };

/** The graph's inputs or output as the Open Inference Protocol lists them (-1: the batch axis). */
const v2Tensors = (layout: GraphLayout) => ({
  inputs: layout.inputs.map((i) => ({ name: i.name, datatype: v2Datatype(i.elemType), shape: [-1, ...i.dims] })),
  outputs: [{ name: layout.output.name, datatype: 'FP32', shape: [-1, ...layout.output.dims] }],
});

type Loaded = { served: Served; init: InferenceWorkerInit };

/** An imported graph: its input layout, and its bytes for onnxruntime (onnx engine). */
function readGraph(modelPath: string, opts: GenerationOptions): Loaded {
  const graph = readOnnxFile(modelPath);
  const layout = graphLayout(graph);
  const init: InferenceWorkerInit = {
    engine: opts.engine,
    modelPath,
    onnx: opts.engine === 'onnx' ? new Uint8Array(readFileSync(modelPath)) : undefined,
    graph: layout,
    numCategorical: layout.numInt,
    numDense: layout.numFloat,
    maxRows: opts.maxRows,
    knownColumns: null,
  };
  return { served: { kind: 'graph', layout, opset: graph.opset, producer: graph.producer }, init };
}

/** A slimctr model file: its metadata and encoders, and (onnx engine) its export. */
async function readModel(modelPath: string, opts: GenerationOptions): Promise<Loaded> {
  const meta = readModelParts(modelPath).meta;
  if (!meta.encoders)
    throw new ModelFileError(modelPath, 'the model file has no encoders, so raw rows cannot be encoded for it');
  const encoders = Encoders.fromJSON(meta.encoders, `${modelPath} (encoders)`);
  const r = meta.reader;
  const init: InferenceWorkerInit = {
    engine: opts.engine,
    modelPath,
    onnx: opts.engine === 'onnx' ? await exportInMemory(modelPath) : undefined,
    numCategorical: encoders.numCategorical,
    numDense: encoders.numDense,
    maxRows: opts.maxRows,
    knownColumns: opts.allowUnknownColumns
      ? null
      : [...new Set([...encoders.inputColumns, ...(r?.columns ?? []), ...(r?.label ? [r.label] : [])])],
  };
  return { served: { kind: 'model', meta, encoders }, init };
}

export class Generation {
  readonly batcher: MicroBatcher;
  /** Keys an object row may carry besides the inputs (null: any); the workers check requests against them. */
  readonly knownColumns: readonly string[] | null;

  private constructor(
    readonly modelPath: string,
    readonly served: Served,
    readonly pool: InferencePool,
    opts: GenerationOptions,
    knownColumns: string[] | null,
  ) {
    const [numCategorical, numDense] =
      served.kind === 'model'
        ? [served.encoders.numCategorical, served.encoders.numDense]
        : [served.layout.numInt, served.layout.numFloat];
    this.batcher = new MicroBatcher(
      {
        maxBatch: opts.maxBatch,
        maxWaitMs: opts.maxWaitMs,
        maxQueuedRows: opts.maxQueuedRows,
        numCategorical,
        numDense,
      },
      { run: (rows, ids, dense) => pool.run(rows, ids, dense), hasIdleWorker: () => pool.hasIdleWorker() },
    );
    pool.onIdle = () => this.batcher.pump();
    this.knownColumns = knownColumns;
  }

  /** The model file's metadata (null for an imported graph). */
  get meta(): ModelMeta | null {
    return this.served.kind === 'model' ? this.served.meta : null;
  }

  /** What the model is called when the server has no --name: its kind, or the graph file's name. */
  get kind(): string {
    return this.served.kind === 'model' ? this.served.meta.kind : basename(this.modelPath).replace(/\.onnx$/i, '');
  }

  /** The model's part of GET /metadata. */
  describe(): Record<string, unknown> {
    const s = this.served;
    if (s.kind === 'graph')
      return { kind: 'onnx', model_path: this.modelPath, opset: s.opset, producer: s.producer, ...v2Tensors(s.layout) };
    const m = s.meta;
    return {
      kind: m.kind,
      model_path: this.modelPath,
      options: m.options,
      features: m.features,
      input_columns: s.encoders.inputColumns,
      params: m.params,
      compression: m.compression ?? null,
      slimctr_version: m.slimctr_version,
      training: m.training ? { epoch: m.training.epoch, step: m.training.step, metrics: m.training.metrics } : null,
    };
  }

  /** GET /v2/models/NAME. */
  v2Metadata(name: string): Record<string, unknown> {
    const s = this.served;
    if (s.kind === 'model') return modelMetadata(name, s.encoders);
    return { name, versions: ['1'], platform: 'onnx', ...v2Tensors(s.layout) };
  }

  /** The infer answer: output 'probability' [rows, 1], or the graph's output with its own name and shape; `binary`: its values follow as bytes. */
  v2Answer(name: string, id: string | null, probs: ArrayLike<number>, binary = false): Record<string, unknown> {
    const s = this.served;
    const output =
      s.kind === 'model' ? undefined : { name: s.layout.output.name, shape: [probs.length, ...s.layout.output.dims] };
    return inferResponse(name, id, probs, output, binary);
  }

  /** Reads and checks the model file (or graph), then starts the workers (each loads the model). */
  static async start(modelPath: string, opts: GenerationOptions): Promise<Generation> {
    if (opts.engine === 'onnx') await checkOnnxRuntime();
    const { served, init } = opts.graph ? readGraph(modelPath, opts) : await readModel(modelPath, opts);
    const pool = await InferencePool.start(init, opts.workers);
    return new Generation(modelPath, served, pool, opts, init.knownColumns);
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
