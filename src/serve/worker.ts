/**
 * An inference worker thread: loads the model once (slimctr engine) or opens an onnxruntime
 * session (onnx engine), and the model's encoders (or, for an imported graph, its input layout);
 * says `ready`; then per message either parses
 * and encodes a request body (so the event loop only moves bytes) or runs one batch, and posts
 * the result back (buffers transferred, not copied).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Encoders } from '../data/index.js';
import { readModelParts } from '../persist/model_file.js';
import { DataError, RequestError } from '../util/errors.js';
import type { GraphLayout } from './graph_layout.js';
import { encodeGraphPredictBody, encodeGraphV2Body } from './graph_request.js';
import { encodePredictBody } from './request.js';
import {
  graphOnnxRunner,
  graphRunner,
  onnxRunner,
  slimctrRunner,
  type EngineName,
  type ModelRunner,
} from './runners.js';
import { encodeV2Body, type EncodedV2Request } from './v2_request.js';

export interface InferenceWorkerInit {
  engine: EngineName;
  /** The model file, or the ONNX file of an imported graph (`graph`). */
  modelPath: string;
  /** The ONNX bytes onnxruntime runs (onnx engine): the model exported, or the graph file itself. */
  onnx?: Uint8Array;
  /** Set for an imported graph: how its inputs are packed (requests name the graph's inputs). */
  graph?: GraphLayout;
  numCategorical: number;
  numDense: number;
  /** Most rows a request may hold. */
  maxRows: number;
  /** Keys an object row may carry besides the inputs (null: any). */
  knownColumns: string[] | null;
}

/** Which body a request sends: POST /predict (three forms) or the Open Inference Protocol's infer. */
export type BodyForm = 'predict' | 'v2';

export type WorkerJob =
  | { type: 'batch'; id: number; rows: number; ids: Int32Array; dense: Float32Array }
  | { type: 'parse'; id: number; form: BodyForm; body: Uint8Array; header: string | null };

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; probs: Float64Array }
  | {
      type: 'parsed';
      id: number;
      rows: number;
      ids: Int32Array;
      dense: Float32Array;
      requestId: string | null;
      binaryOutput: boolean;
    }
  | { type: 'rejected'; id: number; status: number; message: string }
  | { type: 'error'; id: number; message: string };

const port = parentPort!;
const init = workerData as InferenceWorkerInit;
const post = (m: WorkerReply, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

/** Parses and encodes a body; `header` is its Inference-Header-Content-Length (v2 only; null when absent). */
type Decode = (form: BodyForm, body: Uint8Array, header: string | null) => EncodedV2Request;

const decoder = new TextDecoder();
/** The POST /predict forms answer as JSON and echo no id. */
const plain = (e: Omit<EncodedV2Request, 'id' | 'binaryOutput'>): EncodedV2Request => ({
  ...e,
  id: null,
  binaryOutput: false,
});

/** The runner and body decoder of an imported graph: requests carry its input tensors. */
async function forGraph(layout: GraphLayout): Promise<[ModelRunner, Decode]> {
  const lim = { layout, maxRows: init.maxRows };
  const runner =
    init.engine === 'onnx'
      ? await graphOnnxRunner(init.onnx!, layout, init.modelPath)
      : await graphRunner(init.modelPath, layout);
  return [
    runner,
    (form, body, header) =>
      form === 'v2' ? encodeGraphV2Body(body, header, lim) : plain(encodeGraphPredictBody(decoder.decode(body), lim)),
  ];
}

/** The runner and body decoder of a slimctr model file: requests carry raw rows for its encoders. */
async function forModel(): Promise<[ModelRunner, Decode]> {
  const runner =
    init.engine === 'onnx'
      ? await onnxRunner(init.onnx!, init.numCategorical, init.numDense)
      : await slimctrRunner(init.modelPath);
  const meta = readModelParts(init.modelPath).meta;
  const lim = {
    encoders: Encoders.fromJSON(meta.encoders!, `${init.modelPath} (encoders)`),
    maxRows: init.maxRows,
    known: init.knownColumns && new Set(init.knownColumns),
  };
  return [
    runner,
    (form, body, header) =>
      form === 'v2' ? encodeV2Body(body, header, lim) : plain(encodePredictBody(decoder.decode(body), lim)),
  ];
}

let runner: ModelRunner;
let decode: Decode;
try {
  [runner, decode] = init.graph ? await forGraph(init.graph) : await forModel();
  post({ type: 'ready' });
} catch (err) {
  post({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
}

/** Parses and encodes one body; a bad one is answered with its status and message. */
function parse(job: Extract<WorkerJob, { type: 'parse' }>): void {
  try {
    const e = decode(job.form, job.body, job.header);
    const { rows, ids, dense, binaryOutput } = e;
    post({ type: 'parsed', id: job.id, rows, ids, dense, requestId: e.id, binaryOutput }, [
      e.ids.buffer as ArrayBuffer,
      e.dense.buffer as ArrayBuffer,
    ]);
  } catch (err) {
    if (err instanceof RequestError) post({ type: 'rejected', id: job.id, status: err.status, message: err.message });
    else post({ type: 'error', id: job.id, message: err instanceof Error ? err.message : String(err) });
  }
}

port.on('message', (job: WorkerJob) => {
  if (job.type === 'parse') {
    parse(job);
    return;
  }
  runner.run(job.rows, job.ids, job.dense).then(
    (probs) => post({ type: 'result', id: job.id, probs }, [probs.buffer as ArrayBuffer]),
    (err) =>
      // Data the model cannot take (an id outside a table) is the request's fault: 400, not 500.
      err instanceof DataError
        ? post({ type: 'rejected', id: job.id, status: 400, message: `the model refused the inputs: ${err.message}` })
        : post({ type: 'error', id: job.id, message: err instanceof Error ? err.message : String(err) }),
  );
});
