/**
 * Saving and loading a trained model: one safetensors file (`model.safetensors`) holding every
 * weight (see weights.ts) plus metadata to rebuild it without any config: model kind and
 * resolved options, the FeatureSpec, the fitted encoders, how the data files were read, and a
 * training summary. Checksums and format versions are checked by the IO layer (ModelFileError).
 */
import type { DatasetConfig, EncodersJSON } from '../data/index.js';
import { applyPlan } from '../compress/apply.js';
import type { CompressionPlan } from '../compress/plan.js';
import { Encoders } from '../data/index.js';
import { EmbeddingStore } from '../embedding/store.js';
import { loadModelFile, saveModelFile } from '../io/model_file.js';
import { Rng } from '../tensor/rng.js';
import { ModelFileError } from '../util/errors.js';
import { VERSION } from '../version.js';
import type { CTRModel } from '../models/model.js';
import { findModel, MODELS } from '../models/registry.js';
import type { FeatureSpec } from '../models/types.js';
import { applyModelTensors, modelTensors } from './weights.js';
import type { Tensor as FileTensor } from '../io/safetensors.js';

/** How raw files were read for training (so eval / predict read new files the same way). */
export type ReaderSettings = Pick<DatasetConfig, 'format' | 'separator' | 'header' | 'columns' | 'label' | 'num_fields' | 'multi_value'>;

/** What a training run records about itself in the model file. */
export interface TrainingSummary {
  epoch: number;
  step: number;
  /** Metrics by split name, e.g. { validation: { auc, logloss }, test: { auc, logloss, rows } }. */
  metrics: Record<string, Record<string, number>>;
  [key: string]: unknown;
}

export interface ModelMeta {
  kind: string;
  /** The model's resolved options (the `model` config section minus `name`). */
  options: Record<string, unknown>;
  features: FeatureSpec;
  /** Encoders.toJSON() of the data pipeline that fed the model (null when trained on raw ids). */
  encoders: EncodersJSON | null;
  reader: ReaderSettings | null;
  training: TrainingSummary | null;
  /** Parameter count (dense + embedding weights). */
  params: number;
  slimctr_version: string;
  /** How the model was compressed (absent or null for an original model). */
  compression?: CompressionPlan | null;
  /** Tensor-train rank of the categorical fields (TT-Rec baseline); absent or null for tables. */
  tt_rank?: number | null;
}

export type SaveMeta = Omit<ModelMeta, 'kind' | 'slimctr_version' | 'params'>;

/** The part of a loaded model's metadata to pass back to saveModel (what saving derives is dropped). */
export function saveMetaOf(meta: ModelMeta): SaveMeta {
  const { kind: _kind, slimctr_version: _version, params: _params, ...rest } = meta;
  return rest;
}

/** Collects tensors and metadata for a model file (shared with checkpoints). */
export function modelFileParts(model: CTRModel, meta: SaveMeta): { tensors: Map<string, FileTensor>; meta: ModelMeta } {
  return {
    tensors: modelTensors(model),
    meta: { ...meta, kind: model.kind, params: model.paramCount(), slimctr_version: VERSION },
  };
}

/** Writes `model` and its metadata to `path` atomically. */
export function saveModel(path: string, model: CTRModel, meta: SaveMeta): void {
  const parts = modelFileParts(model, meta);
  saveModelFile(path, parts.tensors, parts.meta);
}

export interface LoadOptions {
  /** Optimizer slots per embedding row to allocate (0 for inference; checkpoints pass their own). */
  slots?: number;
  store?: EmbeddingStore;
}

export interface LoadedModel {
  model: CTRModel;
  meta: ModelMeta;
  encoders: Encoders | null;
}

/** Checks the metadata shape and rebuilds the (untrained) model through the registry. */
export function buildFromMeta(meta: ModelMeta, file: string, opts: LoadOptions = {}): CTRModel {
  if (typeof meta.kind !== 'string' || !meta.features || !Array.isArray(meta.features.categorical)) {
    throw new ModelFileError(file, 'not a slimctr CTR model (metadata lacks kind / features)');
  }
  const entry = findModel(meta.kind);
  if (!entry) {
    throw new ModelFileError(file, `model kind '${meta.kind}' is not known to this slimctr ${VERSION} (known: ${MODELS.map((m) => m.name).join(', ')})`);
  }
  const parsed = entry.options.safeParse(meta.options ?? {});
  if (!parsed.success) {
    const iss = parsed.error.issues[0];
    throw new ModelFileError(file, `stored options of ${meta.kind} are invalid at ${iss.path.join('.') || '(root)'}: ${iss.message}`);
  }
  const store = opts.store ?? new EmbeddingStore();
  const ctx = { rng: new Rng(0), store, slots: opts.slots ?? 0, tt: meta.tt_rank ? { rank: meta.tt_rank } : undefined };
  const model = entry.create(meta.features, parsed.data, ctx);
  // A compressed model: install the factorized structure; the weights are loaded next.
  if (meta.compression) applyPlan(model, meta.compression, ctx);
  return model;
}

/** Reads a model file, rebuilds the model and loads its weights; the model comes back in eval mode. */
export function loadModel(path: string, opts: LoadOptions = {}): LoadedModel {
  const file = loadModelFile<ModelMeta>(path);
  const model = buildFromMeta(file.meta, path, opts);
  applyModelTensors(model, file.tensors, path);
  model.eval();
  const encoders = file.meta.encoders ? Encoders.fromJSON(file.meta.encoders, `${path} (encoders)`) : null;
  return { model, meta: file.meta, encoders };
}
