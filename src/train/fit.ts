/**
 * A compact training loop for a model already in memory: fine-tuning a compressed model, and the
 * matching extra training of the original (the control). Epochs of seeded shuffled batches,
 * validation AUC after each, early stopping with patience, and the best weights (the starting
 * weights included, so fine-tuning never ends below where it began on validation) restored at the end.
 */
import { backward, bceWithLogits } from '../autograd/index.js';
import type { CachedSplit } from '../data/index.js';
import type { CTRModel } from '../models/model.js';
import { Optimizer, type OptimizerKind } from '../optim/optimizer.js';
import { applyModelTensors, modelTensors } from '../persist/weights.js';
import { tidy } from '../tensor/tensor.js';
import { TrainingError } from '../util/errors.js';
import { Yielder } from '../util/yield.js';
import { metricsOf, scoreBatches } from './evaluate.js';

export interface FitOptions {
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer: OptimizerKind;
  seed: number;
  l2Embedding?: number;
  weightDecay?: number;
  /** Stop after this many epochs without a better validation AUC. */
  patience?: number;
  log?: (msg: string) => void;
  /** When aborted, the current step finishes and fit returns with the best weights (interrupted: true). */
  signal?: AbortSignal;
}

export interface FitEpoch {
  epoch: number;
  valAuc: number;
  valLogloss: number;
  trainLoss: number | null;
}

export interface FitResult {
  /** Epochs trained (not counting the starting evaluation). */
  epochs: number;
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
  const evaluate = (): { auc: number; logloss: number } => metricsOf(scoreBatches(model, val.batches({ batchSize: o.batchSize })));
  const start = evaluate();
  const history: FitEpoch[] = [{ epoch: 0, valAuc: start.auc, valLogloss: start.logloss, trainLoss: null }];
  let best = { auc: start.auc, epoch: 0, weights: modelTensors(model) };
  o.log?.(`epoch 0: validation AUC ${start.auc.toFixed(6)}`);
  const opt = new Optimizer(model.params(), model.tables(), { kind: o.optimizer, lr: o.lr, embeddingL2: o.l2Embedding, weightDecay: o.weightDecay });
  const yielder = new Yielder();
  let epoch = 0;
  let interrupted = false;
  for (epoch = 1; epoch <= o.epochs && !interrupted; epoch++) {
    model.train();
    let lossSum = 0, rows = 0;
    for (const b of train.batches({ batchSize: o.batchSize, shuffle: true, seed: (o.seed ^ Math.imul(epoch, 0x9e3779b1)) >>> 0 })) {
      const loss = tidy(() => {
        const l = bceWithLogits(model.forward(b), b.labels);
        backward(l);
        return l.data[0];
      });
      if (!Number.isFinite(loss)) throw new TrainingError(`fine-tuning loss became ${loss} in epoch ${epoch}; lower the learning rate`);
      opt.step();
      opt.zeroGrad();
      lossSum += loss * b.rows;
      rows += b.rows;
      await yielder.maybe();
      if ((interrupted = o.signal?.aborted ?? false)) break;
    }
    if (interrupted) {
      o.log?.(`interrupted in epoch ${epoch}: keeping the best weights so far (epoch ${best.epoch})`);
      break;
    }
    const m = evaluate();
    history.push({ epoch, valAuc: m.auc, valLogloss: m.logloss, trainLoss: rows ? lossSum / rows : null });
    o.log?.(`epoch ${epoch}: train loss ${(lossSum / Math.max(rows, 1)).toFixed(5)}, validation AUC ${m.auc.toFixed(6)}`);
    if (m.auc > best.auc) best = { auc: m.auc, epoch, weights: modelTensors(model) };
    else if (epoch - best.epoch >= (o.patience ?? 1)) break;
  }
  applyModelTensors(model, best.weights, 'best weights');
  model.eval();
  return { epochs: Math.min(epoch, o.epochs), bestEpoch: best.epoch, bestAuc: best.auc, history, seconds: (performance.now() - started) / 1000, interrupted };
}
