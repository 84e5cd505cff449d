/**
 * The Open Inference Protocol (KServe v2, Triton) infer body of POST /v2/models/NAME/infer for a
 * slimctr model file: `"inputs": [{"name", "shape", "datatype", "data"}]`, one tensor per raw
 * column, shape [n] or [n, 1], encoded with the model's saved encoders by the rules of request.ts.
 * A tensor may instead carry its values as binary data (v2_binary.ts), encoded straight from the
 * bytes with the same rules (no string or array made per value):
 * - a categorical column takes BYTES (the value's text; an empty element is missing) or INT32 /
 *   INT64 (a number standing for its decimal text, as in JSON);
 * - a numeric column (criteo_bucket ones too) takes FP32, FP64, INT32, INT64, or BYTES holding
 *   number text (empty: missing); NaN, infinities and values past float32 are refused as in JSON.
 */
import type { Encoders } from '../data/index.js';
import { DataError } from '../util/errors.js';
import {
  allocate,
  bad,
  type EncodedRequest,
  encodeColumns,
  type RequestLimits,
  typeName,
  unknownKeys,
} from './request.js';
import { V2_OUTPUT } from './v2.js';
import {
  type BinarySpan,
  type BodyBytes,
  checkBinaryTensor,
  ELEMENT_BYTES,
  inputName,
  namedInput,
  numberAt,
  parseV2Request,
} from './v2_binary.js';

/** The protocol's datatypes, as errors list them. */
const V2_TYPES = new Set([...Object.keys(ELEMENT_BYTES), 'BYTES']);

const EXAMPLE = '{"inputs": [{"name": "C1", "shape": [2], "datatype": "BYTES", "data": ["a", "b"]}]}';

/** An input tensor sent as binary data. */
interface BinaryInput {
  where: string;
  name: string;
  datatype: string;
  span: BinarySpan;
}

/** An encoded infer body, the request id to echo, and whether the answer goes back as binary data. */
export type EncodedV2Request = EncodedRequest & { id: string | null; binaryOutput: boolean };

/** An infer body (`header`: its Inference-Header-Content-Length, null when absent): its encoded rows. */
export function encodeV2Body(body: Uint8Array, header: string | null, lim: RequestLimits): EncodedV2Request {
  const req = parseV2Request(body, header, V2_OUTPUT, EXAMPLE);
  const columns = new Map<string, unknown[]>();
  const binary: BinaryInput[] = [];
  const names = new Set<string>();
  let n = -1,
    first = '';
  req.inputs.forEach((input: unknown, k) => {
    const t = namedInput(input, k, 'a column name', names);
    const { name } = t;
    const where = `inputs[${k}]`;
    if (typeof t.datatype !== 'string' || !V2_TYPES.has(t.datatype))
      throw bad(
        `${where} (${name}): datatype must be one of ${[...V2_TYPES].join(', ')}, got ${JSON.stringify(t.datatype)}`,
      );
    const shape = t.shape;
    if (
      !Array.isArray(shape) ||
      !shape.every((d) => Number.isInteger(d) && d >= 0) ||
      shape.length < 1 ||
      shape.length > 2 ||
      (shape.length === 2 && shape[1] !== 1)
    ) {
      throw bad(`${where} (${name}): shape must be [rows] or [rows, 1], got ${JSON.stringify(shape)}`);
    }
    const span = req.binary[k];
    if (span) binary.push({ where: inputName(t, k), name, datatype: t.datatype, span });
    else {
      if (!Array.isArray(t.data)) throw bad(`${where} (${name}): data must be an array, got ${typeName(t.data)}`);
      const data = (t.data as unknown[]).flat(1);
      if (data.length !== shape[0])
        throw bad(
          `${where} (${name}): shape ${JSON.stringify(shape)} needs ${shape[0]} values, data has ${data.length}`,
        );
      columns.set(name, data);
    }
    if (n >= 0 && shape[0] !== n)
      throw bad(
        `${where} (${name}) has ${shape[0]} rows but input '${first}' has ${n}: every input needs one value per row`,
      );
    if (n < 0) {
      n = shape[0];
      first = name;
    }
  });
  unknownKeys([...names], "'inputs'", lim);
  const out = columns.size > 0 || binary.length === 0 ? encodeColumns(columns, n, lim) : blankRows(n, lim, names);
  const { index } = layoutOf(lim.encoders);
  for (const t of binary) {
    const c = index.get(t.name);
    if (c !== undefined) writeBinaryColumn(lim.encoders, c, t, req, out);
  }
  return { ...out, id: req.id, binaryOutput: req.binaryOutput };
}

