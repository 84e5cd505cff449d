/** Option schemas shared by the zoo (each model adds its own keys). */
import { z } from 'zod';

export const embeddingDim = z.number().int().positive().default(16).describe('width of every field embedding');
const hidden = z.array(z.number().int().positive()).default([400, 400, 400]).describe('MLP hidden layer widths');
const dropoutRate = z.number().min(0).max(0.95).default(0).describe('dropout rate after each hidden layer');
const batchNorm = z.boolean().default(false).describe('batch normalization after each hidden Linear');
export const numericMode = z
  .enum(['embedding', 'dense'])
  .default('embedding')
  .describe('numeric features as fields (value x learned vector) or as raw values into the MLP');

export const embeddingInit = z
  .object({
    dist: z
      .enum(['normal', 'uniform', 'xavier'])
      .default('normal')
      .describe(
        'normal: N(0, scale^2); uniform: U(-scale, scale); xavier: U(-a, a) with a = scale * sqrt(6 / (vocab + embedding_dim))',
      ),
    scale: z
      .number()
      .positive()
      .optional()
      .describe('std (normal), bound (uniform) or gain (xavier); default 1e-4, 1e-4 and 1'),
  })
  .strict()
  .default({ dist: 'normal' })
  .describe('initial embedding table values (default N(0, 1e-4^2), as FuxiCTR and DeepCTR)');

/** The keys every deep model shares. */
export const deepOptions = {
  embedding_dim: embeddingDim,
  embedding_init: embeddingInit,
  hidden,
  dropout: dropoutRate,
  batch_norm: batchNorm,
  numeric: numericMode,
};
export const numCrossLayers = z.number().int().min(0).default(3).describe('number of cross layers');
