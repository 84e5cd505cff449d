/**
 * ONNX files as a team deploying them gets them: scored and timed by onnxruntime-node with one
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
  /** Seconds per call at batch 1 and batch 4096 (medians over groups of calls: time_calls.ts). */
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

/**
 * Test AUC, logloss and speed of ONNX files in onnxruntime-node (1 thread each). The files take
 * turns group by group (time_calls.ts), so a change in the machine's load during the run falls on
 * every file alike rather than on whichever was timed then.
 */
export async function ortScores(files: string[], test: TestRows, seconds: number): Promise<OrtScore[]> {
  const options = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' as const };
  const sessions: ort.InferenceSession[] = [];
  try {
    for (const f of files) sessions.push(await ort.InferenceSession.create(f, options));
    const scores: { file: string; auc: number; logloss: number }[] = [];
    for (const [i, s] of sessions.entries()) {
      const probs = (await s.run(test.feeds(0, test.rows)))[s.outputNames[0]].data as Float32Array;
      scores.push({ file: files[i], auc: rocAuc(test.labels, probs), logloss: logloss(test.labels, probs) });
    }
    const timed = (batch: number) =>
      timeCalls(
        sessions.map((s) => (o: number) => s.run(test.feeds(o, batch))),
        batch,
        test.rows,
        seconds,
      );
    const b1 = await timed(1),
      b4096 = await timed(4096);
    return scores.map((x, i) => ({
      bytes: statSync(x.file).size,
      auc: x.auc,
      logloss: x.logloss,
      batch1: b1[i],
      batch4096: b4096[i],
    }));
  } finally {
    for (const s of sessions) await s.release();
  }
}
