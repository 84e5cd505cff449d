import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Command } from '../command.js';
import { withInterrupts } from '../interrupt.js';
import { numberFlag } from '../flags.js';
import { formatTable } from '../table.js';
import { compressRun, type CompressOptions } from '../../jobs/compress_run.js';
import { RANK_RULES, type RankChoice } from '../../compress/rank_choice.js';
import { ENERGY_KEPT_MEANS, HELD_OUT_ERROR_MEANS } from '../../compress/report.js';
import { formatLr } from '../../train/progress.js';
import { UsageError } from '../../util/errors.js';
import { takeFlags } from './train.js';

function readRanks(file: string): Record<string, number> {
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--ranks ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new UsageError(`--ranks ${file}: expected a mapping of target -> rank, e.g. "mlp.layer1: 64"`);
  return raw as Record<string, number>; // each rank is checked against its target's bounds by selectRanks
}

/** The one rank rule the flags ask for, its numbers checked by RANK_RULES. */
function rankChoiceOf(values: Record<string, string | undefined>): RankChoice {
  const given = (['ratio', 'energy', 'ranks'] as const).filter((k) => values[k] !== undefined);
  if (given.length !== 1) throw new UsageError('give exactly one of --ratio, --energy, --ranks');
  const flag = (name: string, rule: { ok: (n: number) => boolean; means: string }): number | undefined =>
    numberFlag(name, values[name], rule.ok, rule.means);
  const fieldEnergy = flag('field-energy', RANK_RULES.fieldEnergy);
  if (fieldEnergy !== undefined && given[0] !== 'ratio')
    throw new UsageError('--field-energy applies only with --ratio');
  if (given[0] === 'ranks') return { by: 'ranks', ranks: readRanks(values.ranks!) };
  if (given[0] === 'energy') return { by: 'energy', energy: flag('energy', RANK_RULES.energy)! };
  return {
    by: 'ratio',
    ratio: flag('ratio', RANK_RULES.ratio)!,
    ...(fieldEnergy === undefined ? {} : { fieldEnergy }),
  };
}

export const compressCommand: Command = {
  name: 'compress',
  summary: 'compress a trained run (AFM low-rank on layers and embeddings), optionally fine-tune',
  usage: `Usage: slimctr compress --model RUN (--ratio R | --energy E | --ranks FILE) [options]

Collects output statistics of every Linear layer and embedding field on the run's training
split, chooses ranks, factorizes (AFM: project each layer's output onto its principal subspace;
embeddings shrink to k columns, folded into the first MLP layer where the MLP reads them), and
scores the result on the test split. Writes RUN/compressed-METHOD/ (or --out) with
model.safetensors, report.json and, with --finetune, before-finetune.safetensors and
control.safetensors. Under --ratio it prints the ratio reached and which rule cut past the ratio asked.

Options:
  --model RUN        a run folder written by 'slimctr train'
  --ratio R          parameter budget: original / R (greedy: least energy lost per parameter saved)
  --energy E         per target, the smallest rank keeping >= E of the output variance (0 < E < 1)
  --ranks FILE       YAML/JSON mapping target -> rank (targets: Linear paths like mlp.layer1, and 'embedding')
  --method M         afm (default) | afm-act (ReLU between the factors; needs --finetune) | svd (baseline)
  --field-energy E   with --ratio: layers run many times per example (attention projections once
                     per field, CIN maps once per embedding column), whose compute is out of
                     proportion to their parameters, are also factored at the smallest rank
                     keeping >= E of their output variance (default 0.99; 0: off)
  --only PREFIXES    comma-separated target prefixes to consider (e.g. mlp,embedding)
  --no-fuse          keep the embedding reconstruction separate even where it could be folded
  --stats-rows N     statistics from the first N training rows (default: all)
  --finetune         fine-tune with early stopping on the run's training.monitor (validation AUC by
                     default), keep the model before fine-tuning too, and train the original for
                     exactly the same epochs and steps at the same learning rate (the control)
  --epochs N         fine-tuning epochs at most (default 3)
  --lr X             fine-tuning learning rate (default: the run's lr / 10)
  --patience N       fine-tuning epochs without improvement before stopping
                     (default: the run's training.finetune_patience, 1)
  --out DIR          output folder (default RUN/compressed-METHOD); must be empty or absent
  --force            replace the results in a non-empty output folder
  --threads N        kernel threads (default: the run's setting)
  --json             print the result as JSON`,
  async run(argv) {
    const { values, flags, rest } = takeFlags(
      argv,
      [
        'model',
        'ratio',
        'energy',
        'ranks',
        'method',
        'field-energy',
        'only',
        'stats-rows',
        'epochs',
        'lr',
        'patience',
        'out',
        'threads',
      ],
      ['finetune', 'json', 'no-fuse', 'force'],
    );
    if (rest.length) throw new UsageError(`unknown argument '${rest[0]}' (see slimctr compress --help)`);
    if (!values.model) throw new UsageError('--model RUN is required');
    const method = (values.method ?? 'afm') as CompressOptions['method'];
    if (!['afm', 'afm-act', 'svd'].includes(method))
      throw new UsageError(`--method must be afm, afm-act or svd, got '${values.method}'`);
    const opts: CompressOptions = {
      method,
      rank: rankChoiceOf(values),
      only: values.only
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      fuse: !flags.has('no-fuse'),
      statsRows: numberFlag(
        'stats-rows',
        values['stats-rows'],
        (n) => Number.isInteger(n) && n > 0,
        'a positive integer',
      ),
      finetune: flags.has('finetune'),
      epochs: numberFlag('epochs', values.epochs, (n) => Number.isInteger(n) && n > 0, 'a positive integer'),
      lr: numberFlag('lr', values.lr, (n) => n > 0, 'a positive number'),
      patience: numberFlag('patience', values.patience, (n) => Number.isInteger(n) && n > 0, 'a positive integer'),
      out: values.out,
      force: flags.has('force'),
      threads: numberFlag('threads', values.threads, (n) => Number.isInteger(n) && n >= 0, 'a whole number'),
      log: flags.has('json') ? undefined : (m) => process.stderr.write(`${m}\n`),
    };
    const r = await withInterrupts(
      'compress',
      'finishing the step (a fine-tuned model is saved with its best weights)',
      (i) => compressRun(values.model!, { ...opts, signal: i.signal }),
    );
    if (flags.has('json')) {
      process.stdout.write(
        `${JSON.stringify({ outDir: r.outDir, ratio: r.ratio, plan: r.plan, targets: r.targets, variants: r.variants.map(({ fit, ...v }) => ({ ...v, fit: fit && { epochs: fit.epochs, steps: fit.steps, lr: fit.lr, bestEpoch: fit.bestEpoch } })) })}\n`,
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
