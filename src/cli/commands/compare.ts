import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '../command.js';
import { numberFlag } from '../flags.js';
import { aucChart, compareMarkdown, compareModels, modelFilesOf, spectrumChart } from '../../jobs/compare.js';
import { writeFileAtomic } from '../../io/atomic.js';
import { ensureEngine } from '../../train/setup.js';
import { UsageError } from '../../util/errors.js';
import { takeFlags } from './train.js';

export const compareCommand: Command = {
  name: 'compare',
  summary: 'compare model variants: size, bytes, test AUC, logloss, latency, throughput (+ charts)',
  usage: `Usage: slimctr compare RUN_OR_FILE... [--out DIR] [--threads N] [--seconds S] [--repeats N]

Loads each model (a run folder's model.safetensors; a 'slimctr compress' folder's model before
fine-tuning, compressed model and control; or a model file), and prints one table: parameters,
bytes on disk, test AUC and logloss (as recorded when the model was trained or compressed),
batch-1 latency and batch-4096 throughput of slimctr's forward pass: the median of N repeats that
take the models in turn, with the smallest and largest repeat. With --out, writes compare.md, compare.json, auc_vs_size.svg
and, for compress folders, the eigenvalue spectra (spectrum-NAME.svg).

Options:
  --out DIR      where to write the Markdown, JSON and SVG charts
  --threads N    kernel threads for timing (default: one per core)
  --seconds S    timing budget per model and measure, over all repeats (default 1.5)
  --repeats N    interleaved timing repeats (default 5)`,
  async run(argv) {
    const { values, rest } = takeFlags(argv, ['out', 'threads', 'seconds', 'repeats'], []);
    const bad = rest.find((a) => a.startsWith('--'));
    if (bad) throw new UsageError(`unknown option '${bad}' (see slimctr compare --help)`);
    if (rest.length === 0) throw new UsageError('name at least one run folder or model file');
    const threads = numberFlag('threads', values.threads, (n) => Number.isInteger(n) && n >= 0, 'a whole number') ?? 0;
    const seconds = numberFlag('seconds', values.seconds, (n) => n > 0, 'a positive number') ?? 1.5;
    const repeats =
      numberFlag('repeats', values.repeats, (n) => Number.isInteger(n) && n > 0, 'a positive integer') ?? 5;
    await ensureEngine(threads);
    const rows = compareModels(modelFilesOf(rest), seconds, repeats);
    const md = compareMarkdown(rows);
    process.stdout.write(md);
    if (values.out) {
      mkdirSync(values.out, { recursive: true });
      writeFileAtomic(join(values.out, 'compare.md'), md);
      writeFileAtomic(join(values.out, 'compare.json'), JSON.stringify(rows, null, 2));
      writeFileAtomic(join(values.out, 'auc_vs_size.svg'), aucChart(rows));
      for (const dir of rest) {
        const svg = spectrumChart(join(dir, 'report.json'));
        if (svg) writeFileAtomic(join(values.out, `spectrum-${dir.split('/').filter(Boolean).pop()}.svg`), svg);
      }
      process.stdout.write(`wrote ${values.out}\n`);
    }
    return 0;
  },
};
