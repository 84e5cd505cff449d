import { existsSync } from 'node:fs';
import type { Command } from '../command.js';
import { type Flag, parseFlags, usageOf } from '../flags.js';
import { catchInterrupts } from '../interrupt.js';
import { BadRows, BoundEncoders, EncodedRows, openTable } from '../../data/index.js';
import { STDIN } from '../../data/formats/stdin.js';
import { tableSpecForModel } from '../../serve/raw_input.js';
import { predictLogits, sigmoid64 } from '../../models/predict.js';
import { ensureEngine } from '../../train/setup.js';
import { Yielder } from '../../util/yield.js';
import { DataError, NoValidRowsError, UsageError } from '../../util/errors.js';
import { BAD_ROWS_CHOICES, badRowPolicy, loadRawRowModel, MODEL_FLAG, THREADS_FLAG } from './eval.js';
import { PREDICT_ONNX_FLAGS, PREDICT_ONNX_USAGE, predictOnnx } from './predict_onnx.js';
import {
  BATCH_FLAG,
  checkOutput,
  FORCE_FLAG,
  formatProbability,
  OUTPUT_FLAG,
  openOutput,
  QUIET_FLAG,
} from './predict_output.js';

const FLAGS = [
  MODEL_FLAG,
  { name: 'input', kind: 'string', arg: 'FILE', required: true, help: 'raw rows to score (- for standard input)' },
  OUTPUT_FLAG,
  FORCE_FLAG,
  {
    name: 'bad-rows',
    kind: 'string',
    arg: 'P',
    choices: BAD_ROWS_CHOICES,
    help: "error or skip (default: the model's training setting, dataset.on_bad_row)",
  },
  BATCH_FLAG,
  THREADS_FLAG,
  QUIET_FLAG,
] as const satisfies readonly Flag[];

export const predictCommand: Command = {
  name: 'predict',
  summary: 'write one click probability per row of a raw data file (CSV)',
  usage: usageOf(
    `Usage: slimctr predict --model RUN_OR_FILE --input DATA --output PREDS.csv [--force] [--bad-rows P] [--batch N] [--threads N]

Streams DATA (any training format, plain or gzip; the label column is optional) through the
model's saved reader settings and encoders, and writes PREDS.csv with a header and one row per
data row, in file order: "probability", or "label,probability" when DATA has the label column.
Memory stays bounded (rows are read, scored and written block by block); the output appears
atomically when every row is done (a crash or a bad row leaves no half file). A bad row stops
the run with file:line:column, or with --bad-rows skip (or a model trained with on_bad_row: skip)
is left out of the output and counted, and the count and first examples are printed at the end.
An existing output file is never replaced without --force, and never the input. Progress goes to stderr.
DATA - reads standard input and PREDS - writes standard output, as rows are scored (row order kept,
memory bounded), for Spark's RDD.pipe, Hadoop streaming or one job per shard (docs/scale.md); a
bad row then stops the run with a non-zero exit after the rows before it.`,
    FLAGS,
    usageOf(PREDICT_ONNX_USAGE, PREDICT_ONNX_FLAGS),
  ),
  flags: [...FLAGS, ...PREDICT_ONNX_FLAGS.filter((f) => !FLAGS.some((g) => g.name === f.name))],
  async run(argv) {
    if (argv.some((a) => a === '--onnx' || a.startsWith('--onnx='))) return predictOnnx(argv);
    const { values } = parseFlags('predict', FLAGS, argv);
    const batch = values.batch;
    await ensureEngine(values.threads ?? 0, undefined, '--threads');
    const { path, model, meta, encoders, reader } = loadRawRowModel(values.model);
    if (values.input !== STDIN && !existsSync(values.input))
      throw new UsageError(`--input ${values.input}: no such file`);
    checkOutput(values.output, values.input, values.force);
    const bad = new BadRows(badRowPolicy(values['bad-rows'], reader));
    const table = await openTable(
      values.input,
      await tableSpecForModel(reader, values.input, (m) => process.stderr.write(`${m}\n`)),
      bad,
    );
    const bound = new BoundEncoders(encoders, table.columns, values.input, false);
    const labelled = bound.labelCol >= 0;
    const quiet = values.quiet;
    const out = await openOutput(values.output);
    const started = performance.now();
    let rows = 0,
      lastNote = started;
    const interrupt = catchInterrupts('predict', `stopping; ${values.output} is not written`);
    const yielder = new Yielder(); // a turn for Ctrl-C between blocks, however fast they go
    try {
      await out.write(labelled ? 'label,probability\n' : 'probability\n');
      const acc = new EncodedRows(bound.nCat, bound.nDense);
      const nc = bound.nCat,
        nd = bound.nDense;
      for await (const block of table.blocks()) {
        await yielder.maybe();
        if (interrupt.signal.aborted)
          throw interrupt.error(`interrupted after ${rows} rows: ${values.output} was not written`);
        acc.clear();
        bound.encodeBlock(block, [acc], bad);
        for (let a = 0; a < acc.rows; a += batch) {
          const e = Math.min(acc.rows, a + batch);
          const logits = predictLogits(model, {
            rows: e - a,
            ids: acc.ids.subarray(a * nc, e * nc),
            dense: acc.dense.subarray(a * nd, e * nd),
          });
          const lines: string[] = [];
          for (let i = 0; i < logits.length; i++) {
            if (Number.isNaN(logits[i]))
              throw new DataError(
                values.input,
                0,
                0,
                `data row ${rows + a + i + 1}: the model's score is NaN (numeric inputs far outside the training range?); nothing was written`,
              );
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
      if (rows === 0)
        throw new NoValidRowsError(
          values.input,
          bad.count ? `${bad.summary()}\nnothing was written` : 'nothing was written',
        );
      await out.commit();
    } catch (err) {
      await out.abort();
      throw err;
    } finally {
      interrupt.dispose();
    }
    const secs = (performance.now() - started) / 1000;
    if (bad.count) process.stderr.write(`predict: ${bad.summary()}\n`);
    if (!quiet)
      process.stderr.write(
        `predict: wrote ${rows} predictions to ${values.output} in ${secs.toFixed(1)} s (${meta.kind}, ${path})\n`,
      );
    return 0;
  },
};