/** Per encoders, computed once: each input column's index (categorical fields, then numeric) and a row of missing values. */
const layouts = new WeakMap<
  Encoders,
  { index: Map<string, number>; blank: { ids: Int32Array; dense: Float32Array } }
>();
function layoutOf(enc: Encoders) {
  let l = layouts.get(enc);
  if (!l) layouts.set(enc, (l = { index: new Map(enc.inputColumns.map((c, i) => [c, i])), blank: enc.encodeRow({}) }));
  return l;
}

/** `n` rows whose columns not `given` hold the missing value (as encodeColumns writes an absent column). */
function blankRows(n: number, lim: RequestLimits, given: ReadonlySet<string>): EncodedRequest {
  const out = allocate(n, lim);
  const enc = lim.encoders;
  const { blank, index } = layoutOf(enc);
  index.forEach((c, name) => {
    if (given.has(name)) return;
    const [block, stride, slot, value] =
      c < enc.numCategorical
        ? [out.ids, enc.numCategorical, c, blank.ids[c]]
        : [out.dense, enc.numDense, c - enc.numCategorical, blank.dense[c - enc.numCategorical]];
    for (let r = 0; r < n; r++) block[r * stride + slot] = value;
  });
  return out;
}

const TEXT_OR_INTEGER = ['BYTES', 'INT32', 'INT64'];
const TEXT_OR_NUMBER = ['FP32', 'FP64', 'INT32', 'INT64', 'BYTES'];

/** Encodes the binary tensor of input column c (categorical fields first, then numeric) into its slot of every row. */
function writeBinaryColumn(enc: Encoders, c: number, t: BinaryInput, req: BodyBytes, out: EncodedRequest): void {
  const nc = enc.numCategorical;
  const cat = c < nc;
  const text = cat && enc.categorical[c].encoder !== 'criteo_bucket';
  const accepts = text ? TEXT_OR_INTEGER : TEXT_OR_NUMBER;
  if (!accepts.includes(t.datatype))
    throw bad(
      `${t.where}: column ${t.name} is ${text ? 'categorical: its binary data must be BYTES (the values) or INT32 / INT64 (numbers standing for their decimal text)' : 'numeric: its binary data must be FP32, FP64, INT32, INT64 or BYTES (number text)'}, got ${t.datatype}`,
    );
  const rows = out.rows;
  const bounds = checkBinaryTensor(t.where, t.datatype, rows, req, t.span);
  const { datatype } = t;
  const { body, view } = req;
  const start = t.span.start;
  const block = cat ? out.ids : out.dense;
  const stride = cat ? nc : enc.numDense;
  const slot = cat ? c : c - nc;
  let r = 0;
  try {
    for (; r < rows; r++) {
      const s = bounds ? bounds[2 * r] : 0,
        e = bounds ? bounds[2 * r + 1] : 0;
      block[r * stride + slot] = cat
        ? bounds
          ? enc.idOfText(c, body, s, e, t.where)
          : enc.idOfNumber(c, numberAt(view, datatype, start, r, true), t.where)
        : bounds
          ? enc.denseOfText(slot, body, s, e, t.where)
          : enc.denseOf(slot, numberAt(view, datatype, start, r) as number, t.where);
    }
  } catch (err) {
    if (err instanceof DataError) throw bad(`${t.where}: element ${r}: ${err.detail}`);
    throw err;
  }
}
