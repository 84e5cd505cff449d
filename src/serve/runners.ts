/**
 * What an inference worker runs a batch with: slimctr's own forward pass (WASM kernels, one
 * kernel thread per worker, eval mode, no autograd graph) or onnxruntime-node on the model
 * exported to ONNX. Both return one click probability per row.
 */
import { EmbeddingStore } from '../embedding/store.js';
import { readOnnxFile } from '../io/onnx/read_file.js';
import { DataType } from '../io/onnx/schema.js';
import { initEngine } from '../kernels/engine.js';
import { OnnxGraphModel } from '../models/onnx/model.js';
import { scoreRows } from '../models/onnx/run.js';
import { loadModel } from '../persist/model_file.js';
import { predictLogits, sigmoid64 } from '../models/predict.js';
import { DataError, DependencyError } from '../util/errors.js';
import { type GraphLayout, unpackRows } from './graph_layout.js';

export type EngineName = 'slimctr' | 'onnx';
export const ENGINES: readonly EngineName[] = ['slimctr', 'onnx'];

export interface ModelRunner {
  run(rows: number, ids: Int32Array, dense: Float32Array): Promise<Float64Array>;
}

/** Loads the model file into this thread's own kernel engine (one thread). */
export async function slimctrRunner(modelPath: string): Promise<ModelRunner> {
  await initEngine({ threads: 1 });
  const { model } = loadModel(modelPath);
  return {
    async run(rows, ids, dense) {
      const logits = predictLogits(model, { rows, ids, dense });
      return Float64Array.from(logits, sigmoid64);
    },
  };
}

/** An imported ONNX graph in this thread's own kernel engine (one thread); its first output, one value per row. */
export async function graphRunner(onnxPath: string, layout: GraphLayout): Promise<ModelRunner> {
  await initEngine({ threads: 1 });
  const model = new OnnxGraphModel(readOnnxFile(onnxPath), { store: new EmbeddingStore(), slots: 0 }).eval();
  return {
    async run(rows, ids, dense) {
      const inputs = unpackRows(layout, rows, ids, dense);
      return Float64Array.from(scoreRows(model, inputs, rows, layout.output.name, rows));
    },
  };
}

/**
 * onnxruntime-node, an optional peer dependency: a DependencyError saying how to install it when it
 * is missing. Not exported, so that no published type names the package.
 */
async function loadOnnxRuntime(): Promise<typeof import('onnxruntime-node')> {
  try {
    return await import('onnxruntime-node');
  } catch (err) {
    const missing = (err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND';
    throw new DependencyError(
      'onnxruntime-node',
      '--engine onnx',
      missing ? 'it is not installed' : (err as Error).message,
    );
  }
}

/** Fails with a DependencyError unless onnxruntime-node loads (checked before workers start). */
export async function checkOnnxRuntime(): Promise<void> {
  await loadOnnxRuntime();
}

/** An onnxruntime-node session with one intra-op thread. */
async function ortSession(onnx: Uint8Array) {
  const ort = await loadOnnxRuntime();
  const session = await ort.InferenceSession.create(onnx, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
  return { ort, session };
}

/**
 * onnxruntime-node on an imported graph's own bytes (`file`): the packed rows fed as the graph's
 * typed inputs. Its refusal of an index out of bounds (an id outside a table) is a DataError, as in
 * slimctr's engine.
 */
export async function graphOnnxRunner(onnx: Uint8Array, layout: GraphLayout, file: string): Promise<ModelRunner> {
  const { ort, session } = await ortSession(onnx);
  return {
    async run(rows, ids, dense) {
      const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
      for (const [name, a] of unpackRows(layout, rows, ids, dense)) {
        const t = layout.inputs.find((i) => i.name === name)!.elemType;
        feeds[name] =
          t === DataType.INT64
            ? new ort.Tensor(
                'int64',
                BigInt64Array.from(a.data, (x) => BigInt(x)),
                a.shape,
              )
            : t === DataType.INT32
              ? new ort.Tensor('int32', Int32Array.from(a.data), a.shape)
              : t === DataType.DOUBLE
                ? new ort.Tensor('float64', Float64Array.from(a.data), a.shape)
                : new ort.Tensor('float32', a.data as Float32Array, a.shape);
      }
      const out = await session.run(feeds).catch((err: Error) => {
        throw /out of (data )?bounds/.test(err.message) ? new DataError(file, 0, 0, err.message) : err;
      });
      return Float64Array.from(out[layout.output.name].data as Float32Array);
    },
  };
}

/** An onnxruntime-node session (one intra-op thread) over exported ONNX bytes. */
export async function onnxRunner(onnx: Uint8Array, numCategorical: number, numDense: number): Promise<ModelRunner> {
  const { ort, session } = await ortSession(onnx);
  const wantsIds = session.inputNames.includes('ids');
  const wantsDense = session.inputNames.includes('dense');
  return {
    async run(rows, ids, dense) {
      const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
      if (wantsIds) {
        const big = new BigInt64Array(ids.length);
        for (let i = 0; i < ids.length; i++) big[i] = BigInt(ids[i]);
        feeds.ids = new ort.Tensor('int64', big, [rows, numCategorical]);
      }
      if (wantsDense) feeds.dense = new ort.Tensor('float32', dense, [rows, numDense]);
      const out = await session.run(feeds);
      return Float64Array.from(out.prob.data as Float32Array);
    },
  };
}
