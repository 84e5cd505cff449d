/**
 * Where a served row's CPU time goes, timed in this process on one kernel thread: parsing and
 * encoding the request bodies the load test sends, in its body form (a worker's first job: JSON
 * rows, or binary v2 tensors), and scoring at the batch
 * size the server formed (its second). The encoding does not shrink with the model, so the served
 * rows/s of two models differ by at most (encode + scoring A) / (encode + scoring B).
 */
import { Encoders } from '../../src/data/index.js';
import { initEngine } from '../../src/kernels/engine.js';
import { predictLogits } from '../../src/models/predict.js';
import { loadModel } from '../../src/persist/model_file.js';
import { encodePredictBody } from '../../src/serve/request.js';
import { encodeV2Body } from '../../src/serve/v2_request.js';
import { BODY_NAMES, type BodyForm, requestBodies } from './serve_bodies.js';
import { timeCalls } from './time_calls.js';

export interface RowCosts {
  /** The body form timed. */
  body: string;
  /** Microseconds per row to parse and encode a body. */
  encodeUs: number;
  /** Microseconds per row to score, per model, at its batch. */
  scoreUs: number[];
}

export async function servedRowCosts(
  models: { path: string; batch: number }[],
  requests: Record<string, string>[][],
  form: BodyForm,
  seconds = 2,
): Promise<RowCosts> {
  const rowsPerRequest = requests[0].length;
  const bodies = requestBodies(form, requests);
  const engine = await initEngine({ threads: 1 });
  try {
    const loaded = models.map((m) => loadModel(m.path));
    const lim = { encoders: Encoders.fromJSON(loaded[0].meta.encoders!), maxRows: 1 << 20, known: null };
    const rows = bodies.length * rowsPerRequest;
    const encode = (b: (typeof bodies)[number]) =>
      form === 'json' ? encodePredictBody(b.body.toString(), lim) : encodeV2Body(b.body, b.header, lim);
    const [encodeSec] = await timeCalls([(o) => encode(bodies[o / rowsPerRequest])], rowsPerRequest, rows, seconds);
    const all = encodePredictBody(JSON.stringify({ rows: requests.flat() }), lim);
    const { numCategorical: F, numDense: N } = lim.encoders;
    const scoreUs: number[] = [];
    for (const [i, m] of models.entries()) {
      const b = Math.max(1, Math.round(m.batch));
      const model = loaded[i].model;
      const [sec] = await timeCalls(
        [
          (o) =>
            predictLogits(model, {
              rows: b,
              ids: all.ids.subarray(o * F, (o + b) * F),
              dense: all.dense.subarray(o * N, (o + b) * N),
            }),
        ],
        b,
        rows,
        seconds,
      );
      scoreUs.push((sec / b) * 1e6);
    }
    return { body: BODY_NAMES[form], encodeUs: (encodeSec / rowsPerRequest) * 1e6, scoreUs };
  } finally {
    await engine.close();
  }
}
