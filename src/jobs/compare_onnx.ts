/**
 * Side-by-side comparison of ONNX models (an original and its compressed copies) on one file of
 * graph inputs: parameters, bytes on disk, AUC and logloss on the file's labels, and slimctr's
 * batch-1 latency and large-batch throughput on its rows, timed interleaved (timeRunners).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { noGrad } from '../autograd/index.js';
import { readGraphData } from '../data/formats/graph_data.js';
import { sliceRows } from '../models/onnx/run.js';
import { tidy } from '../tensor/tensor.js';
import { graphMetrics } from '../train/graph_fit.js';
import { type CompareRow, fileSizes, type Runner, timeRunners } from './compare.js';
import { importGraph } from './compress_onnx.js';

const BIG = 4096;

export function compareOnnx(files: string[], dataFile: string, seconds = 1.5, repeats = 5): CompareRow[] {
  const models = files.map((f) => importGraph(readFileSync(f), f));
  const runs = models.map((m) => {
    const data = readGraphData(dataFile, m.graph.inputs);
    const one = sliceRows(data.inputs, 0, 1),
      big = sliceRows(data.inputs, 0, Math.min(BIG, data.rows));
    const forward = (inputs: typeof one) => (): void => noGrad(() => tidy(() => void m.forward(inputs)));
    const runner: Runner = { one: forward(one), big: forward(big), bigRows: Math.min(BIG, data.rows) };
    const output = m.graph.outputs[0].name;
    return { runner, metrics: graphMetrics(m, output, data) };
  });
  const timings = timeRunners(
    runs.map((r) => r.runner),
    seconds,
    repeats,
  );
  return files.map((file, i) => ({
    variant: basename(file, '.onnx'),
    file,
    params: models[i].paramCount(),
    ...fileSizes(file),
    testAuc: runs[i].metrics?.auc ?? null,
    testLogloss: runs[i].metrics?.logloss ?? null,
    ...timings[i],
  }));
}
