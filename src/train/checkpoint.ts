/**
 * Checkpoints for resuming a run: the model file's tensors and metadata, plus optimizer state
 * (dense slots per parameter, whole embedding rows with their interleaved slots), the step
 * count, learning rate, dropout generators, position in the epoch and the early-stopping state.
 * Written atomically with the same checksummed layout as model files.
 */
import type { Tensor as FileTensor } from '../io/safetensors.js';
import type { CTRModel } from '../models/model.js';
import { buildFromMeta, readModelParts, type ModelMeta, type SaveMeta } from '../persist/model_file.js';
import { saveModel } from '../persist/save_model.js';
import { applyModelTensors, readTableRowsWithSlots, writeTableRowsWithSlots } from '../persist/weights.js';
import type { RngState } from '../tensor/rng.js';
import { SLOTS, type Optimizer, type OptimizerKind } from '../optim/optimizer.js';
import { ModelFileError } from '../util/errors.js';

/** Where the loop stands and what the schedule remembers. */
export interface LoopState {
  /** Epoch in progress, 1-based. */
  epoch: number;
  /** Batches of this epoch already trained (their order is fixed by seed + epoch). */
  batchInEpoch: number;
  /** Optimizer steps so far. */
  step: number;
  lr: number;
  /** Best monitored value (training.monitor); absent in checkpoints written before it existed. */
  bestScore?: number | null;
  /** Validation AUC at the best evaluation. */
  bestAuc: number | null;
  bestEpoch: number;
  bestStep: number;
  /** Evaluations since the best one (early stopping). */
  sinceBest: number;
  /** Evaluations without improvement since the last decay (learning-rate plateau). */
  plateau: number;
  /** Training loss accumulated since the last evaluation. */
  lossSum: number;
  lossRows: number;
  /** Set when early stopping ended the run (a resume then only re-scores the test split). */
  stopped: boolean;
}

interface CheckpointMeta extends ModelMeta {
  checkpoint: {
    optimizer: OptimizerKind;
    optimizerSteps: number;
    loop: LoopState;
    rngs: Record<string, RngState>;
  };
}

const DENSE = 'optimizer.dense.';
const ROWS = 'optimizer.rows.';

export function saveCheckpoint(
  path: string,
  model: CTRModel,
  optimizer: Optimizer,
  meta: SaveMeta,
  loop: LoopState,
): void {
  const tensors = new Map<string, FileTensor>();
  const put = (name: string, t: FileTensor): void => void tensors.set(name, t);
  const state = optimizer.stateTensors();
  model.namedParams().forEach(([name], i) => {
    state[i].forEach((s, k) => put(`${DENSE}${name}.${k}`, { dtype: 'F32', shape: [...s.shape], data: s.toArray() }));
  });
  if (optimizer.opts.kind !== 'sgd') {
    for (const [name, t] of model.namedTables())
      put(`${ROWS}${name}`, { dtype: 'F32', shape: [t.rows, t.stride], data: readTableRowsWithSlots(t) });
  }
  const rngs = Object.fromEntries(model.namedRngs().map(([n, r]) => [n, r.getState()]));
  const checkpoint: CheckpointMeta['checkpoint'] = {
    optimizer: optimizer.opts.kind,
    optimizerSteps: optimizer.t,
    loop: { ...loop },
    rngs,
  };
  saveModel(path, model, meta, { tensors, meta: { checkpoint } });
}

export interface LoadedCheckpoint {
  model: CTRModel;
  meta: CheckpointMeta;
  loop: LoopState;
  /** Copies the saved optimizer state into `optimizer` (built over this model's params and tables). */
  restoreOptimizer(optimizer: Optimizer): void;
}

function f32(tensors: ReadonlyMap<string, FileTensor>, name: string, size: number, file: string): Float32Array {
  const t = tensors.get(name);
  if (!t || !(t.data instanceof Float32Array) || t.data.length !== size) {
    throw new ModelFileError(file, `checkpoint tensor '${name}' is missing or has the wrong size`);
  }
  return t.data;
}

/** Reads a checkpoint: the model with its weights, dropout generators and loop state restored. */
export function loadCheckpoint(path: string): LoadedCheckpoint {
  const file = readModelParts<CheckpointMeta>(path);
  const ck = file.meta.checkpoint;
  if (!ck || !(ck.optimizer in SLOTS) || !ck.loop)
    throw new ModelFileError(path, 'not a checkpoint (a model file without optimizer state)');
  const model = buildFromMeta(file.meta, path, { slots: SLOTS[ck.optimizer] });
  applyModelTensors(model, file.tensors, path);
  for (const [name, r] of model.namedRngs()) {
    const s = ck.rngs[name];
    if (!s) throw new ModelFileError(path, `checkpoint lacks the state of generator '${name}'`);
    r.setState(s);
  }
  return {
    model,
    meta: file.meta,
    loop: { ...ck.loop },
    restoreOptimizer(optimizer: Optimizer): void {
      if (optimizer.opts.kind !== ck.optimizer) {
        throw new ModelFileError(
          path,
          `checkpoint was written with optimizer ${ck.optimizer}, the run uses ${optimizer.opts.kind}`,
        );
      }
      optimizer.t = ck.optimizerSteps;
      const state = optimizer.stateTensors();
      model.namedParams().forEach(([name], i) => {
        state[i].forEach((s, k) => s.data.set(f32(file.tensors, `${DENSE}${name}.${k}`, s.size, path)));
      });
      if (ck.optimizer !== 'sgd') {
        for (const [name, t] of model.namedTables())
          writeTableRowsWithSlots(t, f32(file.tensors, `${ROWS}${name}`, t.rows * t.stride, path));
      }
    },
  };
}
