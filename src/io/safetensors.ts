/**
 * The safetensors layout: an 8-byte little-endian u64 header length N, N bytes of UTF-8 JSON
 * (tensor name -> {dtype, shape, data_offsets}, plus an optional `__metadata__` string map),
 * padded with spaces so the data starts 8-byte aligned, then the tensors' raw little-endian bytes,
 * packed with no holes. Reading treats the file as hostile: every number is checked before use and
 * any problem is a ModelFileError naming the file and what is wrong.
 * This module works on bytes in memory and runs in any host; safetensors_file.ts reads and writes files.
 */
import { ModelFileError, ResourceError, ShapeError } from '../util/errors.js';

type TensorData =
  | Float64Array
  | Float32Array
  | Uint16Array
  | BigInt64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | BigUint64Array
  | Uint32Array
  | Uint8Array;

type TypedArrayCtor = {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): TensorData;
  new (length: number): TensorData;
  readonly BYTES_PER_ELEMENT: number;
};

/** Element types and the typed array each is read into. F16 and BF16 are raw bits in a Uint16Array. */
const DTYPES = {
  F64: Float64Array,
  F32: Float32Array,
  F16: Uint16Array,
  BF16: Uint16Array,
  I64: BigInt64Array,
  I32: Int32Array,
  I16: Int16Array,
  I8: Int8Array,
  U64: BigUint64Array,
  U32: Uint32Array,
  U16: Uint16Array,
  U8: Uint8Array,
  BOOL: Uint8Array,
} as const;
type DType = keyof typeof DTYPES;

export interface Tensor {
  dtype: DType;
  shape: number[];
  data: TensorData;
}

export interface Safetensors {
  /** Tensors in header order. `data` is a view into the file's bytes when aligned, else a copy. */
  tensors: Map<string, Tensor>;
  /** The `__metadata__` map ({} when absent). */
  metadata: Record<string, string>;
  /** Byte offset of the data region from the start of the file (8 + header length). */
  dataStart: number;
  /** The header's tensor table, in header order, offsets relative to the data region. */
  entries: TensorEntry[];
}

/** One header entry, with offsets relative to the data region. */
export interface TensorEntry {
  name: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

/** Same cap as the reference implementation: a larger header is taken as corruption. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1)
  throw new ResourceError('slimctr safetensors: big-endian hosts are not supported (the files are little-endian)');

function isDType(s: unknown): s is DType {
  return typeof s === 'string' && Object.hasOwn(DTYPES, s);
}

function dtypeSize(dtype: DType): number {
  return DTYPES[dtype].BYTES_PER_ELEMENT;
}

function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

// ---------------------------------------------------------------- writing

function checkTensor(name: string, t: Tensor): void {
  if (name === '__metadata__')
    throw new Error('internal: safetensors: "__metadata__" is reserved and cannot name a tensor');
  if (!isDType(t.dtype)) throw new Error(`internal: safetensors: tensor ${name}: unknown dtype ${String(t.dtype)}`);
  for (const d of t.shape) {
    if (!Number.isSafeInteger(d) || d < 0)
      throw new ShapeError(`tensor ${name}: bad dimension ${d} in shape [${t.shape}]`);
  }
  const Ctor = DTYPES[t.dtype] as unknown as TypedArrayCtor;
  if (!(t.data instanceof (Ctor as unknown as abstract new (...args: never[]) => unknown))) {
    throw new Error(
      `internal: safetensors: tensor ${name}: dtype ${t.dtype} needs a ${Ctor.name}, got ${t.data?.constructor?.name}`,
    );
  }
  const n = elementCount(t.shape);
  if (t.data.length !== n) {
    throw new ShapeError(`tensor ${name}: shape [${t.shape}] holds ${n} elements but data has ${t.data.length}`);
  }
}

/**
 * The order tensors are packed in: by element size, largest first (stable), so every tensor
 * starts aligned to its element size and reads back zero-copy.
 */
function packingOrder(tensors: ReadonlyMap<string, Tensor>): [string, Tensor][] {
  const list = [...tensors];
  for (const [name, t] of list) checkTensor(name, t);
  return list
    .map((e, i) => ({ e, i }))
    .sort((a, b) => dtypeSize(b.e[1].dtype) - dtypeSize(a.e[1].dtype) || a.i - b.i)
    .map((x) => x.e);
}

/** The data region as byte views, in packing order (what the data region's checksum covers). */
export function tensorDataChunks(tensors: ReadonlyMap<string, Tensor>): Uint8Array[] {
  return packingOrder(tensors).map(([, t]) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

/**
 * Serializes to chunks (length prefix + padded header, then each tensor's bytes) so large tensors
 * are written without one big concatenation. Header keys keep the map's order. A header over
 * MAX_HEADER_BYTES (which no reader would accept) is refused here, before anything is written.
 */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, Tensor>,
  metadata: Record<string, string> = {},
  file = '<new safetensors file>',
): Uint8Array[] {
  const order = packingOrder(tensors);
  const offsets = new Map<string, [number, number]>();
  let pos = 0;
  for (const [name, t] of order) {
    offsets.set(name, [pos, pos + t.data.byteLength]);
    pos += t.data.byteLength;
  }
  const header: Record<string, unknown> = {};
  const metaKeys = Object.keys(metadata);
  if (metaKeys.length > 0) {
    for (const k of metaKeys) {
      if (typeof metadata[k] !== 'string') throw new Error(`internal: safetensors: __metadata__.${k} must be a string`);
    }
    header.__metadata__ = metadata;
  }
  for (const [name, t] of tensors)
    header[name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: offsets.get(name) };
  const text = new TextEncoder().encode(JSON.stringify(header));
  if (text.length > MAX_HEADER_BYTES) {
    throw new ModelFileError(
      file,
      `cannot save: the header would be ${text.length} bytes, over the ${MAX_HEADER_BYTES}-byte limit readers accept; nothing was written`,
    );
  }
  const json = new Uint8Array(Math.ceil(text.length / 8) * 8).fill(0x20);
  json.set(text);
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(json.length), true);
  return [prefix, json, ...order.map(([, t]) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength))];
}

