/**
 * The Open Inference Protocol's binary tensor data extension (Triton, KServe). A request with the
 * header `Inference-Header-Content-Length: N` carries its JSON in the body's first N bytes and tensor
 * bytes after them: an input whose `parameters.binary_data_size` is set has no `data`, its bytes
 * following the JSON in the order the inputs are listed. Elements are little-endian, row major,
 * unpadded, in their native size; a BYTES element is a 4-byte little-endian length, then that many
 * bytes. The answer's output is binary too when the request's `parameters.binary_data_output` is
 * true, or the output's `parameters.binary_data` in its `outputs` list (which overrides it).
 * Every violation is a RequestError (400) naming the tensor (or header) and what is wrong.
 */
import { bad, isObject, parseJson, typeName } from './request.js';

/** Bytes per element of each fixed-size datatype (BYTES elements carry their own lengths), in the protocol's order. */
const SIZES = 'BOOL:1 INT8:1 INT16:2 INT32:4 INT64:8 UINT8:1 UINT16:2 UINT32:4 UINT64:8 FP16:2 FP32:4 FP64:8';
export const ELEMENT_BYTES: Record<string, number> = Object.fromEntries(
  SIZES.split(' ').map((s) => [s.split(':')[0], Number(s.split(':')[1])]),
);

/** Where an input's binary data lies in the body. */
export interface BinarySpan {
  start: number;
  size: number;
}

/** The body, and a little-endian view of it: binary tensors are read in place. */
export interface BodyBytes {
  body: Uint8Array;
  view: DataView;
}

/** An infer request's JSON part and, per input, where its binary data lies (null when it sends `data`). */
export interface V2Request extends BodyBytes {
  id: string | null;
  inputs: unknown[];
  binary: (BinarySpan | null)[];
  /** Whether the answer's output goes back as binary data. */
  binaryOutput: boolean;
}

const decoder = new TextDecoder();

/** An infer body's request id (to echo) and input tensors (not yet checked). */
function v2Envelope(body: Record<string, unknown>): { id: string | null; inputs: unknown[] } {
  const id = body.id === undefined ? null : typeof body.id === 'string' ? body.id : null;
  if (body.id !== undefined && id === null) throw bad(`'id' must be a string, got ${typeName(body.id)}`);
  if (!Array.isArray(body.inputs))
    throw bad(`'inputs' must be an array of input tensors, got ${typeName(body.inputs)}`);
  return { id, inputs: body.inputs };
}

/** `inputs[k] (name)`: how errors name an input tensor. */
export const inputName = (t: unknown, k: number): string =>
  isObject(t) && typeof t.name === 'string' ? `inputs[${k}] (${t.name})` : `inputs[${k}]`;

/**
 * Input tensor k of an infer body, checked: an object whose name (`what` says what a name stands
 * for in errors: a column name, a graph input) is not in `seen` yet, then added to it.
 */
export function namedInput(
  t: unknown,
  k: number,
  what: string,
  seen: Set<string>,
): Record<string, unknown> & { name: string } {
  const where = `inputs[${k}]`;
  if (!isObject(t)) throw bad(`${where} must be an object with name, shape, datatype and data, got ${typeName(t)}`);
  if (typeof t.name !== 'string') throw bad(`${where}.name must be a string (${what}), got ${typeName(t.name)}`);
  if (seen.has(t.name)) throw bad(`${where}: input '${t.name}' is given twice`);
  seen.add(t.name);
  return t as Record<string, unknown> & { name: string };
}

/**
 * Splits an infer body by its Inference-Header-Content-Length header (`header`: its value, null
 * when absent: the whole body is JSON) and places each binary input's bytes in it; `output` is the
 * name of the output served (for its `binary_data` flag), `example` a body to show when the JSON is bad.
 */
export function parseV2Request(body: Uint8Array, header: string | null, output: string, example: string): V2Request {
  let jsonEnd = body.length;
  if (header !== null) {
    if (!/^\d+$/.test(header))
      throw bad(
        `the Inference-Header-Content-Length header must be a non-negative integer (the length of the body's JSON part), got ${JSON.stringify(header)}`,
      );
    jsonEnd = Number(header);
    if (jsonEnd > body.length)
      throw bad(
        `the Inference-Header-Content-Length header says the JSON part is ${jsonEnd} bytes, but the body has ${body.length}`,
      );
  }
  const json = parseJson(decoder.decode(body.subarray(0, jsonEnd)), example);
  const { id, inputs } = v2Envelope(json);
  const sizes = inputs.map((t, k) => binaryDataSize(t, k, header !== null));
  const total = sizes.reduce((a: number, n) => a + (n ?? 0), 0);
  if (header !== null && total !== body.length - jsonEnd)
    throw bad(
      `the inputs' binary_data_size add up to ${total} bytes, but ${body.length - jsonEnd} bytes follow the ${jsonEnd}-byte JSON part`,
    );
  let at = jsonEnd;
  const binary = sizes.map((size) => (size === null ? null : { start: (at += size) - size, size }));
  return { id, inputs, body, view: viewOf(body), binary, binaryOutput: binaryOutputAsked(json, output) };
}

