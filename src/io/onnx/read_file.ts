/** Reading an ONNX file from disk (Node only; read.ts decodes bytes and stays browser-safe). */
import { readFileSync } from 'node:fs';
import { ModelFileError } from '../../util/errors.js';
import { decodeOnnx, type OnnxModel } from './read.js';

/** Reads and decodes the ONNX file at `path`. */
export function readOnnxFile(path: string): OnnxModel {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new ModelFileError(path, `cannot read the ONNX model: ${(e as Error).message}`);
  }
  return decodeOnnx(bytes, path);
}
