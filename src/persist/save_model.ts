/** Writing a slimctr model file (Node): the layout is container.ts's, the parts model_file.ts's. */
import { writeFileAtomic } from '../io/atomic.js';
import type { Tensor as FileTensor } from '../io/safetensors.js';
import type { CTRModel } from '../models/model.js';
import { encodeModelFile } from './container.js';
import { modelFileParts, type SaveMeta } from './model_file.js';

/** What a checkpoint adds to a model file: tensors of its own and metadata keys beside the model's. */
export interface ExtraParts {
  tensors?: ReadonlyMap<string, FileTensor>;
  meta?: object;
}

/** The bytes a model file of `model` with `meta` takes (nothing written). */
export function modelFileBytes(model: CTRModel, meta: SaveMeta): number {
  const parts = modelFileParts(model, meta);
  return encodeModelFile(parts.tensors, parts.meta).reduce((n, c) => n + c.byteLength, 0);
}

/** Writes `model` and its metadata (and a checkpoint's `extra` parts) to `path` atomically. */
export function saveModel(path: string, model: CTRModel, meta: SaveMeta, extra: ExtraParts = {}): void {
  const parts = modelFileParts(model, meta);
  for (const [name, t] of extra.tensors ?? []) {
    if (parts.tensors.has(name)) throw new Error(`internal: ${path}: two tensors are named '${name}'`);
    parts.tensors.set(name, t);
  }
  writeFileAtomic(path, encodeModelFile(parts.tensors, { ...parts.meta, ...extra.meta }, path));
}
