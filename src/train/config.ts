/**
 * The full training config: `dataset` + `features` (data layer), `model` (`name` plus that
 * model's own options, checked by its zod schema so errors name e.g. `model.embedding_dim`),
 * `training` and `run`. One YAML file, dotted command-line overrides on top.
 */
import { z } from 'zod';
import { deepMerge, isPlainObject, type ConfigObject } from '../config/merge.js';
import { parseOverrides } from '../config/overrides.js';
import { readConfigFile, validateConfig } from '../config/load.js';
import { closest } from '../config/suggest.js';
import { trainingSchema, type TrainingConfig } from '../config/training.js';
import { datasetSchema, featuresSchema, type DatasetConfig, type FeaturesConfig } from '../data/config.js';
import { MODELS, findModel, type ModelEntry } from '../models/registry.js';
import { ConfigError } from '../util/errors.js';

export const runSchema = z
  .object({
    root: z.string().min(1).default('runs').describe('Parent folder of generated run folders.'),
    name: z.string().min(1).optional().describe('Run folder name prefix (default: the model name).'),
    dir: z.string().min(1).optional().describe('Use exactly this run folder instead of <root>/<name>-<timestamp>.'),
    overwrite: z.boolean().default(false).describe('Allow reusing a non-empty run.dir.'),
    checkpoint: z
      .boolean()
      .default(true)
      .describe('Write checkpoint.safetensors at every evaluation (needed for --resume).'),
  })
  .strict();

type RunConfig = z.output<typeof runSchema>;

const SECTIONS = ['dataset', 'features', 'model', 'training', 'run'] as const;

/** The schema for a config that uses model `entry`. */
function trainConfigSchema(entry: ModelEntry) {
  const model = (entry.options as unknown as z.ZodObject).extend({
    name: z.literal(entry.name).describe('Model from the zoo (slimctr models lists them).'),
  });
  return z
    .object({
      dataset: datasetSchema,
      features: featuresSchema,
      model,
      training: trainingSchema.prefault({}),
      run: runSchema.prefault({}),
    })
    .strict();
}

export interface TrainConfig {
  dataset: DatasetConfig;
  features: FeaturesConfig;
  model: { name: string } & Record<string, unknown>;
  training: TrainingConfig;
  run: RunConfig;
}

/** The zoo entry named by `raw.model.name`; ConfigError listing the models when absent or unknown. */
function modelEntryOf(raw: ConfigObject): ModelEntry {
  const names = MODELS.map((m) => m.name);
  const section = raw.model;
  const name = isPlainObject(section) ? section.name : undefined;
  if (name === undefined) throw new ConfigError('model.name', `missing: expected one of ${names.join('|')}`);
  if (typeof name !== 'string')
    throw new ConfigError('model.name', `expected one of ${names.join('|')}, got ${JSON.stringify(name)}`);
  const entry = findModel(name);
  if (!entry) {
    const near = closest(name, names);
    throw new ConfigError(
      'model.name',
      `unknown model '${name}'${near ? ` (did you mean ${near}?)` : ''}; available: ${names.join(', ')}`,
    );
  }
  return entry;
}

/** Validates a merged raw config object. */
export function parseTrainConfig(raw: ConfigObject): TrainConfig {
  return validateConfig(trainConfigSchema(modelEntryOf(raw)), raw) as TrainConfig;
}

export interface LoadTrainConfigOptions {
  file?: string;
  /** Config values under the file (e.g. a resumed run's saved config). */
  base?: ConfigObject;
  /** Command-line arguments: `--section.key=value` overrides are taken, the rest returned. */
  args?: readonly string[];
}

/**
 * base < file < overrides, then validation against the chosen model's schema. When the command
 * line switches the model (`--model.name=lr`), the file's model options that the new model does
 * not have are dropped (and named in `notes`); options given on the command line stay strict.
 */
export function loadTrainConfig(opts: LoadTrainConfigOptions): {
  config: TrainConfig;
  rest: string[];
  notes: string[];
} {
  const fromFile = opts.file ? readConfigFile(opts.file) : {};
  const { values, rest } = parseOverrides(opts.args ?? [], SECTIONS);
  let below = deepMerge(opts.base ?? {}, fromFile);
  const notes: string[] = [];
  const cliModel = isPlainObject(values.model) ? values.model : null;
  const fileModel = isPlainObject(below.model) ? below.model : null;
  if (cliModel && typeof cliModel.name === 'string' && fileModel && fileModel.name !== cliModel.name) {
    const entry = modelEntryOf({ model: cliModel });
    const known = Object.keys((entry.options as unknown as z.ZodObject).shape);
    const kept = Object.fromEntries(Object.entries(fileModel).filter(([k]) => k === 'name' || known.includes(k)));
    const dropped = Object.keys(fileModel).filter((k) => !(k in kept));
    if (dropped.length)
      notes.push(
        `model.name=${cliModel.name}: ignoring the file's ${dropped.map((k) => `model.${k}`).join(', ')} (not options of ${entry.name})`,
      );
    below = { ...below, model: kept };
  }
  const raw = deepMerge(below, values);
  return { config: parseTrainConfig(raw), rest, notes };
}

/** The model's options as stored in model files: the `model` section without `name`. */
export function modelOptionsOf(config: TrainConfig): Record<string, unknown> {
  const { name: _name, ...options } = config.model;
  return options;
}
