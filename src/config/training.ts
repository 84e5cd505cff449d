/** The `training` config section: optimizer, schedule, early stopping, seed and threads. */
import { z } from 'zod';

export const trainingSchema = z.object({
  optimizer: z.enum(['adam', 'adagrad', 'sgd']).default('adam').describe('Optimizer for all parameters (embeddings use its sparse variant).'),
  lr: z.number().positive().default(1e-3).describe('Initial learning rate.'),
  batch_size: z.number().int().positive().default(4096).describe('Samples per optimizer step.'),
  epochs: z.number().int().positive().default(10).describe('Maximum passes over the training data.'),
  l2_embedding: z.number().nonnegative().default(0).describe('L2 penalty on the embedding rows used in each batch.'),
  weight_decay: z.number().nonnegative().default(0).describe('L2 penalty on dense parameters (MLP weights and biases).'),
  lr_decay_factor: z.number().gt(0).lte(1).default(0.1).describe('Learning rate is multiplied by this when validation stops improving.'),
  lr_patience: z.number().int().nonnegative().default(1).describe('Evaluations without improvement before the learning rate decays (0: never decay).'),
  early_stop_patience: z.number().int().nonnegative().default(2).describe('Evaluations without improvement before training stops (0: never stop early).'),
  seed: z.number().int().nonnegative().default(2024).describe('Seed for initialization, shuffling and dropout.'),
  threads: z.number().int().nonnegative().default(0).describe('Worker threads for the kernels (0: one per core).'),
  backend: z.enum(['auto', 'native', 'wasm']).nullable().default(null)
    .describe('Kernels: native (the addon built at install), wasm, or auto (native where built); null: SLIMCTR_BACKEND, else auto.'),
  eval_every: z.number().int().nonnegative().default(0).describe('Evaluate every this many steps (0: once per epoch).'),
  tt_rank: z.number().int().positive().nullable().default(null)
    .describe('Represent categorical fields as tensor-train cores of this rank instead of tables (the TT-Rec baseline); null: tables.'),
});

export type TrainingConfig = z.output<typeof trainingSchema>;
