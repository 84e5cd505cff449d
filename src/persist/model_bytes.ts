/**
 * What a model file's metadata holds, and rebuilding the model it describes through the registry
 * (with the factorized structure when it was compressed). Runs in any host; model_file.ts reads
 * model files (loadModel) and save_model.ts writes them (saveModel).
 */
import type { DatasetConfig, EncodersJSON } from '../data/index.js';
import type { Encoders } from '../data/encoders/encoders.js';
import { applyPlan } from '../compress/apply.js';
import { applyBits } from '../compress/quantize.js';
import { planProblem, type CompressionPlan } from '../compress/plan.js';
import { EmbeddingStore } from '../embedding/store.js';
import { Rng } from '../tensor/rng.js';
import { ModelFileError } from '../util/errors.js';
import { VERSION } from '../version.js';
import type { CTRModel } from '../models/model.js';
import { findModel, MODELS } from '../models/registry.js';
import type { FeatureSpec } from '../nn/types.js';

/** How raw files were read for training (so eval / predict read new files the same way). */
export type ReaderSettings = Pick<
  DatasetConfig,
  'format' | 'separator' | 'header' | 'columns' | 'label' | 'num_fields' | 'multi_value' | 'field_map'
> &
  /** The training run's bad-row policy, which eval and predict follow (absent in older files: 'error'). */
  Partial<Pick<DatasetConfig, 'on_bad_row'>>;

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
    throw new ModelFileError(
      file,
      `model kind '${meta.kind}' is not known to this slimctr ${VERSION} (known: ${MODELS.map((m) => m.name).join(', ')})`,
    );
  }
  const parsed = entry.options.safeParse(meta.options ?? {});
  if (!parsed.success) {
    const iss = parsed.error.issues[0];
    throw new ModelFileError(
      file,
      `stored options of ${meta.kind} are invalid at ${iss.path.join('.') || '(root)'}: ${iss.message}`,
    );
  }
  const store = opts.store ?? new EmbeddingStore();
  const ctx = { rng: new Rng(0), store, slots: opts.slots ?? 0, tt: meta.tt_rank ? { rank: meta.tt_rank } : undefined };
  const model = entry.create(meta.features, parsed.data, ctx);
  // A compressed model: install the factorized structure (a plan that does not fit the model is damage); the weights are loaded next.
  if (meta.compression) {
    const bad = planProblem(model, meta.compression);
    if (bad)
      throw new ModelFileError(
        file,
        `stored compression plan is invalid at compression${bad.key ? `.${bad.key}` : ''}: ${bad.detail}`,
      );
    applyPlan(model, meta.compression, ctx);
    if (meta.compression.bits) applyBits(model, meta.compression.bits, store);
  }
  return model;
}