// ---------------------------------------------------------------- reading

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The header length from the 8-byte prefix, checked against the file size. */
export function headerLength(prefix: Uint8Array, fileSize: number, file: string): number {
  if (fileSize < 8)
    throw new ModelFileError(
      file,
      `truncated: ${fileSize} bytes, but a safetensors file starts with an 8-byte header length`,
    );
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES))
    throw new ModelFileError(file, `corrupt: header length ${n} is over the ${MAX_HEADER_BYTES}-byte limit`);
  if (n > BigInt(fileSize - 8)) {
    throw new ModelFileError(
      file,
      `truncated or corrupt: header length ${n} but only ${fileSize - 8} bytes follow the length prefix`,
    );
  }
  return Number(n);
}

/**
 * Parses and checks a header (the JSON bytes after the length prefix) against a data region of
 * `dataLength` bytes. Returns entries in header order and the metadata.
 */
export function parseSafetensorsHeader(
  headerBytes: Uint8Array,
  dataLength: number,
  file: string,
): { entries: TensorEntry[]; metadata: Record<string, string> } {
  const bad = (detail: string): never => {
    throw new ModelFileError(file, `corrupt safetensors header: ${detail}`);
  };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    return bad('not valid UTF-8');
  }
  if (!text.startsWith('{')) bad(`must start with '{', starts with ${JSON.stringify(text.slice(0, 8))}`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return bad(`not valid JSON (${(err as Error).message})`);
  }
  if (!isPlainObject(raw)) return bad('not a JSON object');
  const metadata: Record<string, string> = {};
  const entries: TensorEntry[] = [];
  for (const [name, value] of Object.entries(raw)) {
    if (name === '__metadata__') {
      if (!isPlainObject(value)) bad('__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') bad(`__metadata__.${k} must be a string, got ${JSON.stringify(v)}`);
        metadata[k] = v as string;
      }
      continue;
    }
    const where = `tensor ${JSON.stringify(name)}`;
    if (!isPlainObject(value)) bad(`${where} must be an object with dtype, shape and data_offsets`);
    const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
    if (!isDType(dtype)) bad(`${where} has unknown dtype ${JSON.stringify(dtype)}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      bad(`${where} shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[0] > offsets[1]
    ) {
      bad(`${where} data_offsets must be [begin, end] with 0 <= begin <= end, got ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    const shp = shape as number[];
    const expected = elementCount(shp) * dtypeSize(dtype as DType);
    if (!Number.isSafeInteger(expected) || expected !== end - begin) {
      bad(
        `${where}: ${dtype} [${shp}] needs ${expected} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`,
      );
    }
    if (end > dataLength) {
      throw new ModelFileError(
        file,
        `truncated or corrupt: ${where} ends at data byte ${end} but the data region has ${dataLength} bytes`,
      );
    }
    entries.push({ name, dtype: dtype as DType, shape: shp, begin, end });
  }
  // The data region must be covered exactly: no overlaps, no holes, nothing after the last tensor.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  for (const e of sorted) {
    if (e.begin < pos)
      bad(`tensor ${JSON.stringify(e.name)} at [${e.begin}, ${e.end}] overlaps the tensor before it (ends at ${pos})`);
    if (e.begin > pos) bad(`hole in the data region: bytes [${pos}, ${e.begin}) belong to no tensor`);
    pos = e.end;
  }
  if (pos !== dataLength) {
    throw new ModelFileError(
      file,
      `corrupt: ${dataLength - pos} trailing bytes after the last tensor (data region is ${dataLength} bytes, tensors cover ${pos})`,
    );
  }
  return { entries, metadata };
}

/** Decodes a whole safetensors file held in memory; `file` names it in errors. */
export function decodeSafetensors(bytes: Uint8Array, file = '<buffer>'): Safetensors {
  const n = headerLength(bytes.subarray(0, 8), bytes.byteLength, file);
  const dataStart = 8 + n;
  const { entries, metadata } = parseSafetensorsHeader(
    bytes.subarray(8, dataStart),
    bytes.byteLength - dataStart,
    file,
  );
  const tensors = new Map<string, Tensor>();
  for (const e of entries) {
    const Ctor = DTYPES[e.dtype] as unknown as TypedArrayCtor;
    const offset = bytes.byteOffset + dataStart + e.begin;
    const count = (e.end - e.begin) / Ctor.BYTES_PER_ELEMENT;
    let data: TensorData;
    if (offset % Ctor.BYTES_PER_ELEMENT === 0) {
      data = new Ctor(bytes.buffer, offset, count);
    } else {
      data = new Ctor(count);
      new Uint8Array(data.buffer).set(bytes.subarray(dataStart + e.begin, dataStart + e.end));
    }
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data });
  }
  return { tensors, metadata, dataStart, entries };
}
