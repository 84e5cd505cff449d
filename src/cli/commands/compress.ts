import type { Command } from '../command.js';
import { withInterrupts } from '../interrupt.js';
import { type Flag, POSITIVE, POSITIVE_INT, parseFlags, usageOf, WHOLE } from '../flags.js';
import { formatTable } from '../table.js';
import { COMPRESS_ONNX_FLAGS, COMPRESS_ONNX_USAGE, compressOnnxCommand } from './compress_onnx.js';
import { RANK_FLAGS, rankChoiceOf, STORAGE_FLAGS } from './rank_flags.js';
import { compressRun, type CompressOptions } from '../../jobs/compress_run.js';
import { ENERGY_KEPT_MEANS, HELD_OUT_ERROR_MEANS } from '../../compress/report.js';
import { formatLr } from '../../train/progress.js';

const METHODS = ['afm', 'afm-act', 'svd'] as const satisfies readonly CompressOptions['method'][];

/** The run form of compress; one of the rank flags (rank_flags.ts) chooses the ranks. */
const FLAGS = [
  { name: 'model', kind: 'string', arg: 'RUN', required: true, help: "a run folder written by 'slimctr train'" },
  ...RANK_FLAGS,
  ...STORAGE_FLAGS,
  {
    name: 'method',
    kind: 'string',
    arg: 'M',
    choices: METHODS,
    default: 'afm',
    help: 'afm | afm-act (ReLU between the factors; needs --finetune) | svd (baseline)',
  },
  {
    name: 'only',
    kind: 'string',
    arg: 'PREFIXES',
    help: 'comma-separated target prefixes to consider (e.g. mlp,embedding)',
  },
  {
    name: 'no-fuse',
    kind: 'boolean',
    help: 'keep the embedding reconstruction (and numeric feature vectors) separate even where they could be folded',
  },
  {
    name: 'stats-rows',
    kind: 'number',
    arg: 'N',
    rule: POSITIVE_INT,
    help: 'statistics from the first N training rows (default: all)',
  },
  {
    name: 'finetune',
    kind: 'boolean',
    help: "fine-tune with early stopping on the run's training.monitor (validation AUC by\ndefault), keep the model before fine-tuning too, and train the original for\nexactly the same epochs and steps at the same learning rate (the control)",
  },
  { name: 'epochs', kind: 'number', arg: 'N', rule: POSITIVE_INT, help: 'fine-tuning epochs at most (default 3)' },
  {
    name: 'lr',
    kind: 'number',
    arg: 'X',
    rule: POSITIVE,
    help: "fine-tuning learning rate (default: the run's lr / 10)",
  },
  {
    name: 'patience',
    kind: 'number',
    arg: 'N',
    rule: POSITIVE_INT,
    help: "fine-tuning epochs without improvement before stopping\n(default: the run's training.finetune_patience, 1)",
  },
  {
    name: 'out',
    kind: 'string',
    arg: 'DIR',
    help: 'output folder (default RUN/compressed-METHOD); must be empty or absent',
  },
  { name: 'force', kind: 'boolean', help: 'replace the results in a non-empty output folder' },
  { name: 'threads', kind: 'number', arg: 'N', rule: WHOLE, help: "kernel threads (default: the run's setting)" },
  { name: 'json', kind: 'boolean', help: 'print the result as JSON' },
] as const satisfies readonly Flag[];

