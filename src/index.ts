/**
 * slimctr's public API for Node (`import { ... } from 'slimctr'`). Everything else in the package
 * is internal and may change between versions. Browsers and bundlers use `slimctr/web`.
 */

/** Starts the kernel engine with a thread count (default: every core). */
export { startEngine, type EngineInfo } from './api/node.js';
/** Trains a model from a config object with the sections of a YAML config. */
export { train } from './api/node.js';
/** Loads and verifies a model file; the result predicts on raw rows or encoded batches. */
export { loadModel } from './api/node.js';
/** Compresses a trained run folder by ratio, energy or explicit ranks (AFM, AFM-act or SVD). */
export { compress } from './api/node.js';
/** Exports a loaded model to ONNX bytes, optionally written to a file. */
export { exportOnnx } from './api/node.js';
/** Starts the HTTP prediction server on a model file. */
export { serve } from './api/node.js';
/** A loaded model: `columns`, `predict(rows)`, `predictEncoded(batch)`, `meta`. */
export { Model } from './api/model.js';

/** Options and results of training, compression and serving. */
export type { TrainOptions } from './api/node.js';
export type { TrainResult } from './train/trainer.js';
/** Compression options (method, rank choice, fine-tuning) and what a compression run returns. */
export type { CompressOptions, CompressResult } from './jobs/compress_run.js';
/** How `compress` chooses ranks: { by: 'ratio', ratio } | { by: 'budget', params } | { by: 'energy', energy } | { by: 'ranks', ranks }. */
export type { RankChoice } from './compress/rank_choice.js';
/** `compress`'s result: the report plus `modelPath`, the compressed model file. */
export type { Compressed } from './api/node.js';
/** The HTTP server and its options (host, port, workers, engine, batching limits). */
export type { PredictionServer, ServeOptions } from './serve/http.js';
/** A raw input row (object keyed by column, or array in `Model.columns` order) and an encoded batch. */
export type { RawRow } from './data/encoders/encoders.js';
/** An encoded batch: `ids` [rows x fields] int32, `dense` [rows x numeric] float32. */
export type { Batch } from './nn/types.js';
/** What a model file records about the model. */
export type { ModelMeta } from './persist/model_bytes.js';

/** The error classes: every failure slimctr reports is a SlimctrError subclass naming its cause. */
export {
  SlimctrError,
  ConfigError,
  DataError,
  DependencyError,
  ModelFileError,
  ShapeError,
  UsageError,
  ExportError,
  MetricError,
  TrainingError,
  RequestError,
} from './util/errors.js';
/** The package version. */
export { VERSION } from './version.js';
