import { join } from 'node:path';
import type { Command } from '../command.js';
import { numberFlag } from '../flags.js';
import { runDemo } from '../../jobs/demo.js';
import { ProgressReporter } from '../../train/progress.js';
import { UsageError } from '../../util/errors.js';
import { takeFlags } from './train.js';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'the main job on defaults: data, train DeepFM, compress ~4x with AFM, fine-tune, compare',
  usage: `Usage: slimctr demo [--quick] [--data FILE] [--out DIR] [--ratio R] [--threads N]

Writes synthetic Criteo-shaped data (or uses FILE, a Criteo-format TSV: label, I1..I13, C1..C26),
trains DeepFM with early stopping, collects AFM statistics, compresses to about R x fewer parameters
(default 4), fine-tunes, builds an SVD baseline at the same budget, and prints the comparison
table (parameters, bytes, test AUC, logloss, batch-1 latency, batch-4096 throughput). The run
folder (default runs/demo) holds every model.safetensors, comparison.md/json and report.html.

Options:
  --quick        a tiny setup (20k rows, small DeepFM) that finishes in well under a minute
  --data FILE    a Criteo-format TSV instead of synthetic data
  --out DIR      output folder (default runs/demo, or runs/demo-quick with --quick)
  --ratio R      compression ratio target (default 4)
  --threads N    kernel threads (default: one per core)`,
  async run(argv) {
    const { values, flags, rest } = takeFlags(argv, ['data', 'out', 'ratio', 'threads'], ['quick']);
    if (rest.length) throw new UsageError(`unknown argument '${rest[0]}' (see slimctr demo --help)`);
    const ratio = numberFlag('ratio', values.ratio, (n) => n > 1, 'a number above 1');
    const quick = flags.has('quick');
    const started = performance.now();
    const r = await runDemo({
      quick,
      data: values.data,
      ratio,
      threads: numberFlag('threads', values.threads, (n) => Number.isInteger(n) && n >= 0, 'a whole number'),
      out: values.out ?? join('runs', quick ? 'demo-quick' : 'demo'),
      progress: new ProgressReporter({ stream: process.stderr }),
    });
    process.stdout.write(
      `\n${r.markdown}\nreport: ${r.report}\ndone in ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
    );
    return 0;
  },
};
