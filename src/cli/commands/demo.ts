import { join } from 'node:path';
import type { Command } from '../command.js';
import { type Flag, parseFlags, usageOf, WHOLE } from '../flags.js';
import { runDemo } from '../../jobs/demo.js';
import { ProgressReporter } from '../../train/progress.js';

const FLAGS = [
  {
    name: 'quick',
    kind: 'boolean',
    help: 'a tiny setup (20k rows, small DeepFM) that finishes in well under a minute',
  },
  { name: 'data', kind: 'string', arg: 'FILE', help: 'a Criteo-format TSV instead of synthetic data' },
  {
    name: 'out',
    kind: 'string',
    arg: 'DIR',
    help: 'output folder (default runs/demo, or runs/demo-quick with --quick)',
  },
  {
    name: 'ratio',
    kind: 'number',
    arg: 'R',
    rule: { ok: (n) => n > 1, what: 'a number above 1' },
    help: 'compression ratio target (default 4)',
  },
  { name: 'threads', kind: 'number', arg: 'N', rule: WHOLE, help: 'kernel threads (default: one per core)' },
] as const satisfies readonly Flag[];

export const demoCommand: Command = {
  name: 'demo',
  summary: 'the main job on defaults: data, train DeepFM, compress ~4x with AFM, fine-tune, compare',
  usage: usageOf(
    `Usage: slimctr demo [--quick] [--data FILE] [--out DIR] [--ratio R] [--threads N]

Writes synthetic Criteo-shaped data (or uses FILE, a Criteo-format TSV: label, I1..I13, C1..C26),
trains DeepFM with early stopping, collects AFM statistics, compresses to about R x fewer parameters
(default 4), fine-tunes, builds an SVD baseline at the same budget, and prints the comparison
table (parameters, bytes, test AUC, logloss, batch-1 latency, batch-4096 throughput). The run
folder (default runs/demo) holds every model.safetensors, comparison.md/json and report.html.`,
    FLAGS,
  ),
  flags: FLAGS,
  async run(argv) {
    const { values } = parseFlags('demo', FLAGS, argv);
    const quick = values.quick;
    const started = performance.now();
    const r = await runDemo({
      quick,
      data: values.data,
      ratio: values.ratio,
      threads: values.threads,
      out: values.out ?? join('runs', quick ? 'demo-quick' : 'demo'),
      progress: new ProgressReporter({ stream: process.stderr }),
    });
    process.stdout.write(
      `\n${r.markdown}\nreport: ${r.report}\ndone in ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
    );
    return 0;
  },
};
