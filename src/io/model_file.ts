/** Reading and writing slimctr model files (Node); the layout and its checks are in model_codec.ts. */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic.js';
import { decodeModelFile, encodeModelFile, type ModelFile } from './model_codec.js';
import type { Tensor } from './safetensors.js';

export {
  MODEL_FORMAT_NAME,
  MODEL_FORMAT_VERSION,
  decodeModelFile,
  encodeModelFile,
  type ModelFile,
} from './model_codec.js';

/** Writes tensors and a JSON meta object as a slimctr model file, atomically. */
export function saveModelFile(path: string, tensors: ReadonlyMap<string, Tensor>, meta: object): void {
  writeFileAtomic(path, encodeModelFile(tensors, meta, path));
}

/** Reads and verifies a slimctr model file (checksums, format version); throws ModelFileError. */
export function loadModelFile<M = Record<string, unknown>>(path: string): ModelFile<M> {
  return decodeModelFile<M>(readFileSync(path), path);
}
