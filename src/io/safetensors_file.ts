/** Reading and writing safetensors files (Node); the layout itself is in safetensors.ts. */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { ModelFileError } from '../util/errors.js';
import { writeFileAtomic } from './atomic.js';
import {
  decodeSafetensors,
  encodeSafetensors,
  headerLength,
  parseSafetensorsHeader,
  type Safetensors,
  type Tensor,
  type TensorEntry,
} from './safetensors.js';

/** Serializes to one buffer. */
export function serializeSafetensors(
  tensors: ReadonlyMap<string, Tensor>,
  metadata: Record<string, string> = {},
): Buffer {
  return Buffer.concat(encodeSafetensors(tensors, metadata));
}

/** Writes a safetensors file atomically. */
export function writeSafetensors(
  path: string,
  tensors: ReadonlyMap<string, Tensor>,
  metadata: Record<string, string> = {},
): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata, path));
}

/** Reads a safetensors file; tensors are views into one buffer holding the file. */
export function readSafetensors(path: string): Safetensors {
  return decodeSafetensors(readFileSync(path), path);
}

/** Reads only the header of a safetensors file (cheap for large files). */
export function readSafetensorsHeader(path: string): {
  entries: TensorEntry[];
  metadata: Record<string, string>;
  dataStart: number;
} {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const prefix = Buffer.alloc(8);
    readSync(fd, prefix, 0, Math.min(8, size), 0);
    const n = headerLength(prefix, size, path);
    const header = Buffer.alloc(n);
    let got = 0;
    while (got < n) {
      const r = readSync(fd, header, got, n - got, 8 + got);
      if (r === 0) throw new ModelFileError(path, 'truncated while reading the header');
      got += r;
    }
    return { ...parseSafetensorsHeader(header, size - 8 - n, path), dataStart: 8 + n };
  } finally {
    closeSync(fd);
  }
}
