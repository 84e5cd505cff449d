/**
 * What an inference worker runs a batch with: slimctr's own forward pass (WASM kernels, one
 * kernel thread per worker, eval mode, no autograd graph) or onnxruntime-node on the model
 * exported to ONNX. Both return one click probability per row.
 */
import { initEngine } from '../kernels/engine.js';
import { loadModel } from '../persist/model_file.js';
import { predictLogits, sigmoid64 } from '../models/predict.js';
import { DependencyError } from '../util/errors.js';

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

/** An onnxruntime-node session (one intra-op thread) over exported ONNX bytes. */
export async function onnxRunner(onnx: Uint8Array, numCategorical: number, numDense: number): Promise<ModelRunner> {
  const ort = await loadOnnxRuntime();
  const session = await ort.InferenceSession.create(onnx, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
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
