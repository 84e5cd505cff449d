/**
 * slimctr's model file: a standard safetensors file whose `__metadata__` also holds
 *   format          "slimctr-model"
 *   format_version  "MAJOR.MINOR" of this layout (a newer MAJOR cannot be read by older code)
 *   slimctr_version the slimctr that wrote it
 *   slimctr         the caller's meta object as JSON (model config, feature maps, ...)
 *   data_sha256     sha256 of the data region (all tensor bytes, in file order)
 *   header_sha256   sha256 of the header content (every metadata key above and each tensor's
 *                   name, dtype, shape and offsets), so a flipped byte anywhere is caught
 * Any safetensors reader can load the tensors; decodeModelFile also verifies both checksums.
 * This module works on bytes in memory (any host); model_file.ts reads and save_model.ts writes files.
 */
import { sha256Hex } from '../platform/node.js';
import { ModelFileError } from '../util/errors.js';
import { VERSION } from '../version.js';
import {
  decodeSafetensors,
  encodeSafetensors,
  parseSafetensorsHeader,
  tensorDataChunks,
  type Tensor,
  type TensorEntry,
} from '../io/safetensors.js';

/**
 * The model file layout version this code writes. Bump MINOR for additions old readers may ignore.
 * 2.0: encoder vocabularies moved from the JSON metadata into tensors (persist/vocab_tensors.ts);
 * 3.0: vocabularies in compact columns (integers as varint steps, text with narrow lengths), not
 * UTF-8 plus a U64 offset per value. 2.x and 1.x files (vocabularies inline) are still read.
 */
export const MODEL_FORMAT_VERSION = '3.0';
const MODEL_FORMAT_NAME = 'slimctr-model';

export interface ModelFile<M = Record<string, unknown>> {
  tensors: Map<string, Tensor>;
  meta: M;
  /** format_version of the file, e.g. "1.0". */
  formatVersion: string;
  /** The slimctr version that wrote the file. */
  slimctrVersion: string;
}

/** The header checksum's input: metadata (sorted, minus header_sha256) and the tensor table sorted by name. */
function headerDigest(metadata: Record<string, string>, entries: readonly TensorEntry[]): string {
  const meta = Object.keys(metadata)
    .filter((k) => k !== 'header_sha256')
    .sort()
    .map((k) => [k, metadata[k]]);
  const table = [...entries]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((e) => [e.name, e.dtype, e.shape, e.begin, e.end]);
  return sha256Hex([new TextEncoder().encode(JSON.stringify({ meta, table }))]);
}

/** Serializes a model file to byte chunks (see saveModel). */
export function encodeModelFile(
  tensors: ReadonlyMap<string, Tensor>,
  meta: object,
  file = '<new model file>',
): Uint8Array[] {
  const metaJson = JSON.stringify(meta);
  if (typeof metaJson !== 'string' || metaJson[0] !== '{')
    throw new Error('internal: encodeModelFile: meta must be a JSON object');
  const metadata: Record<string, string> = {
    format: MODEL_FORMAT_NAME,
    format_version: MODEL_FORMAT_VERSION,
    slimctr_version: VERSION,
    slimctr: metaJson,
    data_sha256: sha256Hex(tensorDataChunks(tensors)),
  };
  // The header checksum needs the final offsets: lay the file out once without it, read the table back.
  const draft = encodeSafetensors(tensors, metadata, file);
  const headerBytes = draft[1];
  const dataLength = draft.slice(2).reduce((n, c) => n + c.byteLength, 0);
  const { entries } = parseSafetensorsHeader(headerBytes, dataLength, '<new model file>');
  metadata.header_sha256 = headerDigest(metadata, entries);
  return encodeSafetensors(tensors, metadata, file);
}

function parseVersion(v: string | undefined): [number, number] | null {
  const m = /^(\d+)\.(\d+)$/.exec(v ?? '');
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** Decodes and verifies a model file held in memory; `file` names it in errors. */
export function decodeModelFile<M = Record<string, unknown>>(bytes: Uint8Array, file = '<buffer>'): ModelFile<M> {
  const st = decodeSafetensors(bytes, file);
  const md = st.metadata;
  if (md.format !== MODEL_FORMAT_NAME) {
    throw new ModelFileError(file, `not a slimctr model file (a safetensors file without slimctr metadata)`);
  }
  // The checksum first: a damaged format_version is damage, not a newer version.
  if (md.header_sha256 !== headerDigest(md, st.entries)) {
    throw new ModelFileError(file, 'corrupt: header checksum mismatch (the header was changed or damaged)');
  }
  const writtenBy = md.slimctr_version ?? 'unknown';
  const version = parseVersion(md.format_version);
  if (!version) throw new ModelFileError(file, `corrupt: bad format_version ${JSON.stringify(md.format_version)}`);
  const [ours] = parseVersion(MODEL_FORMAT_VERSION)!;
  if (version[0] > ours) {
    throw new ModelFileError(
      file,
      `model format ${md.format_version} is newer than this slimctr ${VERSION} can read (format ${ours}.x); ` +
        `it was written by slimctr ${writtenBy}: upgrade to slimctr ${writtenBy} or later to load it`,
    );
  }
  if (version[0] < 1) throw new ModelFileError(file, `unsupported model format ${md.format_version}`);
  if (md.data_sha256 !== sha256Hex([bytes.subarray(st.dataStart)])) {
    throw new ModelFileError(file, 'corrupt: data checksum mismatch (tensor bytes were changed or damaged)');
  }
  let meta: unknown;
  try {
    meta = JSON.parse(md.slimctr ?? '');
  } catch (err) {
    throw new ModelFileError(file, `corrupt: slimctr metadata is not valid JSON (${(err as Error).message})`);
  }
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
    throw new ModelFileError(file, 'corrupt: slimctr metadata is not a JSON object');
  }
  return { tensors: st.tensors, meta: meta as M, formatVersion: md.format_version!, slimctrVersion: writtenBy };
}
