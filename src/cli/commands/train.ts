import { join } from 'node:path';
import type { Command } from '../command.js';
import { catchInterrupts } from '../interrupt.js';
import { type Flag, parseFlags, usageOf } from '../flags.js';
import { readConfigFile } from '../../config/load.js';
import { CONFIG_FILE } from '../../persist/run_files.js';
import { loadTrainConfig } from '../../train/config.js';
import { ProgressReporter } from '../../train/progress.js';
import { train } from '../../train/trainer.js';
import { UsageError } from '../../util/errors.js';

const FLAGS = [
  { name: 'config', kind: 'string', arg: 'FILE', help: 'the YAML config' },
  {
    name: 'resume',
    kind: 'string',
    arg: 'RUN',
    help: 'continue a run folder from its checkpoint (its config.yaml, plus overrides;\ne.g. --training.epochs=20 to train longer)',
  },
  {
    name: 'json',
    kind: 'boolean',
    help: 'one JSON object per evaluation (and log message) on stdout, no progress bar',
  },
] as const satisfies readonly Flag[];

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a model from a YAML config (run folder with config, metrics, log, best model)',
  usage: usageOf(
    `Usage: slimctr train --config FILE [--section.key=value ...] [--json]
       slimctr train --resume RUN [--section.key=value ...] [--json]

Trains the model the config names (sections: dataset, features, model, training, run) and writes
a run folder (run.root/<run.name>-<timestamp>, or run.dir) holding the resolved config.yaml,
metrics.jsonl, log.txt, the best model.safetensors (by validation AUC) and checkpoint.safetensors.
Any config key can be overridden: --model.embedding_dim=16 --training.lr=1e-3.`,
    FLAGS,
    "'slimctr models' lists the models and their options.",
  ),
  flags: FLAGS,
  async run(argv) {
    const { values, rest } = parseFlags('train', FLAGS, argv, { passthrough: true });
    if (!values.config && !values.resume)
      throw new UsageError('--config FILE is required (or --resume RUN); see slimctr train --help');
    if (values.config && values.resume)
      throw new UsageError('give --config or --resume, not both (a resumed run uses its own config.yaml)');
    const base = values.resume ? readConfigFile(join(values.resume, CONFIG_FILE)) : undefined;
    const { config, rest: unknown, notes } = loadTrainConfig({ file: values.config, base, args: rest });
    if (unknown.length)
      throw new UsageError(`${unknown[0]}: unknown option (config overrides look like --training.lr=1e-3)`);
    const progress = new ProgressReporter({
      mode: values.json ? 'json' : 'auto',
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
