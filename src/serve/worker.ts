/**
 * An inference worker thread: loads the model once (slimctr engine) or opens an onnxruntime
 * session (onnx engine), says `ready`, then runs one batch per message and posts the
 * probabilities back (buffers transferred, not copied).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { onnxRunner, slimctrRunner, type EngineName, type ModelRunner } from './runners.js';

export interface InferenceWorkerInit {
  engine: EngineName;
  modelPath: string;
  /** The exported model (onnx engine). */
  onnx?: Uint8Array;
  numCategorical: number;
  numDense: number;
}

export interface BatchJob {
  id: number;
  rows: number;
  ids: Int32Array;
  dense: Float32Array;
}

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; probs: Float64Array }
  | { type: 'error'; id: number; message: string };

const port = parentPort!;
const init = workerData as InferenceWorkerInit;
const post = (m: WorkerReply, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

let runner: ModelRunner;
try {
  runner = init.engine === 'onnx' ? await onnxRunner(init.onnx!, init.numCategorical, init.numDense) : await slimctrRunner(init.modelPath);
  post({ type: 'ready' });
} catch (err) {
  post({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
}

port.on('message', (job: BatchJob) => {
  runner.run(job.rows, job.ids, job.dense).then(
    (probs) => post({ type: 'result', id: job.id, probs }, [probs.buffer as ArrayBuffer]),
    (err) => post({ type: 'error', id: job.id, message: err instanceof Error ? err.message : String(err) }),
  );
});