/** Input k's `parameters.binary_data_size` (null: it sends `data`), checked. */
function binaryDataSize(t: unknown, k: number, hasHeader: boolean): number | null {
  if (!isObject(t) || !isObject(t.parameters) || !('binary_data_size' in t.parameters)) return null;
  const where = inputName(t, k);
  const size = t.parameters.binary_data_size;
  if (!Number.isSafeInteger(size) || (size as number) < 0)
    throw bad(
      `${where}: parameters.binary_data_size must be a non-negative integer (the tensor's bytes), got ${JSON.stringify(size)}`,
    );
  if (!hasHeader)
    throw bad(
      `${where}: parameters.binary_data_size needs the Inference-Header-Content-Length header (the length of the body's JSON part)`,
    );
  if ('data' in t) throw bad(`${where} has both data and parameters.binary_data_size: send its values in one of them`);
  return size as number;
}

/** A boolean parameter (undefined when absent), or a 400 naming it. */
function flag(params: unknown, key: string, where: string): boolean | undefined {
  const v = isObject(params) ? params[key] : undefined;
  if (v !== undefined && typeof v !== 'boolean') throw bad(`${where}.${key} must be true or false, got ${typeName(v)}`);
  return v;
}

/** The request's `binary_data_output`, overridden by the `binary_data` of output `name` in its `outputs` list. */
function binaryOutputAsked(json: Record<string, unknown>, name: string): boolean {
  const all = flag(json.parameters, 'binary_data_output', 'parameters') ?? false;
  if (json.outputs === undefined) return all;
  if (!Array.isArray(json.outputs))
    throw bad(`'outputs' must be an array of requested outputs, got ${typeName(json.outputs)}`);
  const k = json.outputs.findIndex((o) => isObject(o) && o.name === name);
  const mine = k < 0 ? undefined : (json.outputs[k] as Record<string, unknown>);
  return flag(mine?.parameters, 'binary_data', `outputs[${k}].parameters`) ?? all;
}

/** Element bounds of the last BYTES tensor checked (reused, so a request allocates none per tensor). */
let bounds = new Uint32Array(1024);

/**
 * Checks a binary tensor of `count` elements against its bytes (`span` of the body): a fixed-size
 * datatype needs exactly count x its size; BYTES elements must each fit and fill the tensor.
 * Returns, for BYTES, where each element's bytes start and end in the body (two entries per
 * element; valid until the next call), else null.
 */
export function checkBinaryTensor(
  where: string,
  datatype: string,
  count: number,
  { view }: BodyBytes,
  { start, size: len }: BinarySpan,
): Uint32Array | null {
  if (datatype !== 'BYTES') {
    const need = count * ELEMENT_BYTES[datatype];
    if (len !== need)
      throw bad(
        `${where}: ${count} ${datatype} elements take ${need} bytes (${ELEMENT_BYTES[datatype]} each), but binary_data_size is ${len}`,
      );
    return null;
  }
  if (bounds.length < 2 * count) bounds = new Uint32Array(4 * count);
  let at = 0;
  for (let k = 0; k < count; k++) {
    if (at + 4 > len)
      throw bad(
        `${where}: BYTES element ${k} of ${count} starts at byte ${at}, with no room for its 4-byte length (binary_data_size is ${len})`,
      );
    const n = view.getUint32(start + at, true);
    if (at + 4 + n > len)
      throw bad(
        `${where}: BYTES element ${k} of ${count} is ${n} bytes long, running past the tensor's end (binary_data_size is ${len})`,
      );
    bounds[2 * k] = start + at + 4;
    bounds[2 * k + 1] = start + (at = at + 4 + n);
  }
  if (at !== len) throw bad(`${where}: its ${count} BYTES elements end at byte ${at}, but binary_data_size is ${len}`);
  return bounds;
}

/** A little-endian view of bytes. */
export const viewOf = (bytes: Uint8Array): DataView => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * Element k of an INT32, INT64, FP32 or FP64 tensor whose bytes start at `start` of `view`, as a
 * number; an INT64 beyond 2^53 is the nearest double unless `exact`, which gives it as a bigint.
 */
export function numberAt(view: DataView, datatype: string, start: number, k: number, exact = false): number | bigint {
  if (datatype === 'FP32') return view.getFloat32(start + 4 * k, true);
  if (datatype === 'FP64') return view.getFloat64(start + 8 * k, true);
  if (datatype === 'INT32') return view.getInt32(start + 4 * k, true);
  const at = start + 8 * k;
  const hi = view.getInt32(at + 4, true);
  if (exact && (hi >= 1 << 21 || hi < -(1 << 21))) return view.getBigInt64(at, true);
  return hi * 4294967296 + view.getUint32(at, true);
}

/** The answer's float32 values as binary data (little-endian). */
export function float32Bytes(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = viewOf(out);
  for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i], true);
  return out;
}
