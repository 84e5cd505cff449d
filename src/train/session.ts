/**
 * What a training session holds before its first step: the run folder (new, or reopened to
 * resume) with its config, the progress output and log, the prepared data splits, and the
 * metadata every saved model and checkpoint of the run carries.
 */
import { prepareData, tableSpecOf, type CachedSplit, type PreparedData } from '../data/index.js';
import type { FeatureSpec } from '../nn/types.js';
import type { SaveMeta, TrainingSummary } from '../persist/model_file.js';
import { readerOf } from '../persist/reader_settings.js';
import { ConfigError } from '../util/errors.js';
import type { LoopState } from './checkpoint.js';
import { modelOptionsOf, type TrainConfig } from './config.js';
import { ProgressReporter } from './progress.js';
import { CHECKPOINT_FILE, MODEL_FILE } from '../persist/run_files.js';
import { RunDir } from './run_dir.js';
import { featureSpecOf } from './setup.js';

export interface TrainSession {
  config: TrainConfig;
  tc: TrainConfig['training'];
  run: RunDir;
  progress: ProgressReporter;
  /** To the progress output and the run's log. */
  say(msg: string): void;
  /** performance.now() when the session began. */
  started: number;
  data: PreparedData;
  train: CachedSplit;
  validation: CachedSplit | null;
  spec: FeatureSpec;
  modelPath: string;
  checkpointPath: string;
  /** What a saved model or checkpoint of this run records, with `training`. */
  meta(training: TrainingSummary): SaveMeta;
}

/** Opens the run folder (writing its config), then prepares the data. */
export async function openSession(
  config: TrainConfig,
  opts: { progress?: ProgressReporter; resume?: string },
  started: number,
): Promise<TrainSession> {
  const tc = config.training;
  const run = openRun(config, opts.resume);
  run.writeConfig(config);
  const progress = opts.progress ?? new ProgressReporter({ epochs: tc.epochs });
  const say = (msg: string): void => {
    progress.log(msg);
    run.log(msg);
  };
  say(`run folder ${run.path}`);

  const data = await prepareData({ dataset: config.dataset, features: config.features }, { log: say });
  const train = data.splits.train;
  if (!train || train.rows === 0) throw new ConfigError('dataset.split.train', 'the training split has no rows');
  const validation = data.splits.validation?.rows ? data.splits.validation : null;
  const spec = featureSpecOf(data.encoders);
  const encoders = data.encoders.toJSON();
  const reader = await readerOf(config.dataset, await tableSpecOf(config.dataset));
  const options = modelOptionsOf(config);
  return {
    config,
    tc,
    run,
    progress,
    say,
    started,
    data,
    train,
    validation,
    spec,
    modelPath: run.file(MODEL_FILE),
    checkpointPath: run.file(CHECKPOINT_FILE),
    meta: (training) => ({ options, features: spec, encoders, reader, training, tt_rank: tc.tt_rank }),
  };
}

function openRun(config: TrainConfig, resume?: string): RunDir {
  if (resume) return RunDir.open(resume);
  const r = config.run;
  // Overwriting removes the old run's model and checkpoint first: a new run killed before its first
  // save must not leave the old model beside the new config.yaml.
  return RunDir.create({
    path: r.dir,
    root: r.root,
    name: r.name ?? config.model.name,
    overwrite: r.overwrite,
    artifacts: [MODEL_FILE, CHECKPOINT_FILE],
  });
}

/** The training summary saved with a model: where the loop stands and how it was configured. */
export function summaryOf(
  s: TrainSession,
  loop: LoopState,
  epoch: number,
  metrics: TrainingSummary['metrics'],
): TrainingSummary {
  const tc = s.tc;
  return {
    epoch,
    step: loop.step,
    metrics,
    optimizer: tc.optimizer,
    lr: loop.lr,
    seed: tc.seed,
    batch_size: tc.batch_size,
  };
}
