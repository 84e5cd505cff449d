/**
 * A compact training loop for a model already in memory: fine-tuning a compressed model, and the
 * matching extra training of the original (the control). Epochs in the configured shuffle order
 * at a constant learning rate, the monitored validation value (training.monitor) after each,
 * early stopping with `patience` and `minDelta`, and the best weights (the starting weights
 * included, so fine-tuning never ends below where it began on validation) restored at the end.
 * With `exactEpochs` there is no early stopping: the control trains exactly the steps the
 * fine-tuning did, at the same learning rate, and keeps its best weights by the same rule.
 */
import type { CachedSplit } from '../data/index.js';
import { monitoredValue, type Monitor } from '../config/training.js';
import type { CTRModel } from '../models/model.js';
import { Optimizer, type OptimizerKind } from '../optim/optimizer.js';
import { applyModelTensors, modelTensors } from '../persist/weights.js';
import { TrainingError } from '../util/errors.js';
import { metricsOf, scoreBatches } from './evaluate.js';
import { formatLr } from './progress.js';
import { epochSteps } from './epoch.js';
import type { ShuffleSettings } from './setup.js';

export interface FitOptions {
  /** Epochs at most (early stopping decides), or exactly `exactEpochs` when given. */
  epochs: number;
  exactEpochs?: number;
  batchSize: number;
  lr: number;
  optimizer: OptimizerKind;
  shuffle: ShuffleSettings;
  l2Embedding?: number;
  weightDecay?: number;
  monitor?: Monitor;
  /** An epoch improves only when the monitored value rises by more than this (default 0). */
  minDelta?: number;
  /** Stop after this many epochs without improvement (default 1). */
  patience?: number;
  log?: (msg: string) => void;
  /** When aborted, the current step finishes and fit returns with the best weights (interrupted: true). */
  signal?: AbortSignal;
}

interface FitEpoch {
  epoch: number;
  valAuc: number;
  valLogloss: number;
  trainLoss: number | null;
}

export interface FitResult {
  /** Epochs trained (not counting the starting evaluation). */
  epochs: number;
  /** Optimizer steps taken, all at learning rate `lr`. */
  steps: number;
  lr: number;
  /** 0 when the starting weights stayed best. */
  bestEpoch: number;
  bestAuc: number;
  history: FitEpoch[];
  seconds: number;
  /** Stopped by `signal` before the last epoch. */
  interrupted: boolean;
}

export async function fit(model: CTRModel, train: CachedSplit, val: CachedSplit, o: FitOptions): Promise<FitResult> {
  const started = performance.now();
  const monitor = o.monitor ?? { auc: 1 };
  const evaluate = (): { auc: number; logloss: number } =>
    metricsOf(scoreBatches(model, val.batches({ batchSize: o.batchSize })));
  const start = evaluate();
  const history: FitEpoch[] = [{ epoch: 0, valAuc: start.auc, valLogloss: start.logloss, trainLoss: null }];
  let best = { value: monitoredValue(monitor, start), auc: start.auc, epoch: 0, weights: modelTensors(model) };
  o.log?.(`epoch 0: validation AUC ${start.auc.toFixed(6)}, logloss ${start.logloss.toFixed(6)}`);
  const opt = new Optimizer(model.params(), model.tables(), {
    kind: o.optimizer,
    lr: o.lr,
    embeddingL2: o.l2Embedding,
    weightDecay: o.weightDecay,
  });
  const last = o.exactEpochs ?? o.epochs;
  let epochs = 0,
    steps = 0;
  let interrupted = false;
  for (let epoch = 1; epoch <= last && !interrupted; epoch++) {
    let lossSum = 0,
      rows = 0;
    const plan = { model, optimizer: opt, split: train, shuffle: o.shuffle, batchSize: o.batchSize, epoch };
    const badLoss = (loss: number): Error =>
      new TrainingError(
        `fine-tuning loss became ${loss} in epoch ${epoch}; lower the learning rate (now ${formatLr(o.lr)})`,
      );
    for await (const s of epochSteps({ ...plan, signal: o.signal, badLoss })) {
      steps++;
      lossSum += s.loss * s.batch.rows;
      rows += s.batch.rows;
      if ((interrupted = s.aborted)) break;
    }
    if (interrupted) {
      o.log?.(`interrupted in epoch ${epoch}: keeping the best weights so far (epoch ${best.epoch})`);
      break;
    }
    epochs = epoch;
    const m = evaluate();
    history.push({ epoch, valAuc: m.auc, valLogloss: m.logloss, trainLoss: rows ? lossSum / rows : null });
    o.log?.(
      `epoch ${epoch}: train loss ${(lossSum / Math.max(rows, 1)).toFixed(5)}, validation AUC ${m.auc.toFixed(6)}, logloss ${m.logloss.toFixed(6)}`,
    );
    const value = monitoredValue(monitor, m);
    if (value > best.value + (o.minDelta ?? 0)) best = { value, auc: m.auc, epoch, weights: modelTensors(model) };
    else if (o.exactEpochs === undefined && epoch - best.epoch >= (o.patience ?? 1)) break;
  }
  applyModelTensors(model, best.weights, 'best weights');
  model.eval();
  return {
    epochs,
    steps,
    lr: o.lr,
    bestEpoch: best.epoch,
    bestAuc: best.auc,
    history,
    seconds: (performance.now() - started) / 1000,
    interrupted,
  };
}
