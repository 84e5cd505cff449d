/**
 * What happens after each validation: keep the best monitored value (validation AUC by default,
 * or a weighted sum with logloss; an improvement must exceed `min_delta`), multiply the learning rate by
 * `lr_decay_factor` after `lr_patience` evaluations without improvement, stop after
 * `early_stop_patience` (0 disables either rule). Pure, so the loop state can be checkpointed.
 */
import { monitoredValue, type Monitor } from '../config/training.js';
import type { LoopState } from './checkpoint.js';

export interface ScheduleConfig {
  monitor: Monitor;
  min_delta: number;
  lr_decay_factor: number;
  lr_patience: number;
  early_stop_patience: number;
}

export interface ScheduleDecision {
  improved: boolean;
  /** The learning rate was decayed to loop.lr. */
  decayed: boolean;
  stop: boolean;
}

/** Updates `loop` (best, counters, lr) for validation metrics measured at `epoch` / loop.step. */
export function afterValidation(
  loop: LoopState,
  m: { auc: number; logloss: number },
  epoch: number,
  cfg: ScheduleConfig,
): ScheduleDecision {
  const value = monitoredValue(cfg.monitor, m);
  // Checkpoints written before the monitor existed kept only the best AUC (the default monitor).
  const best = loop.bestScore ?? loop.bestAuc;
  if (best === null || value > best + cfg.min_delta) {
    Object.assign(loop, {
      bestScore: value,
      bestAuc: m.auc,
      bestEpoch: epoch,
      bestStep: loop.step,
      sinceBest: 0,
      plateau: 0,
    });
    return { improved: true, decayed: false, stop: false };
  }
  loop.sinceBest++;
  loop.plateau++;
  let decayed = false;
  if (cfg.lr_patience > 0 && loop.plateau >= cfg.lr_patience && cfg.lr_decay_factor < 1) {
    // Rounded to 12 significant digits: 0.000001, not 0.0000010000000000000002, in logs and metrics.
    loop.lr = Number((loop.lr * cfg.lr_decay_factor).toPrecision(12));
    loop.plateau = 0;
    decayed = true;
  }
  const stop = cfg.early_stop_patience > 0 && loop.sinceBest >= cfg.early_stop_patience;
  return { improved: false, decayed, stop };
}

export function initialLoop(lr: number): LoopState {
  return {
    epoch: 1,
    batchInEpoch: 0,
    step: 0,
    lr,
    bestScore: null,
    bestAuc: null,
    bestEpoch: 0,
    bestStep: 0,
    sinceBest: 0,
    plateau: 0,
    lossSum: 0,
    lossRows: 0,
    stopped: false,
  };
}
