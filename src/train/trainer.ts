/**
 * The training loop: seeded shuffled epochs over the training split, one optimizer step per
 * batch (Adam / Adagrad / SGD; embeddings updated sparsely), validation AUC + logloss after every
 * epoch (and every `eval_every` steps), learning-rate decay on plateaus, early stopping, the best
 * model kept as model.safetensors, a checkpoint for --resume, and a final test-split score.
 * Deterministic for a seed and thread count.
 */
import { existsSync } from 'node:fs';
import { backward, bceWithLogits } from '../autograd/index.js';
import { prepareData, tableSpecOf, type CachedSplit, type PreparedData } from '../data/index.js';
import { checkDataFiles } from '../data/pipeline.js';
import { EmbeddingStore } from '../embedding/store.js';
import type { CTRModel } from '../models/model.js';
import { findModel } from '../models/registry.js';
import { loadModel, saveMetaOf, type SaveMeta, type TrainingSummary } from '../persist/model_file.js';
import { CHECKPOINT_FILE, MODEL_FILE } from '../persist/run_files.js';
import { saveModel } from '../persist/save_model.js';
import { Optimizer, SLOTS } from '../optim/optimizer.js';
import { Rng } from '../tensor/rng.js';
import { tidy } from '../tensor/tensor.js';
import { ConfigError, ModelFileError, TrainingError, UsageError } from '../util/errors.js';
import { Yielder } from '../util/yield.js';
import { loadCheckpoint, saveCheckpoint, type LoopState } from './checkpoint.js';
import { modelOptionsOf, type TrainConfig } from './config.js';
import { monitorLabel } from '../config/training.js';
import { metricsOf, scoreBatches, type EvalMetrics } from './evaluate.js';
import { formatCount, formatLr, ProgressReporter } from './progress.js';
import { RunDir } from './run_dir.js';
import { afterValidation, initialLoop } from './schedule.js';
import { readerOf } from '../persist/reader_settings.js';
import { ensureEngine, epochBatches, featureSpecOf } from './setup.js';

