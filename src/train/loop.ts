/**
 * The trainer's epochs: steps through the shared epoch loop (epoch.ts), validation after every
 * epoch and every `eval_every` steps (best model saved, learning-rate schedule, early stopping),
 * a checkpoint at each evaluation, and the ways to leave early: Ctrl-C (the step finishes and a
 * checkpoint is written), and the test hooks `stopAtStep` / `stopAfterEpochs`.
 */
import { existsSync } from 'node:fs';
import { monitorLabel } from '../config/training.js';
import { saveModel } from '../persist/save_model.js';
import { TrainingError } from '../util/errors.js';
import { saveCheckpoint } from './checkpoint.js';
import { epochSteps } from './epoch.js';
import { metricsOf, scoreBatches } from './evaluate.js';
import { formatLr } from './progress.js';
import { afterValidation } from './schedule.js';
import { summaryOf, type TrainSession } from './session.js';
import type { TrainState } from './start.js';

export interface LoopExits {
  /** Leave after this many epochs of this session, as an interruption would (tests). */
  stopAfterEpochs?: number;
  /** Leave right after the checkpoint of a mid-epoch evaluation at this step (tests). */
  stopAtStep?: number;
  /** When aborted (Ctrl-C), the current step finishes, a checkpoint is written and train returns. */
  signal?: AbortSignal;
}

export interface LoopOutcome {
  stoppedEarly: boolean;
  /** Left before finishing: resume to continue. */
  interrupted: boolean;
}

/** Trains until the last epoch, early stopping or an interruption. */
export async function runEpochs(s: TrainSession, st: TrainState, exits: LoopExits): Promise<LoopOutcome> {
  const { tc, progress } = s;
  const { loop } = st;
  let stoppedEarly = false;
  let sessionEpochs = 0;
  while (!loop.stopped && loop.epoch <= tc.epochs) {
    const epoch = loop.epoch;
    progress.startEpoch(epoch, Math.max(0, s.train.rows - loop.batchInEpoch * tc.batch_size));
    let { stop, left } = await trainEpoch(s, st, epoch, exits);
    progress.endEpoch();
    if (left) {
      sayLeaving(s, left === 'signal', epoch, loop.step, loop.batchInEpoch);
      return { stoppedEarly, interrupted: true };
    }
    if (!stop) {
      loop.epoch = epoch + 1;
      loop.batchInEpoch = 0;
      stop = validate(s, st, epoch);
    }
    sessionEpochs++;
    stoppedEarly = stop;
    loop.stopped = stop;
    checkpoint(s, st);
    const { stopAfterEpochs } = exits;
    if (!stop && loop.epoch <= tc.epochs && stopAfterEpochs !== undefined && sessionEpochs >= stopAfterEpochs) {
      s.say(`leaving after ${sessionEpochs} epoch(s) of this session; resume with --resume ${s.run.path}`);
      return { stoppedEarly, interrupted: true };
    }
  }
  return { stoppedEarly, interrupted: false };
}

/**
 * The steps of one epoch (the rest of it, when resumed) with the evaluations every `eval_every`
 * steps; `stop` when one of those stopped training early, `left` when Ctrl-C or stopAtStep ended it.
 */
async function trainEpoch(
  s: TrainSession,
  st: TrainState,
  epoch: number,
  exits: LoopExits,
): Promise<{ stop: boolean; left: 'signal' | 'step' | null }> {
  const { tc } = s;
  const { loop } = st;
  const batchesPerEpoch = Math.ceil(s.train.rows / tc.batch_size);
  const badLoss = (loss: number, index: number): Error =>
    new TrainingError(
      `training loss became ${loss} at step ${loop.step + 1} (epoch ${epoch}, batch ${index}/${batchesPerEpoch}); ` +
        `lower training.lr (now ${loop.lr}) or check the data. ` +
        (existsSync(s.modelPath)
          ? `The best model so far is ${s.modelPath}`
          : `No model was saved yet (the run folder is ${s.run.path})`),
    );
  const steps = epochSteps({
    model: st.model,
    optimizer: st.optimizer,
    split: s.train,
    shuffle: tc,
    batchSize: tc.batch_size,
    epoch,
    skip: loop.batchInEpoch, // resumed mid-epoch: these batches were trained before
    signal: exits.signal,
    badLoss,
  });
  for await (const { batch, loss, index, aborted } of steps) {
    loop.step++;
    loop.batchInEpoch = index;
    loop.lossSum += loss * batch.rows;
    loop.lossRows += batch.rows;
    s.progress.step(batch.rows, loss);
    if (aborted) {
      checkpoint(s, st);
      return { stop: false, left: 'signal' };
    }
    if (tc.eval_every > 0 && loop.step % tc.eval_every === 0 && index < batchesPerEpoch) {
      const stop = validate(s, st, epoch);
      loop.stopped = stop;
      checkpoint(s, st);
      if (stop) return { stop, left: null };
      if (exits.stopAtStep === loop.step) return { stop, left: 'step' };
    }
  }
  return { stop: false, left: null };
}

function sayLeaving(s: TrainSession, signalled: boolean, epoch: number, step: number, batch: number): void {
  const kept = s.config.run.checkpoint;
  const saved =
    !signalled || kept
      ? `; resume with --resume ${s.run.path}`
      : ' (run.checkpoint is off: no checkpoint to resume from)';
  s.say(
    `${signalled ? `interrupted: checkpoint ${kept ? `written to ${s.checkpointPath}` : 'not written'}, ` : ''}leaving at step ${step} (epoch ${epoch}, batch ${batch})${saved}`,
  );
}

function checkpoint(s: TrainSession, st: TrainState): void {
  const { loop } = st;
  if (s.config.run.checkpoint)
    saveCheckpoint(s.checkpointPath, st.model, st.optimizer, s.meta(summaryOf(s, loop, loop.epoch - 1, {})), loop);
}

/** Validates, records, keeps the best model, applies the schedule; true when training should stop. */
function validate(s: TrainSession, st: TrainState, epoch: number): boolean {
  const { tc, validation } = s;
  const { loop, model } = st;
  const trainLoss = loop.lossRows > 0 ? loop.lossSum / loop.lossRows : null;
  loop.lossSum = 0;
  loop.lossRows = 0;
  const lrUsed = loop.lr;
  const record: Record<string, number | string | boolean | null> = {
    split: validation ? 'validation' : 'train',
    epoch,
    step: loop.step,
    lr: lrUsed,
    train_loss: trainLoss,
  };
  let stop = false;
  const notes: string[] = [];
  if (validation) {
    // Evaluate at the training batch size: training fits it with gradients, so a forward pass surely fits
    // (wide models such as FiBiNET outgrow the 4 GiB heap at larger batches).
    const m = metricsOf(scoreBatches(model, validation.batches({ batchSize: tc.batch_size })));
    const d = afterValidation(loop, m, epoch, tc);
    if (d.improved) {
      const metrics = { validation: { auc: m.auc, logloss: m.logloss, rows: m.rows } };
      saveModel(s.modelPath, model, s.meta(summaryOf(s, loop, epoch, metrics)));
    }
    st.optimizer.lr = loop.lr;
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
    saveModel(s.modelPath, model, s.meta(summaryOf(s, loop, epoch, {})));
    Object.assign(loop, { bestEpoch: epoch, bestStep: loop.step });
  }
  record.elapsed_s = Math.round(performance.now() - s.started) / 1000;
  s.run.appendMetrics({ event: 'eval', ...record });
  s.run.log(`eval ${JSON.stringify(record)}`);
  s.progress.evaluation(record);
  notes.forEach(s.say);
  return stop;
}
