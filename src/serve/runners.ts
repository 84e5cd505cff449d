/**
 * What an inference worker runs a batch with: slimctr's own forward pass (WASM kernels, one
 * kernel thread per worker, eval mode, no autograd graph) or onnxruntime-node on the model
 * exported to ONNX. Both return one click probability per row.
 */
import { initEngine } from '../kernels/engine.js';
import { loadModel } from '../persist/model_file.js';
import { predictLogits, sigmoid64 } from '../train/evaluate.js';

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

/** An onnxruntime-node session (one intra-op thread) over exported ONNX bytes. */
export async function onnxRunner(onnx: Uint8Array, numCategorical: number, numDense: number): Promise<ModelRunner> {
  let ort: typeof import('onnxruntime-node');
  try {
    ort = await import('onnxruntime-node');
  } catch (err) {
    throw new Error(`--engine onnx needs the onnxruntime-node package (npm install onnxruntime-node): ${(err as Error).message}`);
  }
  const session = await ort.InferenceSession.create(onnx, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' });
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
