/**
 * Saving and loading a trained model: one safetensors file (`model.safetensors`) holding every
 * weight (see weights.ts) plus metadata to rebuild it without any config: model kind and
 * resolved options, the FeatureSpec, the fitted encoders, how the data files were read, and a
 * training summary. Checksums and format versions are checked by the IO layer (ModelFileError).
 * Decoding from bytes (no file system) is in model_bytes.ts.
 */
import { readFileSync } from 'node:fs';
import { saveModelFile } from '../io/model_file.js';
import { VERSION } from '../version.js';
import type { CTRModel } from '../models/model.js';
import { modelTensors } from './weights.js';
import type { Tensor as FileTensor } from '../io/safetensors.js';
import {
  loadModelFromBytes,
  readModelFile,
  type LoadedModel,
  type LoadOptions,
  type ModelMeta,
} from './model_bytes.js';
import type { EncodersJSON } from '../data/index.js';
import type { ModelFile } from '../io/model_codec.js';
import { packVocabularies } from './vocab_tensors.js';

export {
  buildFromMeta,
  loadModelFromBytes,
  readModelFile,
  type LoadedModel,
  type LoadOptions,
  type ModelMeta,
  type ReaderSettings,
  type TrainingSummary,
} from './model_bytes.js';

export type SaveMeta = Omit<ModelMeta, 'kind' | 'slimctr_version' | 'params'>;

/** The part of a loaded model's metadata to pass back to saveModel (what saving derives is dropped). */
export function saveMetaOf(meta: ModelMeta): SaveMeta {
  const { kind: _kind, slimctr_version: _version, params: _params, ...rest } = meta;
  return rest;
}

/**
 * Collects tensors and metadata for a model file (shared with checkpoints): the weights, and the
 * encoders' vocabularies as tensors of their own (see vocab_tensors.ts), out of the JSON header.
 */
export function modelFileParts(model: CTRModel, meta: SaveMeta): { tensors: Map<string, FileTensor>; meta: ModelMeta } {
  const tensors = modelTensors(model);
  let encoders = meta.encoders;
  if (encoders) {
    const packed = packVocabularies(encoders);
    for (const [name, t] of packed.tensors) {
      if (tensors.has(name)) throw new Error(`model file: a weight is named like the vocabulary tensor '${name}'`);
      tensors.set(name, t);
    }
    encoders = packed.json as unknown as EncodersJSON;
  }
  return {
    tensors,
    meta: { ...meta, encoders, kind: model.kind, params: model.paramCount(), slimctr_version: VERSION },
  };
}

/** Writes `model` and its metadata to `path` atomically. */
export function saveModel(path: string, model: CTRModel, meta: SaveMeta): void {
  const parts = modelFileParts(model, meta);
  saveModelFile(path, parts.tensors, parts.meta);
}

/** Reads a model file, rebuilds the model and loads its weights; the model comes back in eval mode. */
export function loadModel(path: string, opts: LoadOptions = {}): LoadedModel {
  return loadModelFromBytes(readFileSync(path), path, opts);
}

/** Reads and verifies a model file or checkpoint: tensors and metadata, vocabularies restored into the encoders. */
export function loadModelParts<M extends ModelMeta = ModelMeta>(path: string): ModelFile<M> {
  return readModelFile<M>(readFileSync(path), path);
}
