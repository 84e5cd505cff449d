import { join } from 'node:path';
import type { Command } from '../command.js';
import { catchInterrupts } from '../interrupt.js';
import { readConfigFile } from '../../config/load.js';
import { loadTrainConfig } from '../../train/config.js';
import { ProgressReporter } from '../../train/progress.js';
import { train } from '../../train/trainer.js';
import { UsageError } from '../../util/errors.js';

/** Pulls `--NAME VALUE` / `--NAME=VALUE` for the given names and bare boolean flags out of argv. */
export function takeFlags(
  argv: readonly string[],
  valued: readonly string[],
  bools: readonly string[],
): { values: Record<string, string>; flags: Set<string>; rest: string[] } {
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([\w-]+)(?:=([\s\S]*))?$/.exec(argv[i]);
    if (m && valued.includes(m[1])) {
      const v = m[2] ?? argv[++i];
      if (v === undefined || (m[2] === undefined && v.startsWith('--')))
        throw new UsageError(`--${m[1]} needs a value`);
      values[m[1]] = v;
    } else if (m && bools.includes(m[1]) && m[2] === undefined) flags.add(m[1]);
    else rest.push(argv[i]);
  }
  return { values, flags, rest };
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a model from a YAML config (run folder with config, metrics, log, best model)',
  usage: `Usage: slimctr train --config FILE [--section.key=value ...] [--json]
       slimctr train --resume RUN [--section.key=value ...] [--json]

Trains the model the config names (sections: dataset, features, model, training, run) and writes
a run folder (run.root/<run.name>-<timestamp>, or run.dir) holding the resolved config.yaml,
metrics.jsonl, log.txt, the best model.safetensors (by validation AUC) and checkpoint.safetensors.
Any config key can be overridden: --model.embedding_dim=16 --training.lr=1e-3.

Options:
  --config FILE   the YAML config
  --resume RUN    continue a run folder from its checkpoint (its config.yaml, plus overrides;
                  e.g. --training.epochs=20 to train longer)
  --json          one JSON object per evaluation (and log message) on stdout, no progress bar

'slimctr models' lists the models and their options.`,
  async run(argv) {
    const { values, flags, rest } = takeFlags(argv, ['config', 'resume'], ['json']);
    if (!values.config && !values.resume)
      throw new UsageError('--config FILE is required (or --resume RUN); see slimctr train --help');
    if (values.config && values.resume)
      throw new UsageError('give --config or --resume, not both (a resumed run uses its own config.yaml)');
    const base = values.resume ? readConfigFile(join(values.resume, 'config.yaml')) : undefined;
    const { config, rest: unknown, notes } = loadTrainConfig({ file: values.config, base, args: rest });
    if (unknown.length)
      throw new UsageError(`unknown option '${unknown[0]}' (config overrides look like --training.lr=1e-3)`);
    const progress = new ProgressReporter({
      mode: flags.has('json') ? 'json' : 'auto',
      epochs: config.training.epochs,
    });
    for (const n of notes) progress.log(n);
    const interrupt = catchInterrupts('train', 'finishing the step and writing a checkpoint');
    let r;
    try {
      r = await train(config, { progress, resume: values.resume, signal: interrupt.signal });
    } finally {
      interrupt.dispose();
    }
    if (progress.mode === 'json') {
      process.stdout.write(
        `${JSON.stringify({ event: 'done', run: r.runDir, model: r.modelPath, epochs: r.epochs, steps: r.steps, best_val_auc: r.best?.auc ?? null, best_epoch: r.best?.epoch ?? null, test_auc: r.test?.auc ?? null, test_logloss: r.test?.logloss ?? null, params: r.params, seconds: r.seconds })}\n`,
      );
    } else {
      const best = r.best
        ? `best validation AUC ${r.best.auc.toFixed(6)} (epoch ${r.best.epoch})`
        : 'no validation split';
      const test = r.test ? `; test AUC ${r.test.auc.toFixed(6)} logloss ${r.test.logloss.toFixed(6)}` : '';
      process.stdout.write(`${best}${test}\nmodel: ${r.modelPath}\n`);
    }
    return interrupt.exitCode() ?? (r.interrupted ? 130 : 0);
  },
};
