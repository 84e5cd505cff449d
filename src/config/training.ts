/** The `training` config section: optimizer, schedule, early stopping, seed and threads. */
import { z } from 'zod';
import { SHUFFLE_MODES } from '../data/cache/shuffle.js';

/** Validation metrics `training.monitor` may weigh. */
const MONITORED = ['auc', 'logloss'] as const;
export type Monitor = Partial<Record<(typeof MONITORED)[number], number>>;

/** The monitored value of validation metrics: sum of weight x metric (higher is better). */
export function monitoredValue(monitor: Monitor, m: { auc: number; logloss: number }): number {
  return (monitor.auc ?? 0) * m.auc + (monitor.logloss ?? 0) * m.logloss;
}

/** A monitor as text: 'auc', or '1*auc - 1*logloss'. */
export function monitorLabel(monitor: Monitor): string {
  const terms = Object.entries(monitor).filter(([, w]) => w !== 0);
  if (terms.length === 1 && terms[0][1] === 1) return terms[0][0];
  return terms.map(([k, w], i) => `${w < 0 ? '- ' : i ? '+ ' : ''}${Math.abs(w)}*${k}`).join(' ');
}

export const trainingSchema = z.object({
  optimizer: z
    .enum(['adam', 'adagrad', 'sgd'])
    .default('adam')
    .describe('Optimizer for all parameters (embeddings use its sparse variant).'),
  lr: z.number().positive().default(1e-3).describe('Initial learning rate.'),
  batch_size: z.number().int().positive().default(4096).describe('Samples per optimizer step.'),
  epochs: z.number().int().positive().default(10).describe('Maximum passes over the training data.'),
  l2_embedding: z.number().nonnegative().default(0).describe('L2 penalty on the embedding rows used in each batch.'),
  weight_decay: z
    .number()
    .nonnegative()
    .default(0)
    .describe('L2 penalty on dense parameters (MLP weights and biases).'),
  lr_decay_factor: z
    .number()
    .gt(0)
    .lte(1)
    .default(0.1)
    .describe('Learning rate is multiplied by this when validation stops improving.'),
  lr_patience: z
    .number()
    .int()
    .nonnegative()
    .default(1)
    .describe('Evaluations without improvement before the learning rate decays (0: never decay).'),
  monitor: z
    .partialRecord(z.enum(MONITORED), z.number())
    .refine((m) => Object.values(m).some((w) => w !== 0), 'give at least one metric a non-zero weight')
    .default({ auc: 1 })
    .describe(
      'What early stopping, the learning-rate plateau and the kept best model watch: the weighted sum of validation metrics, higher is better (e.g. {auc: 1, logloss: -1}).',
    ),
  min_delta: z
    .number()
    .nonnegative()
    .default(0)
    .describe('An evaluation improves on the best only when the monitored value rises by more than this.'),
  finetune_patience: z
    .number()
    .int()
    .positive()
    .default(1)
    .describe(
      'slimctr compress --finetune: epochs without improvement of the monitored value before fine-tuning stops.',
    ),
  early_stop_patience: z
    .number()
    .int()
    .nonnegative()
    .default(2)
    .describe('Evaluations without improvement before training stops (0: never stop early).'),
  shuffle: z
    .enum(SHUFFLE_MODES)
    .default('auto')
    .describe(
      'Row order of each training epoch: full (a uniform permutation of all rows, the split held in memory), buffer (blocks in random order through a shuffle buffer of shuffle_buffer_rows rows), none (file order), auto (full when the split fits shuffle_memory_mb, else buffer). Deterministic for a seed.',
    ),
  shuffle_buffer_rows: z
    .number()
    .int()
    .positive()
    .default(262144)
    .describe('Rows in the shuffle buffer (shuffle: buffer, or auto on a split larger than shuffle_memory_mb).'),
  shuffle_memory_mb: z
    .number()
    .positive()
    .default(1024)
    .describe(
      'With shuffle: auto, the largest training split (ids, values, labels) held in memory for a full shuffle.',
    ),
  seed: z.number().int().nonnegative().default(2024).describe('Seed for initialization, shuffling and dropout.'),
  threads: z.number().int().nonnegative().default(0).describe('Worker threads for the kernels (0: one per core).'),
  backend: z
    .enum(['auto', 'native', 'wasm'])
    .nullable()
    .default(null)
    .describe(
      'Kernels: native (the addon built at install), wasm, or auto (native where built); null: SLIMCTR_BACKEND, else auto.',
    ),
  eval_every: z.number().int().nonnegative().default(0).describe('Evaluate every this many steps (0: once per epoch).'),
  tt_rank: z
    .number()
    .int()
    .positive()
    .nullable()
    .default(null)
    .describe(
      'Represent categorical fields as tensor-train cores of this rank instead of tables (the TT-Rec baseline); null: tables.',
    ),
});

export type TrainingConfig = z.output<typeof trainingSchema>;