export interface TrainOptions {
  /** Progress output (default: stdout, bar on a terminal, plain lines otherwise). */
  progress?: ProgressReporter;
  /** Continue this run folder from its checkpoint (pass the run's saved config, overrides applied). */
  resume?: string;
  /** Leave after this many epochs of this session, as an interruption would (tests). */
  stopAfterEpochs?: number;
  /** Leave right after the checkpoint of a mid-epoch evaluation at this step (tests). */
  stopAtStep?: number;
  /** When aborted (Ctrl-C), the current step finishes, a checkpoint is written and train returns. */
  signal?: AbortSignal;
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

/** Under on_bad_row: skip, says how many rows were skipped (with the first examples) and records it in metrics.jsonl. */
function reportBadRows(config: TrainConfig, data: PreparedData, run: RunDir, say: (msg: string) => void): void {
  if (config.dataset.on_bad_row !== 'skip') return;
  // A reused cache counted its bad rows when it was built (the examples were reported then).
  const count = data.rebuilt
    ? data.badRows.count
    : Math.max(0, ...Object.values(data.splits).map((s) => s?.manifest.badRows ?? 0));
  const examples = data.rebuilt ? data.badRows.record().examples : [];
  run.appendMetrics({ event: 'bad_rows', count, examples });
  say(
    data.rebuilt
      ? data.badRows.summary()
      : `bad rows: ${count} skipped (counted when the data cache ${data.cacheDir} was built)`,
  );
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
  const run = openRun(config, opts.resume);
  run.writeConfig(config);
  const progress = opts.progress ?? new ProgressReporter({ epochs: tc.epochs });
  const say = (msg: string): void => {
    progress.log(msg);
    run.log(msg);
  };
  say(`run folder ${run.path}`);

  const data = await prepareData({ dataset: config.dataset, features: config.features }, { log: say });
  const trainSplit = data.splits.train;
  if (!trainSplit || trainSplit.rows === 0)
    throw new ConfigError('dataset.split.train', 'the training split has no rows');
  const valSplit: CachedSplit | null =
    data.splits.validation && data.splits.validation.rows > 0 ? data.splits.validation : null;
  const spec = featureSpecOf(data.encoders);
  const encodersJson = data.encoders.toJSON();
  const reader = await readerOf(config.dataset, await tableSpecOf(config.dataset));
  const entry = findModel(config.model.name)!;
  const meta = (training: TrainingSummary): SaveMeta => ({
    options: modelOptionsOf(config),
    features: spec,
    encoders: encodersJson,
    reader,
    training,
    tt_rank: tc.tt_rank,
  });

  // Model and loop state: fresh, or from the run's checkpoint.
  let model: CTRModel;
  let loop: LoopState;
  let restore: ((o: Optimizer) => void) | null = null;
  const ckPath = run.file(CHECKPOINT_FILE);
  if (opts.resume) {
    if (!existsSync(ckPath)) throw new UsageError(`${run.path} has no ${CHECKPOINT_FILE} to resume from`);
    const ck = loadCheckpoint(ckPath);
    if (ck.meta.kind !== entry.name)
      throw new ModelFileError(ckPath, `checkpoint holds a ${ck.meta.kind} model, the config asks for ${entry.name}`);
    if (JSON.stringify(ck.meta.features) !== JSON.stringify(spec))
      throw new ModelFileError(ckPath, 'checkpoint features (fields or vocab sizes) differ from the data');
    ({ model, loop } = ck);
    restore = ck.restoreOptimizer;
    say(
      `resuming at epoch ${loop.epoch}, batch ${loop.batchInEpoch}, step ${loop.step}${loop.stopped ? ' (training had stopped early)' : ''}`,
    );
  } else {
    const options = entry.options.parse(modelOptionsOf(config));
    model = entry.create(spec, options, {
      rng: new Rng(tc.seed),
      store: new EmbeddingStore(),
      slots: SLOTS[tc.optimizer],
      tt: tc.tt_rank ? { rank: tc.tt_rank } : undefined,
    });
    loop = initialLoop(tc.lr);
  }
  const optimizer = new Optimizer(model.params(), model.tables(), {
    kind: tc.optimizer,
    lr: loop.lr,
    weightDecay: tc.weight_decay,
    embeddingL2: tc.l2_embedding,
  });
  restore?.(optimizer);
  const params = model.paramCount();
  say(
    `model ${entry.name}: ${formatCount(params)} parameters; rows: train ${trainSplit.rows}, validation ${valSplit?.rows ?? 0}, test ${data.splits.test?.rows ?? 0}`,
  );

  const modelPath = run.file(MODEL_FILE);
  // Evaluate at the training batch size: training fits it with gradients, so a forward pass surely fits
  // (wide models such as FiBiNET outgrow the 4 GiB heap at larger batches).
  const evalBatch = tc.batch_size;
  const batchesPerEpoch = Math.ceil(trainSplit.rows / tc.batch_size);
  const summary = (epoch: number, metrics: TrainingSummary['metrics']): TrainingSummary => ({
    epoch,
    step: loop.step,
    metrics,
    optimizer: tc.optimizer,
    lr: loop.lr,
    seed: tc.seed,
    batch_size: tc.batch_size,
  });
  const checkpoint = (): void => {
    if (config.run.checkpoint) saveCheckpoint(ckPath, model, optimizer, meta(summary(loop.epoch - 1, {})), loop);
  };

  /** Validates, records, keeps the best model, applies the schedule; true when training should stop. */
  const validate = (epoch: number): boolean => {
    const trainLoss = loop.lossRows > 0 ? loop.lossSum / loop.lossRows : null;
    loop.lossSum = 0;
    loop.lossRows = 0;
    const lrUsed = loop.lr;
    const record: Record<string, number | string | boolean | null> = {
      split: valSplit ? 'validation' : 'train',
      epoch,
      step: loop.step,
      lr: lrUsed,
      train_loss: trainLoss,
    };
    let stop = false;
    const notes: string[] = [];
    if (valSplit) {
      const m = metricsOf(scoreBatches(model, valSplit.batches({ batchSize: evalBatch })));
      const d = afterValidation(loop, m, epoch, tc);
      if (d.improved)
        saveModel(
          modelPath,
          model,
          meta(summary(epoch, { validation: { auc: m.auc, logloss: m.logloss, rows: m.rows } })),
        );
      optimizer.lr = loop.lr;
      Object.assign(record, { val_auc: m.auc, val_logloss: m.logloss, best_auc: loop.bestAuc!, improved: d.improved });
      const watched = `validation ${monitorLabel(tc.monitor)}`;
      if (d.decayed)
        notes.push(
          `${watched} did not improve for ${tc.lr_patience} evaluation(s): learning rate ${formatLr(lrUsed)} -> ${formatLr(loop.lr)}`,
        );
      if (d.stop)
        notes.push(
          `early stop: ${watched} did not improve for ${tc.early_stop_patience} evaluation(s); best at epoch ${loop.bestEpoch} (validation AUC ${loop.bestAuc!.toFixed(6)})`,
        );
      stop = d.stop;
    } else {
      saveModel(modelPath, model, meta(summary(epoch, {})));
      Object.assign(loop, { bestEpoch: epoch, bestStep: loop.step });
    }
    record.elapsed_s = Math.round(performance.now() - started) / 1000;
    run.appendMetrics({ event: 'eval', ...record });
    run.log(`eval ${JSON.stringify(record)}`);
    progress.evaluation(record);
    notes.forEach(say);
    return stop;
  };

  let stoppedEarly = false;
  let interrupted = false;
  let sessionEpochs = 0;
  const yielder = new Yielder(); // lets a signal handler run between steps
  while (!loop.stopped && loop.epoch <= tc.epochs) {
    const epoch = loop.epoch;
    progress.startEpoch(epoch, Math.max(0, trainSplit.rows - loop.batchInEpoch * tc.batch_size));
    model.train();
    let index = 0;
    let stop = false;
    let signalled = false;
    for (const b of epochBatches(trainSplit, tc, tc.batch_size, epoch)) {
      index++;
      if (index <= loop.batchInEpoch) continue; // resumed mid-epoch: these batches were trained before
      const loss = tidy(() => {
        const l = bceWithLogits(model.forward(b), b.labels);
        backward(l);
        return l.data[0];
      });
      if (!Number.isFinite(loss)) {
        optimizer.zeroGrad();
        throw new TrainingError(
          `training loss became ${loss} at step ${loop.step + 1} (epoch ${epoch}, batch ${index}/${batchesPerEpoch}); ` +
            `lower training.lr (now ${loop.lr}) or check the data. ` +
            (existsSync(modelPath)
              ? `The best model so far is ${modelPath}`
              : `No model was saved yet (the run folder is ${run.path})`),
        );
      }
      optimizer.step();
      optimizer.zeroGrad();
      loop.step++;
      loop.batchInEpoch = index;
      loop.lossSum += loss * b.rows;
      loop.lossRows += b.rows;
      progress.step(b.rows, loss);
      if (opts.signal) await yielder.maybe();
      if (opts.signal?.aborted) {
        checkpoint();
        interrupted = true;
        signalled = true;
        break;
      }
      if (tc.eval_every > 0 && loop.step % tc.eval_every === 0 && index < batchesPerEpoch) {
        stop = validate(epoch);
        loop.stopped = stop;
        checkpoint();
        if (stop) break;
        if (opts.stopAtStep === loop.step) {
          interrupted = true;
          break;
        }
      }
    }
    progress.endEpoch();
    if (interrupted) {
      const saved =
        !signalled || config.run.checkpoint
          ? `; resume with --resume ${run.path}`
          : ' (run.checkpoint is off: no checkpoint to resume from)';
      say(
        `${signalled ? `interrupted: checkpoint ${config.run.checkpoint ? `written to ${ckPath}` : 'not written'}, ` : ''}leaving at step ${loop.step} (epoch ${epoch}, batch ${index})${saved}`,
      );
      break;
    }
    if (!stop) {
      loop.epoch = epoch + 1;
      loop.batchInEpoch = 0;
      stop = validate(epoch);
    }
    sessionEpochs++;
    stoppedEarly = stop;
    loop.stopped = stop;
    checkpoint();
    if (
      !stop &&
      loop.epoch <= tc.epochs &&
      opts.stopAfterEpochs !== undefined &&
      sessionEpochs >= opts.stopAfterEpochs
    ) {
      interrupted = true;
      say(`leaving after ${sessionEpochs} epoch(s) of this session; resume with --resume ${run.path}`);
      break;
    }
  }

  let test: EvalMetrics | null = null;
  const testSplit = data.splits.test;
  if (!interrupted && testSplit && testSplit.rows > 0 && existsSync(modelPath)) {
    const best = loadModel(modelPath);
    test = metricsOf(scoreBatches(best.model, testSplit.batches({ batchSize: evalBatch })));
    const training = best.meta.training ?? summary(loop.bestEpoch, {});
    saveModel(modelPath, best.model, {
      ...saveMetaOf(best.meta),
      training: {
        ...training,
        metrics: { ...training.metrics, test: { auc: test.auc, logloss: test.logloss, rows: test.rows } },
      },
    });
    const record = {
      split: 'test',
      epoch: training.epoch,
      test_auc: test.auc,
      test_logloss: test.logloss,
      test_rows: test.rows,
    };
    run.appendMetrics({ event: 'test', ...record });
    run.log(`test ${JSON.stringify(record)}`);
    progress.evaluation(record);
  }
  reportBadRows(config, data, run, say);
  const seconds = (performance.now() - started) / 1000;
  say(`done in ${seconds.toFixed(1)} s: ${loop.epoch - 1} epoch(s), ${loop.step} steps`);
  return {
    runDir: run.path,
    modelPath,
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
