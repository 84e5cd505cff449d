/**
 * An ONNX file as a team deploying it gets it: scored and timed by onnxruntime-node with one
 * intra-op thread on the test rows of an .npz (graph inputs `ids` int64 [B, F] and `dense` float32
 * [B, N], plus `label`), as `bench -- onnx` measures every variant.
 */
import { statSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { readNpz } from '../../src/data/formats/npz.js';
import { logloss, rocAuc } from '../../src/metrics/index.js';
import { timeCalls } from './time_calls.js';

export interface OrtScore {
  bytes: number;
  auc: number;
  logloss: number;
  /** Seconds per call at batch 1 and batch 4096 (median of groups, time_calls.ts). */
  batch1: number;
  batch4096: number;
}

export type TestRows = ReturnType<typeof testRows>;

/** The test rows of `file` as onnxruntime feeds. */
export function testRows(file: string) {
  const test = readNpz(file);
  const ids = test.get('ids')!,
    dense = test.get('dense')!;
  const F = ids.shape[1],
    N = dense.shape[1];
  const ids64 = BigInt64Array.from(ids.data, (v) => BigInt(v)),
    dense32 = Float32Array.from(dense.data);
  return {
    rows: ids.shape[0],
    labels: test.get('label')!.data,
    feeds: (o: number, b: number) => ({
      ids: new ort.Tensor('int64', ids64.subarray(o * F, (o + b) * F), [b, F]),
      dense: new ort.Tensor('float32', dense32.subarray(o * N, (o + b) * N), [b, N]),
    }),
  };
}

/** Test AUC, logloss and speed of one ONNX file in onnxruntime-node (1 thread), timing each batch size for `seconds`. */
export async function ortScore(file: string, test: TestRows, seconds: number): Promise<OrtScore> {
  const s = await ort.InferenceSession.create(file, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
  try {
    const probs = (await s.run(test.feeds(0, test.rows)))[s.outputNames[0]].data as Float32Array;
    const batch1 = await timeCalls((o) => s.run(test.feeds(o, 1)), 1, test.rows, seconds);
    const batch4096 = await timeCalls((o) => s.run(test.feeds(o, 4096)), 4096, test.rows, seconds);
    return {
      bytes: statSync(file).size,
      auc: rocAuc(test.labels, probs),
      logloss: logloss(test.labels, probs),
      batch1,
      batch4096,
    };
  } finally {
    await s.release();
  }
}
