/**
 * Reading a slimctr model file (`model.safetensors`): one safetensors file holding every weight
 * (see weights.ts) plus the metadata to rebuild the model without any config (model_bytes.ts):
 * kind and resolved options, the FeatureSpec, the fitted encoders (vocabularies as tensors, see
 * vocab_tensors.ts), how the data files were read, and a training summary. Checksums and format
 * versions are checked by container.ts (ModelFileError). Runs in any host: a path is read through
 * platform/ (Node), a browser passes the bytes. save_model.ts writes the files.
 */
import type { EncodersJSON } from '../data/index.js';
import { Encoders } from '../data/encoders/encoders.js';
import type { Tensor as FileTensor } from '../io/safetensors.js';
import type { CTRModel } from '../models/model.js';
import { readFileBytes } from '../platform/node.js';
import { VERSION } from '../version.js';
import { int8Weights } from '../compress/quantize.js';
import { decodeModelFile, type ModelFile } from './container.js';
import { buildFromMeta, type LoadedModel, type LoadOptions, type ModelMeta } from './model_bytes.js';
import { isVocabularyTensor, packVocabularies, unpackVocabularies } from './vocab_tensors.js';
import { applyModelTensors, modelTensors } from './weights.js';

export {
  buildFromMeta,
  type LoadedModel,
  type LoadOptions,
  type ModelMeta,
  type ReaderSettings,
  type TrainingSummary,
} from './model_bytes.js';
export type { ModelFile } from './container.js';

/** What saveModel takes: the metadata minus what saving derives from the model. */
export type SaveMeta = Omit<ModelMeta, 'kind' | 'slimctr_version' | 'params'>;

/** A model file on disk (its path) or in memory (its bytes, named `name` in errors). */
export type ModelSource = string | Uint8Array;

/** The part of a loaded model's metadata to pass back to saveModel (what saving derives is dropped). */
export function saveMetaOf(meta: ModelMeta): SaveMeta {
  const { kind: _kind, slimctr_version: _version, params: _params, ...rest } = meta;
  return rest;
}

/**
 * The tensors and metadata of a model file (shared with checkpoints): the weights, and the
 * encoders' vocabularies as tensors of their own (see vocab_tensors.ts), out of the JSON header.
 */
export function modelFileParts(model: CTRModel, meta: SaveMeta): { tensors: Map<string, FileTensor>; meta: ModelMeta } {
  const tensors = modelTensors(model, int8Weights(model, meta.compression?.bits));
  let encoders = meta.encoders;
  if (encoders) {
    const packed = packVocabularies(encoders);
    for (const [name, t] of packed.tensors) {
      if (tensors.has(name)) throw new Error(`internal: a weight is named like the vocabulary tensor '${name}'`);
      tensors.set(name, t);
    }
    encoders = packed.json as unknown as EncodersJSON;
  }
  return {
    tensors,
    meta: { ...meta, encoders, kind: model.kind, params: model.paramCount(), slimctr_version: VERSION },
  };
}

/**
 * Reads and verifies a model file or checkpoint without building the model: its tensors (the
 * weights, and a checkpoint's optimizer state) and its metadata, vocabularies put back into the encoders.
 */
export function readModelParts<M extends ModelMeta = ModelMeta>(source: ModelSource, name = '<bytes>'): ModelFile<M> {
  const file = typeof source === 'string' ? source : name;
  const decoded = decodeModelFile<M>(typeof source === 'string' ? readFileBytes(source) : source, file);
  if (decoded.meta.encoders)
    decoded.meta.encoders = unpackVocabularies(decoded.meta.encoders, decoded.tensors, file) as EncodersJSON;
  for (const t of [...decoded.tensors.keys()]) if (isVocabularyTensor(t)) decoded.tensors.delete(t);
  return decoded;
}

/** Reads a model file, rebuilds the model and loads its weights; the model comes back in eval mode. */
export function loadModel(source: ModelSource, opts: LoadOptions & { name?: string } = {}): LoadedModel {
  const file = typeof source === 'string' ? source : (opts.name ?? '<bytes>');
  const decoded = readModelParts(source, file);
  const model = buildFromMeta(decoded.meta, file, opts);
  applyModelTensors(model, decoded.tensors, file, int8Weights(model, decoded.meta.compression?.bits));
  model.eval();
  const encoders = decoded.meta.encoders ? Encoders.fromJSON(decoded.meta.encoders, `${file} (encoders)`) : null;
  return { model, meta: decoded.meta, encoders };
}
