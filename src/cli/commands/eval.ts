import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '../command.js';
import { type Flag, POSITIVE_INT, parseFlags, usageOf } from '../flags.js';
import { parseRowRange } from '../../data/config.js';
import { BadRows } from '../../data/index.js';
import type { BadRowPolicy } from '../../data/bad_rows.js';
import { loadModel, type ReaderSettings } from '../../persist/model_file.js';
import { metricsOf, scoreFile } from '../../train/evaluate.js';
import { tableSpecForModel } from '../../serve/raw_input.js';
import { ensureEngine } from '../../train/setup.js';
import { MODEL_FILE } from '../../persist/run_files.js';
import { ModelFileError, NoValidRowsError, UsageError } from '../../util/errors.js';

/** A run folder's model.safetensors, or the file itself. */
export function modelPathOf(arg: string): string {
  if (!existsSync(arg)) throw new UsageError(`--model ${arg}: no such run folder or file`);
  return statSync(arg).isDirectory() ? join(arg, MODEL_FILE) : arg;
}

/** The model --model names, with the encoders and reader settings that raw rows need. */
export function loadRawRowModel(arg: string) {
  const path = modelPathOf(arg);
  const { model, meta, encoders } = loadModel(path);
  if (!encoders || !meta.reader)
    throw new ModelFileError(
      path,
      'the model file has no encoders / reader settings, so raw data cannot be encoded for it',
    );
  return { path, model, meta, encoders, reader: meta.reader };
}

/** The bad-row policy: --bad-rows when given, else the model's training setting, else 'error'. */
export function badRowPolicy(flag: BadRowPolicy | undefined, reader: ReaderSettings): BadRowPolicy {
  return flag ?? reader.on_bad_row ?? 'error';
}

/** The flags eval and predict share. */
export const MODEL_FLAG = {
  name: 'model',
  kind: 'string',
  arg: 'PATH',
  required: true,
  help: 'a run folder (uses its model.safetensors) or a model file',
} as const satisfies Flag;
export const THREADS_FLAG = {
  name: 'threads',
  kind: 'number',
  arg: 'N',
  rule: POSITIVE_INT,
  help: 'kernel threads (default: one per core)',
} as const satisfies Flag;
export const BAD_ROWS_CHOICES = ['error', 'skip'] as const satisfies readonly BadRowPolicy[];

const FLAGS = [
  MODEL_FLAG,
  { name: 'data', kind: 'string', arg: 'FILE', required: true, help: 'labelled data (plain or gzip)' },
  {
    name: 'rows',
    kind: 'string',
    arg: 'A-B',
    help: 'score only data rows A..B (1-based, inclusive; "64001-" runs to the end)',
  },
  {
    name: 'bad-rows',
    kind: 'string',
    arg: 'P',
    choices: BAD_ROWS_CHOICES,
    help: "error (stop at the first malformed row) or skip (count, skip, report);\ndefault: the model's training setting (dataset.on_bad_row)",
  },
  { name: 'batch-size', kind: 'number', arg: 'N', rule: POSITIVE_INT, default: 8192, help: 'rows per forward pass' },
  THREADS_FLAG,
  { name: 'json', kind: 'boolean', help: 'print one JSON object' },
] as const satisfies readonly Flag[];

export const evalCommand: Command = {
  name: 'eval',
  summary: 'score a trained model on a labelled data file (AUC, logloss)',
  usage: usageOf(
    `Usage: slimctr eval --model RUN_OR_FILE --data FILE [--rows A-B] [--json]

Reads FILE the way the model's training data was read (format, columns) through the model's
saved encoders, and prints AUC, logloss and the row count.`,
    FLAGS,
  ),
  flags: FLAGS,
  async run(argv) {
    const { values } = parseFlags('eval', FLAGS, argv);
    let rows: [number, number] | undefined;
    if (values.rows !== undefined) {
      if (!/^\s*\d+\s*(-\s*\d*\s*)?$/.test(values.rows))
        throw new UsageError(`--rows: expects a range like 64001-80000 or 64001-, got '${values.rows}'`);
      rows = parseRowRange(values.rows);
      if (rows[0] < 1) throw new UsageError(`--rows ${values.rows}: data rows are numbered from 1`);
      if (rows[1] < rows[0]) throw new UsageError(`--rows ${values.rows}: the range ends before it starts`);
    }
    const batchSize = values['batch-size'];
    await ensureEngine(values.threads ?? 0, undefined, '--threads');
    const { path, model, meta, encoders, reader } = loadRawRowModel(values.model);
    if (!existsSync(values.data)) throw new UsageError(`--data ${values.data}: no such file`);
    const spec = await tableSpecForModel(reader, values.data, (m) => process.stderr.write(`${m}\n`));
    const bad = new BadRows(badRowPolicy(values['bad-rows'], reader));
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
    if (values.json) {
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
