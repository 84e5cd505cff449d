/**
 * The trainer: seeded shuffled epochs over the training split, one optimizer step per batch
 * (Adam / Adagrad / SGD; embeddings updated sparsely), validation AUC + logloss after every epoch
 * (and every `eval_every` steps), learning-rate decay on plateaus, early stopping, the best model
 * kept as model.safetensors, a checkpoint for --resume, and a final test-split score.
 * Deterministic for a seed and thread count. In order: session.ts (run folder, data), start.ts
 * (fresh or resumed model), loop.ts (epochs), final_test.ts (test score, bad rows).
 */
import { checkDataFiles } from '../data/pipeline.js';
import { ConfigError } from '../util/errors.js';
import type { TrainConfig } from './config.js';
import type { EvalMetrics } from './evaluate.js';
import { reportBadRows, scoreTest } from './final_test.js';
import { runEpochs, type LoopExits } from './loop.js';
import { formatCount, type ProgressReporter } from './progress.js';
import { openSession } from './session.js';
import { ensureEngine } from './setup.js';
import { startState } from './start.js';

export interface TrainOptions extends LoopExits {
  /** Progress output (default: stdout, bar on a terminal, plain lines otherwise). */
  progress?: ProgressReporter;
  /** Continue this run folder from its checkpoint (pass the run's saved config, overrides applied). */
  resume?: string;
}

export interface TrainResult {
  runDir: string;
  modelPath: string;
  /** Epochs completed in total (resumed ones included). */
  epochs: number;
  steps: number;
  best: { auc: number; epoch: number; step: number } | null;
  test: EvalMetrics | null;
  params: number;
  /** Wall time of this session, seconds (data preparation included). */
  seconds: number;
  stoppedEarly: boolean;
  /** Left before finishing (stopAfterEpochs): resume to continue. */
  interrupted: boolean;
}

export async function train(config: TrainConfig, opts: TrainOptions = {}): Promise<TrainResult> {
  const started = performance.now();
  const tc = config.training;
  if (config.dataset.label === null) {
    throw new ConfigError(
      'dataset.label',
      'training needs labels, but the label column is null (unlabelled data); name the label column, e.g. --dataset.label=label',
    );
  }
  checkDataFiles(config.dataset); // before the run folder is made
  await ensureEngine(tc.threads, tc.backend);
  const s = await openSession(config, opts, started);
  const st = startState(s, Boolean(opts.resume));
  const params = st.model.paramCount();
  s.say(
    `model ${config.model.name}: ${formatCount(params)} parameters; rows: train ${s.train.rows}, validation ${s.validation?.rows ?? 0}, test ${s.data.splits.test?.rows ?? 0}`,
  );

  const { stoppedEarly, interrupted } = await runEpochs(s, st, opts);
  const test = interrupted ? null : scoreTest(s, st.loop);
  reportBadRows(s);
  const { loop } = st;
  const seconds = (performance.now() - started) / 1000;
  s.say(`done in ${seconds.toFixed(1)} s: ${loop.epoch - 1} epoch(s), ${loop.step} steps`);
  return {
    runDir: s.run.path,
    modelPath: s.modelPath,
    epochs: loop.epoch - 1,
    steps: loop.step,
    best: loop.bestAuc === null ? null : { auc: loop.bestAuc, epoch: loop.bestEpoch, step: loop.bestStep },
    test,
    params,
    seconds,
    stoppedEarly,
    interrupted,
  };
}