export const compressCommand: Command = {
  name: 'compress',
  summary: 'compress a trained run (AFM low-rank on layers and embeddings), optionally fine-tune',
  usage: usageOf(
    `Usage: slimctr compress --model RUN (--ratio R | --energy E | --ranks FILE | --bytes SIZE) [--quantize BITS] [options]

Collects output statistics of every Linear layer and embedding field on the run's training
split, chooses ranks, factorizes (AFM: project each layer's output onto its principal subspace;
embeddings shrink to k columns, folded into the first MLP layer where the MLP reads them), and
scores the result on the test split. Writes RUN/compressed-METHOD/ (or --out) with
model.safetensors, report.json and, with --finetune, before-finetune.safetensors and
control.safetensors. Under --ratio it prints the ratio reached and which rule cut past the ratio asked.
--quantize stores targets in 8 or 4 bits (after any factoring and fine-tuning); --bytes picks
ranks and bits together so model.safetensors fits the size, or names the smallest it can reach.`,
    FLAGS,
    usageOf(COMPRESS_ONNX_USAGE, COMPRESS_ONNX_FLAGS),
  ),
  flags: [...FLAGS, ...COMPRESS_ONNX_FLAGS.filter((f) => !FLAGS.some((g) => g.name === f.name))],
  async run(argv) {
    if (argv.some((a) => a === '--onnx' || a.startsWith('--onnx='))) return compressOnnxCommand(argv);
    const { values } = parseFlags('compress', FLAGS, argv);
    const method = values.method;
    const opts: CompressOptions = {
      method,
      rank: rankChoiceOf(values, true),
      quantize: values.quantize,
      only: values.only
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      fuse: !values['no-fuse'],
      statsRows: values['stats-rows'],
      finetune: values.finetune,
      epochs: values.epochs,
      lr: values.lr,
      patience: values.patience,
      out: values.out,
      force: values.force,
      threads: values.threads,
      log: values.json ? undefined : (m) => process.stderr.write(`${m}\n`),
    };
    const r = await withInterrupts(
      'compress',
      'finishing the step (a fine-tuned model is saved with its best weights)',
      (i) => compressRun(values.model, { ...opts, signal: i.signal }),
    );
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({ outDir: r.outDir, ratio: r.ratio, bytes: r.bytes, plan: r.plan, targets: r.targets, variants: r.variants.map(({ fit, ...v }) => ({ ...v, fit: fit && { epochs: fit.epochs, steps: fit.steps, lr: fit.lr, bestEpoch: fit.bestEpoch } })) })}\n`,
      );
      return 0;
    }
    const pct = (x: number | null): string => (x === null ? '-' : `${(100 * x).toFixed(2)}%`);
    const energy = method === 'svd' ? 'weight energy kept' : 'output variance kept';
    process.stdout.write(
      `\nTargets (${method})\n${formatTable(
        r.targets.map((t) => ({
          target: t.target,
          shape: t.shape,
          rank: t.rank ?? 'kept',
          bits: t.bits,
          [energy]: pct(t.energyKept),
          'params before': t.paramsBefore,
          'params after': t.paramsAfter,
          'held-out output error': pct(t.heldOutError),
        })),
      )}${energy}: ${ENERGY_KEPT_MEANS[method]}\nheld-out output error: ${HELD_OUT_ERROR_MEANS}\n`,
    );
    if (r.ratio) {
      process.stdout.write(
        `\nratio reached ${r.ratio.reached.toFixed(2)}x (asked ${r.ratio.asked.toFixed(2)}x)${r.ratio.notes.map((n) => `\n  ${n}`).join('')}\n`,
      );
    }
    if (r.bytes)
      process.stdout.write(
        `\nmodel file ${r.bytes.file} bytes (budget ${r.bytes.budget}; the original's ${r.bytes.before}: ${(r.bytes.before / r.bytes.file).toFixed(2)}x smaller)\n`,
      );
    process.stdout.write(
      `\nVariants (test split)\n${formatTable(
        r.variants.map((v) => ({
          variant: v.name,
          params: v.params,
          'test AUC': v.test ? v.test.auc.toFixed(6) : '-',
          logloss: v.test ? v.test.logloss.toFixed(6) : '-',
          epochs: v.fit ? `${v.fit.epochs} (best ${v.fit.bestEpoch})` : '-',
          steps: v.fit ? v.fit.steps : '-',
          lr: v.fit ? formatLr(v.fit.lr) : '-',
        })),
      )}\nwrote ${r.outDir}\n`,
    );
    return 0;
  },
};
