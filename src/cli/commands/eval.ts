import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '../command.js';
import { parseRowRange } from '../../data/config.js';
import { BadRows } from '../../data/index.js';
import type { BadRowPolicy } from '../../data/bad_rows.js';
import { loadModel, type ReaderSettings } from '../../persist/model_file.js';
import { metricsOf, scoreFile } from '../../train/evaluate.js';
import { tableSpecForModel } from '../../serve/raw_input.js';
import { ensureEngine } from '../../train/setup.js';
import { MODEL_FILE } from '../../train/trainer.js';
import { ModelFileError, NoValidRowsError, UsageError } from '../../util/errors.js';
import { takeFlags } from './train.js';

/** A run folder's model.safetensors, or the file itself. */
export function modelPathOf(arg: string): string {
  if (!existsSync(arg)) throw new UsageError(`--model ${arg}: no such run folder or file`);
  return statSync(arg).isDirectory() ? join(arg, MODEL_FILE) : arg;
}

/** The bad-row policy: --bad-rows when given, else the model's training setting, else 'error'. */
export function badRowPolicy(flag: string | undefined, reader: ReaderSettings): BadRowPolicy {
  if (flag !== undefined && flag !== 'error' && flag !== 'skip')
    throw new UsageError(`--bad-rows must be error or skip, got '${flag}'`);
  return (flag as BadRowPolicy | undefined) ?? reader.on_bad_row ?? 'error';
}

export const positiveInt = (name: string, v: string | undefined, dflt: number): number => {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got '${v}'`);
  return n;
};

export const evalCommand: Command = {
  name: 'eval',
  summary: 'score a trained model on a labelled data file (AUC, logloss)',
  usage: `Usage: slimctr eval --model RUN_OR_FILE --data FILE [--rows A-B] [--json]

Reads FILE the way the model's training data was read (format, columns) through the model's
saved encoders, and prints AUC, logloss and the row count.

Options:
  --model PATH      a run folder (uses its model.safetensors) or a model file
  --data FILE       labelled data (plain or gzip)
  --rows A-B        score only data rows A..B (1-based, inclusive; "64001-" runs to the end)
  --bad-rows P      error (stop at the first malformed row) or skip (count, skip, report);
                    default: the model's training setting (dataset.on_bad_row)
  --batch-size N    rows per forward pass (default 8192)
  --threads N       kernel threads (default: one per core)
  --json            print one JSON object`,
  async run(argv) {
    const { values, flags, rest } = takeFlags(
      argv,
      ['model', 'data', 'rows', 'batch-size', 'threads', 'bad-rows'],
      ['json'],
    );
    if (rest.length) throw new UsageError(`unknown argument '${rest[0]}' (see slimctr eval --help)`);
    if (!values.model) throw new UsageError('--model RUN_OR_FILE is required');
    if (!values.data) throw new UsageError('--data FILE is required');
    let rows: [number, number] | undefined;
    if (values.rows !== undefined) {
      if (!/^\s*\d+\s*(-\s*\d*\s*)?$/.test(values.rows))
        throw new UsageError(`--rows expects a range like 64001-80000 or 64001-, got '${values.rows}'`);
      rows = parseRowRange(values.rows);
      if (rows[0] < 1) throw new UsageError(`--rows ${values.rows}: data rows are numbered from 1`);
      if (rows[1] < rows[0]) throw new UsageError(`--rows ${values.rows}: the range ends before it starts`);
    }
    const batchSize = positiveInt('batch-size', values['batch-size'], 8192);
    await ensureEngine(
      values.threads === undefined ? 0 : positiveInt('threads', values.threads, 0),
      undefined,
      '--threads',
    );
    const path = modelPathOf(values.model);
    const { model, meta, encoders } = loadModel(path);
    if (!encoders || !meta.reader)
      throw new ModelFileError(
        path,
        'the model file has no encoders / reader settings, so raw data cannot be encoded for it',
      );
    if (!existsSync(values.data)) throw new UsageError(`--data ${values.data}: no such file`);
    const spec = await tableSpecForModel(meta.reader, values.data, (m) => process.stderr.write(`${m}\n`));
    const bad = new BadRows(badRowPolicy(values['bad-rows'], meta.reader));
    const started = performance.now();
    const scored = await scoreFile(model, values.data, spec, encoders, { batchSize, rows, badRows: bad });
    if (rows && scored.dataRows < (Number.isFinite(rows[1]) ? rows[1] : rows[0])) {
      throw new UsageError(
        `--rows ${values.rows}: the range goes past the end of ${values.data} (${scored.dataRows} data rows)`,
      );
    }
    if (scored.rows === 0)
      throw new NoValidRowsError(
        values.data,
        bad.count ? bad.summary() : values.rows ? `--rows ${values.rows} selects none` : 'the file holds no data rows',
      );
    const m = metricsOf(scored);
    const seconds = (performance.now() - started) / 1000;
    if (flags.has('json')) {
      process.stdout.write(
        `${JSON.stringify({ model: path, data: values.data, kind: meta.kind, auc: m.auc, logloss: m.logloss, rows: m.rows, positives: m.positives, bad_rows: bad.count, seconds })}\n`,
      );
    } else {
      process.stdout.write(
        `model ${meta.kind} (${path})\ndata ${values.data}${values.rows ? ` rows ${values.rows}` : ''}\n`,
      );
      process.stdout.write(
        `AUC ${m.auc.toFixed(6)}  logloss ${m.logloss.toFixed(6)}  rows ${m.rows}  positives ${m.positives}\n`,
      );
      if (bad.count) process.stderr.write(`${bad.summary()}\n`);
    }
    return 0;
  },
};
