/**
 * The model, optimizer and loop state a session starts from: fresh from the seed, or restored
 * from the run's checkpoint (which must hold the model and features the config asks for).
 */
import { existsSync } from 'node:fs';
import { EmbeddingStore } from '../embedding/store.js';
import type { CTRModel } from '../models/model.js';
import { findModel } from '../models/registry.js';
import { Optimizer, SLOTS } from '../optim/optimizer.js';
import { Rng } from '../tensor/rng.js';
import { ModelFileError, UsageError } from '../util/errors.js';
import { loadCheckpoint, type LoopState } from './checkpoint.js';
import { modelOptionsOf } from './config.js';
import { CHECKPOINT_FILE } from '../persist/run_files.js';
import { initialLoop } from './schedule.js';
import type { TrainSession } from './session.js';

export interface TrainState {
  model: CTRModel;
  optimizer: Optimizer;
  loop: LoopState;
}

export function startState(s: TrainSession, resume: boolean): TrainState {
  const tc = s.tc;
  const entry = findModel(s.config.model.name)!;
  let model: CTRModel;
  let loop: LoopState;
  let restore: ((o: Optimizer) => void) | null = null;
  if (resume) {
    ({ model, loop, restore } = fromCheckpoint(s, entry.name));
    s.say(
      `resuming at epoch ${loop.epoch}, batch ${loop.batchInEpoch}, step ${loop.step}${loop.stopped ? ' (training had stopped early)' : ''}`,
    );
  } else {
    model = entry.create(s.spec, entry.options.parse(modelOptionsOf(s.config)), {
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
  return { model, optimizer, loop };
}

function fromCheckpoint(
  s: TrainSession,
  kind: string,
): { model: CTRModel; loop: LoopState; restore: (o: Optimizer) => void } {
  const path = s.checkpointPath;
  if (!existsSync(path)) throw new UsageError(`${s.run.path} has no ${CHECKPOINT_FILE} to resume from`);
  const ck = loadCheckpoint(path);
  if (ck.meta.kind !== kind)
    throw new ModelFileError(path, `checkpoint holds a ${ck.meta.kind} model, the config asks for ${kind}`);
  if (JSON.stringify(ck.meta.features) !== JSON.stringify(s.spec))
    throw new ModelFileError(path, 'checkpoint features (fields or vocab sizes) differ from the data');
  return { model: ck.model, loop: ck.loop, restore: ck.restoreOptimizer };
}
