/**
 * One training epoch, shared by the trainer and fine-tuning (fit.ts): the epoch's batches in the
 * configured shuffle order (fixed by seed and epoch), one optimizer step per batch (forward,
 * BCE-with-logits loss, backward, step), a non-finite loss stopped before it reaches the weights,
 * and, when a signal is given, a chance between steps for Ctrl-C to be noticed.
 */
import { backward, bceWithLogits } from '../autograd/index.js';
import type { CachedSplit, LabelledBatch } from '../data/index.js';
import type { CTRModel } from '../models/model.js';
import type { Optimizer } from '../optim/optimizer.js';
import { tidy } from '../tensor/tensor.js';
import { Yielder } from '../util/yield.js';
import { epochBatches, type ShuffleSettings } from './setup.js';

export interface EpochPlan {
  model: CTRModel;
  optimizer: Optimizer;
  split: CachedSplit;
  shuffle: ShuffleSettings;
  batchSize: number;
  /** 1-based; with the seed it fixes the batch order. */
  epoch: number;
  /** Batches of this epoch trained before (a resumed run): skipped. */
  skip?: number;
  /** Checked after every step (the consumer leaves the loop when it is aborted). */
  signal?: AbortSignal;
  /** The error to throw when the loss of batch `index` (1-based) is not finite. */
  badLoss(loss: number, index: number): Error;
}

export interface Step {
  batch: LabelledBatch;
  loss: number;
  /** 1-based position of the batch in the epoch. */
  index: number;
  /** The signal was aborted by the end of this step. */
  aborted: boolean;
}

/** Trains the epoch one step at a time, yielding after each; break out of the loop to leave it early. */
export async function* epochSteps(p: EpochPlan): AsyncGenerator<Step> {
  const yielder = new Yielder(); // lets a signal handler run between steps
  p.model.train();
  let index = 0;
  for (const batch of epochBatches(p.split, p.shuffle, p.batchSize, p.epoch)) {
    index++;
    if (index <= (p.skip ?? 0)) continue;
    const loss = lossWithGradients(p.model, batch);
    if (!Number.isFinite(loss)) {
      p.optimizer.zeroGrad();
      throw p.badLoss(loss, index);
    }
    p.optimizer.step();
    p.optimizer.zeroGrad();
    if (p.signal) await yielder.maybe();
    yield { batch, loss, index, aborted: p.signal?.aborted ?? false };
  }
}

/** Forward, loss and backward on one batch (gradients left for the optimizer); returns the loss. */
function lossWithGradients(model: CTRModel, batch: LabelledBatch): number {
  return tidy(() => {
    const l = bceWithLogits(model.forward(batch), batch.labels);
    backward(l);
    return l.data[0];
  });
}
