/**
 * What `slimctr inspect MODEL.safetensors` says about a model file: what wrote it, the model it
 * holds, and its bytes told apart (weights, encoders, metadata; persist/file_bytes.ts) beside the
 * gzip size a static host would send. Node only.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { readSafetensorsHeader } from '../io/safetensors_file.js';
import { decodeModelFile } from '../persist/container.js';
import { type FileBytes, fileBytesOf } from '../persist/file_bytes.js';
import type { ModelMeta } from '../persist/model_bytes.js';
import { ModelFileError } from '../util/errors.js';

export interface ModelFileInfo {
  file: string;
  formatVersion: string;
  slimctrVersion: string;
  kind: string;
  params: number;
  compressed: boolean;
  bytes: FileBytes;
  /** Length of the file gzipped at level 9, what a static host serving it compressed sends. */
  gzipBytes: number;
}

/** Bytes of `data` gzipped at level 9. */
export function gzipBytes(data: Uint8Array): number {
  return gzipSync(data, { level: 9 }).length;
}

/** Reads and verifies a model file (checksums included) and describes it. */
export function describeModelFile(file: string): ModelFileInfo {
  const data = readFileSync(file);
  const decoded = decodeModelFile<ModelMeta>(data, file);
  if (typeof decoded.meta.kind !== 'string')
    throw new ModelFileError(file, 'not a slimctr CTR model (metadata lacks kind)');
  return {
    file,
    formatVersion: decoded.formatVersion,
    slimctrVersion: decoded.slimctrVersion,
    kind: decoded.meta.kind,
    params: decoded.meta.params,
    compressed: Boolean(decoded.meta.compression),
    bytes: fileBytesOf(readSafetensorsHeader(file).entries, data.length),
    gzipBytes: gzipBytes(data),
  };
}

export function formatModelFileInfo(info: ModelFileInfo): string {
  const n = (x: number): string => x.toLocaleString('en-US').padStart(12);
  const share = (x: number): string => `${((100 * x) / info.bytes.total).toFixed(1).padStart(5)}%`;
  const { weights, encoders, metadata, total } = info.bytes;
  return [
    `${info.file}: slimctr model file, format ${info.formatVersion}, written by slimctr ${info.slimctrVersion}`,
    `model ${info.kind}, ${info.params.toLocaleString('en-US')} parameters${info.compressed ? ', compressed' : ''}`,
    'bytes:',
    `  weights  ${n(weights)} ${share(weights)}`,
    `  encoders ${n(encoders)} ${share(encoders)}  (vocabularies)`,
    `  metadata ${n(metadata)} ${share(metadata)}  (JSON header and framing)`,
    `  file     ${n(total)}`,
    `  gzip -9  ${n(info.gzipBytes)} ${share(info.gzipBytes)}  (what a static host sends gzipped)`,
    '',
  ].join('\n');
}
