import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '../command.js';
import { type Flag, POSITIVE, POSITIVE_INT, parseFlags, usageOf, WHOLE } from '../flags.js';
import { aucChart, compareMarkdown, compareModels, modelFilesOf, spectrumChart } from '../../jobs/compare.js';
import { writeFileAtomic } from '../../io/atomic.js';
import { compareOnnx } from '../../jobs/compare_onnx.js';
import { REPORT_FILE } from '../../persist/run_files.js';
import { ensureEngine } from '../../train/setup.js';
import { UsageError } from '../../util/errors.js';

const FLAGS = [
  { name: 'out', kind: 'string', arg: 'DIR', help: 'where to write the Markdown, JSON and SVG charts' },
  { name: 'threads', kind: 'number', arg: 'N', rule: WHOLE, help: 'kernel threads for timing (default: one per core)' },
  {
    name: 'seconds',
    kind: 'number',
    arg: 'S',
    rule: POSITIVE,
    default: 1.5,
    help: 'timing budget per model and measure, over all repeats',
  },
  { name: 'repeats', kind: 'number', arg: 'N', rule: POSITIVE_INT, default: 5, help: 'interleaved timing repeats' },
  { name: 'onnx', kind: 'boolean', help: 'the files are ONNX models, scored and timed on --data' },
  { name: 'data', kind: 'string', arg: 'FILE', help: "with --onnx: graph inputs (.npz or .csv) with a 'label' array" },
] as const satisfies readonly Flag[];

export const compareCommand: Command = {
  name: 'compare',
  summary: 'compare model variants: size, bytes, gzip bytes, test AUC, logloss, latency, throughput (+ charts)',
  usage: usageOf(
    `Usage: slimctr compare RUN_OR_FILE... [--out DIR] [--threads N] [--seconds S] [--repeats N]

Loads each model (a run folder's model.safetensors; a 'slimctr compress' folder's model before
fine-tuning, compressed model and control; or a model file), and prints one table: parameters,
bytes on disk, bytes gzipped at level 9 (what a static host serving the file compressed sends),
test AUC and logloss (as recorded when the model was trained or compressed),
batch-1 latency and batch-4096 throughput of slimctr's forward pass: the median of N repeats that
take the models in turn, with the smallest and largest repeat. With --out, writes compare.md, compare.json, auc_vs_size.svg
and, for compress folders, the eigenvalue spectra (spectrum-NAME.svg).

slimctr compare --onnx MODEL.onnx... --data INPUTS.npz does the same for ONNX models (an original
and its 'slimctr compress --onnx' copies): AUC and logloss on INPUTS' labels, latency and
throughput of slimctr's engine on its rows.`,
    FLAGS,
  ),
  flags: FLAGS,
  async run(argv) {
    const { values, positionals: rest } = parseFlags('compare', FLAGS, argv, { positionals: true });
    if (rest.length === 0) throw new UsageError('name at least one run folder or model file');
    await ensureEngine(values.threads ?? 0);
    if (values.onnx && !values.data) throw new UsageError('--onnx needs --data INPUTS (the graph inputs to score)');
    for (const f of [...rest, ...(values.data ? [values.data] : [])])
      if (!existsSync(f)) throw new UsageError(`${f}: no such file or folder`);
    const rows = values.onnx
      ? compareOnnx(rest, values.data!, values.seconds, values.repeats)
      : compareModels(modelFilesOf(rest), values.seconds, values.repeats);
    const md = compareMarkdown(rows);
    process.stdout.write(md);
    if (values.out) {
      mkdirSync(values.out, { recursive: true });
      writeFileAtomic(join(values.out, 'compare.md'), md);
      writeFileAtomic(join(values.out, 'compare.json'), JSON.stringify(rows, null, 2));
      writeFileAtomic(join(values.out, 'auc_vs_size.svg'), aucChart(rows));
      for (const dir of rest) {
        const svg = spectrumChart(join(dir, REPORT_FILE));
        if (svg) writeFileAtomic(join(values.out, `spectrum-${dir.split('/').filter(Boolean).pop()}.svg`), svg);
      }
      process.stdout.write(`wrote ${values.out}\n`);
    }
    return 0;
  },
};
