import { existsSync } from 'node:fs';
import { EmbeddingStore } from '../../embedding/store.js';
import { readGraphData } from '../../data/formats/graph_data.js';
import { AtomicFileWriter } from '../../io/atomic_stream.js';
import { readOnnxFile } from '../../io/onnx/read_file.js';
import { OnnxGraphModel } from '../../models/onnx/model.js';
import { scoreRows } from '../../models/onnx/run.js';
import { ensureEngine } from '../../train/setup.js';
import { UsageError } from '../../util/errors.js';
import { type Flag, parseFlags } from '../flags.js';
import { THREADS_FLAG } from './eval.js';
import { BATCH_FLAG, checkOutput, FORCE_FLAG, formatProbability, OUTPUT_FLAG, QUIET_FLAG } from './predict_output.js';

export const PREDICT_ONNX_FLAGS = [
  { name: 'onnx', kind: 'string', arg: 'FILE', required: true, help: 'the ONNX model (see slimctr inspect-onnx)' },
  { name: 'data', kind: 'string', arg: 'FILE', required: true, help: 'the inputs (.npz or .csv)' },
  { ...OUTPUT_FLAG, help: 'CSV to write (refused when it exists, unless --force)' },
  FORCE_FLAG,
  BATCH_FLAG,
  THREADS_FLAG,
  { ...QUIET_FLAG, help: 'no summary line' },
] as const satisfies readonly Flag[];

export const PREDICT_ONNX_USAGE = `Usage: slimctr predict --onnx MODEL.onnx --data INPUTS.npz|INPUTS.csv --output PREDS.csv [--force] [--batch N] [--threads N]

Runs an ONNX model (e.g. exported from PyTorch) in slimctr's own engine on the graph inputs in
INPUTS: a NumPy .npz with one array per graph input, by name (np.savez), or a CSV with a header
(a column per input of shape [B] or [B, 1], NAME.0 .. NAME.{n-1} for [B, n]); an optional 'label'
array or column is copied to the output. Writes PREDS.csv with a header and one row per input
row: the graph's first output (one value per row), or "label,OUTPUT" with labels. The output
appears atomically when every row is done.`;

export async function predictOnnx(argv: string[]): Promise<number> {
  const { values } = parseFlags('predict', PREDICT_ONNX_FLAGS, argv);
  if (!existsSync(values.data)) throw new UsageError(`--data ${values.data}: no such file`);
  checkOutput(values.output, values.data, values.force);
  const batch = values.batch;
  const graph = readOnnxFile(values.onnx);
  const data = readGraphData(values.data, graph.inputs);
  await ensureEngine(values.threads ?? 0);
  const model = new OnnxGraphModel(graph, { store: new EmbeddingStore(), slots: 0 }).eval();
  const name = graph.outputs[0].name;
  const started = performance.now();
  const scores = scoreRows(model, data.inputs, data.rows, name, batch);
  const lines = [data.labels ? `label,${name}\n` : `${name}\n`];
  for (let i = 0; i < data.rows; i++)
    lines.push(
      data.labels ? `${data.labels[i]},${formatProbability(scores[i])}\n` : `${formatProbability(scores[i])}\n`,
    );
  const out = await AtomicFileWriter.open(values.output);
  try {
    await out.write(lines.join(''));
    await out.commit();
  } catch (err) {
    await out.abort();
    throw err;
  }
  if (!values.quiet) {
    process.stderr.write(
      `predict: wrote ${data.rows} rows of '${name}' to ${values.output} in ${((performance.now() - started) / 1000).toFixed(2)} s (${values.onnx})\n`,
    );
  }
  return 0;
}
