import { existsSync } from 'node:fs';
import type { Command } from '../command.js';
import { BadRows, BoundEncoders, EncodedRows, openTable } from '../../data/index.js';
import { AtomicFileWriter } from '../../io/atomic_stream.js';
import { loadModel } from '../../persist/model_file.js';
import { tableSpecForModel } from '../../serve/raw_input.js';
import { predictLogits, sigmoid64 } from '../../train/evaluate.js';
import { ensureEngine } from '../../train/setup.js';
import { ModelFileError, UsageError } from '../../util/errors.js';
import { modelPathOf, positiveInt } from './eval.js';
import { PREDICT_ONNX_USAGE, predictOnnx } from './predict_onnx.js';
import { takeFlags } from './train.js';

/** A probability as CSV text: 8 significant digits (float32 logits carry about 7). */
export const formatProbability = (p: number): string => String(Number(p.toPrecision(8)));

export const predictCommand: Command = {
  name: 'predict',
  summary: 'write one click probability per row of a raw data file (CSV)',
  usage: `Usage: slimctr predict --model RUN_OR_FILE --input DATA --output PREDS.csv [--batch N] [--threads N]

Streams DATA (any training format, plain or gzip; the label column is optional) through the
model's saved reader settings and encoders, and writes PREDS.csv with a header and one row per
data row, in file order: "probability", or "label,probability" when DATA has the label column.
Memory stays bounded (rows are read, scored and written block by block); the output appears
atomically when every row is done (a crash or a bad row leaves no half file). A bad row stops
the run with file:line:column. Progress goes to stderr.

Options:
  --model PATH     a run folder (uses its model.safetensors) or a model file
  --input FILE     raw rows to score
  --output FILE    CSV of probabilities to write
  --batch N        rows per forward pass (default 4096)
  --threads N      kernel threads (default: one per core)
  --quiet          no progress lines

${PREDICT_ONNX_USAGE}`,
  async run(argv) {
    if (argv.includes('--onnx')) return predictOnnx(argv);
    const { values, flags, rest } = takeFlags(argv, ['model', 'input', 'output', 'batch', 'threads'], ['quiet']);
    if (rest.length) throw new UsageError(`unknown argument '${rest[0]}' (see slimctr predict --help)`);
    for (const k of ['model', 'input', 'output']) if (!values[k]) throw new UsageError(`--${k} is required (see slimctr predict --help)`);
    const batch = positiveInt('batch', values.batch, 4096);
    await ensureEngine(values.threads === undefined ? 0 : positiveInt('threads', values.threads, 0));
    const path = modelPathOf(values.model);
    const { model, meta, encoders } = loadModel(path);
    if (!encoders || !meta.reader) throw new ModelFileError(path, 'the model file has no encoders / reader settings, so raw data cannot be encoded for it');
    if (!existsSync(values.input)) throw new UsageError(`--input ${values.input}: no such file`);
    const table = await openTable(values.input, await tableSpecForModel(meta.reader, values.input), new BadRows('error'));
    const bound = new BoundEncoders(encoders, table.columns, values.input, false);
    const labelled = bound.labelCol >= 0;
    const quiet = flags.has('quiet');
    const out = await AtomicFileWriter.open(values.output);
    const started = performance.now();
    let rows = 0, lastNote = started;
    try {
      await out.write(labelled ? 'label,probability\n' : 'probability\n');
      const acc = new EncodedRows(bound.nCat, bound.nDense);
      const nc = bound.nCat, nd = bound.nDense;
      for await (const block of table.blocks()) {
        acc.clear();
        bound.encodeBlock(block, [acc], new BadRows('error'));
        for (let a = 0; a < acc.rows; a += batch) {
          const e = Math.min(acc.rows, a + batch);
          const logits = predictLogits(model, { rows: e - a, ids: acc.ids.subarray(a * nc, e * nc), dense: acc.dense.subarray(a * nd, e * nd) });
          const lines: string[] = [];
          for (let i = 0; i < logits.length; i++) {
            const p = formatProbability(sigmoid64(logits[i]));
            lines.push(labelled ? `${acc.labels[a + i]},${p}\n` : `${p}\n`);
          }
          await out.write(lines.join(''));
        }
        rows += acc.rows;
        const now = performance.now();
        if (!quiet && now - lastNote > 1000) {
          lastNote = now;
          process.stderr.write(`predict: ${rows} rows (${Math.round(rows / ((now - started) / 1000))} rows/s)\n`);
        }
      }
      await out.commit();
    } catch (err) {
      await out.abort();
      throw err;
    }
    const secs = (performance.now() - started) / 1000;
    if (!quiet) process.stderr.write(`predict: wrote ${rows} predictions to ${values.output} in ${secs.toFixed(1)} s (${meta.kind}, ${path})\n`);
    return 0;
  },
};
