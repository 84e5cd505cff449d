/**
 * What happens after each validation: keep the best AUC, multiply the learning rate by
 * `lr_decay_factor` after `lr_patience` evaluations without improvement, stop after
 * `early_stop_patience` (0 disables either rule). Pure, so the loop state can be checkpointed.
 */
import type { LoopState } from './checkpoint.js';

export interface ScheduleConfig {
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

/** Updates `loop` (best, counters, lr) for a validation AUC measured at `epoch` / loop.step. */
export function afterValidation(loop: LoopState, auc: number, epoch: number, cfg: ScheduleConfig): ScheduleDecision {
  if (loop.bestAuc === null || auc > loop.bestAuc) {
    Object.assign(loop, { bestAuc: auc, bestEpoch: epoch, bestStep: loop.step, sinceBest: 0, plateau: 0 });
    return { improved: true, decayed: false, stop: false };
  }
  loop.sinceBest++;
  loop.plateau++;
  let decayed = false;
  if (cfg.lr_patience > 0 && loop.plateau >= cfg.lr_patience && cfg.lr_decay_factor < 1) {
    loop.lr *= cfg.lr_decay_factor;
    loop.plateau = 0;
    decayed = true;
  }
  const stop = cfg.early_stop_patience > 0 && loop.sinceBest >= cfg.early_stop_patience;
  return { improved: false, decayed, stop };
}

export function initialLoop(lr: number): LoopState {
  return {
    epoch: 1, batchInEpoch: 0, step: 0, lr,
    bestAuc: null, bestEpoch: 0, bestStep: 0, sinceBest: 0, plateau: 0,
    lossSum: 0, lossRows: 0, stopped: false,
  };
}
