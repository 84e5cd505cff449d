/**
 * Request bodies for an imported ONNX graph (`serve --onnx`): tensors named by the graph's inputs,
 * checked against the inputs' element kinds and shapes and packed into the batcher's blocks
 * (graph_layout.ts). The forms:
 * - Open Inference Protocol (POST /v2/models/NAME/infer): `"inputs": [{"name", "shape",
 *   "datatype", "data"}]`, one tensor per graph input; datatype INT64 or INT32 for an integer input,
 *   FP32 or FP64 for a float one; shape [B] or [B, n, ...] as the input declares, `data` flat or
 *   nested in row-major order;
 * - TensorFlow Serving (POST /predict, /v1/models/NAME:predict): columnar `{"inputs": {name:
 *   [one value per row]}}`, or rows `{"instances": [{name: value}, ...]}` (a bare value per row when
 *   the graph has one input); a row's value is a number for an input of shape [B], an array of n
 *   for [B, n].
 * A v2 tensor may instead carry binary data (v2_binary.ts) in the input's own datatype.
 * Integer inputs need integers (within int32); float inputs finite numbers. Every violation
 * (unknown or missing input, wrong datatype, shape, width or row count, empty batch) is a
 * RequestError (400) naming the tensor and what was expected.
 */
import type { EncodedRequest } from './request.js';
import { bad, isObject, parseJson, typeName } from './request.js';
import { type GraphInput, type GraphLayout, v2Datatype } from './graph_layout.js';
import { checkBinaryTensor, namedInput, numberAt, parseV2Request } from './v2_binary.js';

export interface GraphLimits {
  layout: GraphLayout;
  maxRows: number;
}

const INT32_MAX = 2 ** 31 - 1;
const ACCEPTS: Record<GraphInput['kind'], string[]> = { int: ['INT64', 'INT32'], float: ['FP32', 'FP64'] };

/** "INT64 [B, 3]": what an input takes. */
const wants = (inp: GraphInput): string => `${v2Datatype(inp.elemType)} [${['B', ...inp.dims].join(', ')}]`;

function rowCount(n: number, lim: GraphLimits): number {
  if (n === 0) throw bad('the batch is empty: send at least one row');
  if (n > lim.maxRows) throw bad(`too many rows: ${n} (at most ${lim.maxRows} per request)`);
  return n;
}

/** Checks the names given against the graph's inputs: none unknown, none missing. */
function checkNames(names: readonly string[], where: string, layout: GraphLayout): void {
  const inputs = new Set(layout.inputs.map((i) => i.name));
  const all = layout.inputs.map((i) => `${i.name} (${wants(i)})`).join(', ');
  const unknown = names.filter((n) => !inputs.has(n));
  if (unknown.length) throw bad(`${where} names ${unknown.join(', ')}, not an input of the graph (its inputs: ${all})`);
  const missing = layout.inputs.filter((i) => !names.includes(i.name));
  if (missing.length)
    throw bad(`${where} lacks graph input(s) ${missing.map((i) => `${i.name} (${wants(i)})`).join(', ')}`);
}

/**
 * Writes one input's column (`count` = rows x width values, row major; `valueAt(k)` gives value k)
 * into the packed blocks; `at(k)` places value k in errors.
 */
function pack(
  out: EncodedRequest,
  layout: GraphLayout,
  inp: GraphInput,
  count: number,
  valueAt: (k: number) => unknown,
  at: (k: number) => string,
): void {
  const int = inp.kind === 'int';
  const block = int ? out.ids : out.dense,
    stride = int ? layout.numInt : layout.numFloat;
  for (let k = 0; k < count; k++) {
    const v = valueAt(k);
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw bad(
        `${at(k)}: expected ${int ? 'an integer' : 'a finite number'}, got ${typeof v === 'number' ? v : typeName(v)}`,
      );
    if (int && (!Number.isInteger(v) || Math.abs(v) > INT32_MAX))
      throw bad(
        `${at(k)}: ${v} is not an integer id (input '${inp.name}' is ${wants(inp)}${Number.isInteger(v) ? '; slimctr serve takes ids within int32' : ''})`,
      );
    const r = Math.floor(k / inp.width);
    block[r * stride + inp.offset + (k % inp.width)] = v;
  }
}

const blocks = (layout: GraphLayout, rows: number): EncodedRequest => ({
  rows,
  ids: new Int32Array(rows * layout.numInt),
  dense: new Float32Array(rows * layout.numFloat),
});

/** A row's value for `inp` as its flat values (a number for [B], an array of width values otherwise). */
function rowValues(v: unknown, inp: GraphInput, where: string): unknown[] {
  if (inp.dims.length === 0) {
    if (Array.isArray(v))
      throw bad(`${where}: input '${inp.name}' is ${wants(inp)}, so a row holds one number, got an array`);
    return [v];
  }
  if (!Array.isArray(v))
    throw bad(
      `${where}: input '${inp.name}' is ${wants(inp)}, so a row holds an array of ${inp.width}, got ${typeName(v)}`,
    );
  const flat = v.flat(inp.dims.length);
  if (flat.length !== inp.width)
    throw bad(`${where}: ${flat.length} values; input '${inp.name}' is ${wants(inp)}, so a row holds ${inp.width}`);
  return flat;
}

/** TensorFlow Serving's columnar and row forms (POST /predict, /v1/models/NAME:predict). */
export function encodeGraphPredictBody(text: string, lim: GraphLimits): EncodedRequest {
  return encodeGraphPredict(parseJson(text, '{"inputs": {"INPUT": [...]}} or {"instances": [...]}'), lim);
}

/** The same forms as an object already parsed (`{inputs: {...}}` or `{instances: [...]}`). */
export function encodeGraphPredict(body: Record<string, unknown>, lim: GraphLimits): EncodedRequest {
  const { layout } = lim;
  const forms = ['instances', 'inputs'].filter((k) => k in body);
  if (forms.length !== 1)
    throw bad(
      forms.length
        ? `the body has both 'instances' and 'inputs'; send one form`
        : `missing field 'inputs' or 'instances' (expected {"inputs": {"INPUT": [one value per row]}} or {"instances": [{"INPUT": value}, ...]}; the graph's inputs: ${layout.inputs
            .map(wants)
            .map((w, i) => `${layout.inputs[i].name} ${w}`)
            .join(', ')})`,
    );
  if (forms[0] === 'inputs') {
    const cols = body.inputs;
    if (!isObject(cols))
      throw bad(`'inputs' must be an object of columns like {"INPUT": [...]}, got ${typeName(cols)}`);
    checkNames(Object.keys(cols), "'inputs'", layout);
    let n = -1,
      first = '';
    for (const inp of layout.inputs) {
      const c = cols[inp.name];
      if (!Array.isArray(c))
        throw bad(`inputs.${inp.name} must be an array with one value per row, got ${typeName(c)}`);
      if (n >= 0 && c.length !== n) throw bad(`inputs.${inp.name} has ${c.length} rows but inputs.${first} has ${n}`);
      if (n < 0) [n, first] = [c.length, inp.name];
    }
    const out = blocks(layout, rowCount(n, lim));
    for (const inp of layout.inputs) {
      const c = cols[inp.name] as unknown[];
      const flat = c.flatMap((v, r) => rowValues(v, inp, `inputs.${inp.name}[${r}]`));
      pack(
        out,
        layout,
        inp,
        flat.length,
        (k) => flat[k],
        (k) => `inputs.${inp.name}[${Math.floor(k / inp.width)}]${inp.dims.length ? `[${k % inp.width}]` : ''}`,
      );
    }
    return out;
  }
  const rows = body.instances;
  if (!Array.isArray(rows)) throw bad(`'instances' must be an array of rows, got ${typeName(rows)}`);
  const out = blocks(layout, rowCount(rows.length, lim));
  const single = layout.inputs.length === 1;
  const flats = layout.inputs.map(() => [] as unknown[]);
  rows.forEach((row: unknown, r) => {
    if (single && !isObject(row)) {
      flats[0].push(...rowValues(row, layout.inputs[0], `instances[${r}]`));
      return;
    }
    if (!isObject(row)) throw bad(`instances[${r}] must be an object (input name -> value), got ${typeName(row)}`);
    checkNames(Object.keys(row), `instances[${r}]`, layout);
    layout.inputs.forEach((inp, i) => flats[i].push(...rowValues(row[inp.name], inp, `instances[${r}].${inp.name}`)));
  });
  layout.inputs.forEach((inp, i) =>
    pack(
      out,
      layout,
      inp,
      flats[i].length,
      (k) => flats[i][k],
      (k) => `instances[${Math.floor(k / inp.width)}].${inp.name}${inp.dims.length ? `[${k % inp.width}]` : ''}`,
    ),
  );
  return out;
}

/**
 * The Open Inference Protocol's infer body (POST /v2/models/NAME/infer) for a graph (`header`: its
 * Inference-Header-Content-Length, null when absent). A binary tensor (v2_binary.ts) must have the
 * input's own datatype; its values are read from the bytes into the blocks.
 */
export function encodeGraphV2Body(
  body: Uint8Array,
  header: string | null,
  lim: GraphLimits,
): EncodedRequest & { id: string | null; binaryOutput: boolean } {
  const { layout } = lim;
  const req = parseV2Request(
    body,
    header,
    layout.output.name,
    '{"inputs": [{"name": "INPUT", "shape": [2], "datatype": "INT64", "data": [1, 2]}]}',
  );
  const seen = new Set<string>();
  const given = new Map(req.inputs.map((t, k) => [namedInput(t, k, 'a graph input', seen).name, k]));
  checkNames([...given.keys()], "'inputs'", layout);
  let n = -1,
    first = '';
  const checked = layout.inputs.map((inp) => {
    const k = given.get(inp.name)!;
    const t = req.inputs[k] as Record<string, unknown>;
    const shape = t.shape as number[],
      data = t.data as unknown[];
    const where = `inputs[${k}] (${inp.name})`;
    const span = req.binary[k];
    const exact = v2Datatype(inp.elemType);
    if (span && t.datatype !== exact)
      throw bad(
        `${where}: binary data must have the graph input's own datatype ${exact} (the graph input is ${wants(inp)}), got ${JSON.stringify(t.datatype)}`,
      );
    if (!ACCEPTS[inp.kind].includes(t.datatype as string))
      throw bad(
        `${where}: datatype must be ${ACCEPTS[inp.kind].join(' or ')} (the graph input is ${wants(inp)}), got ${JSON.stringify(t.datatype)}`,
      );
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0))
      throw bad(
        `${where}: shape must be an array of sizes like [${['2', ...inp.dims].join(', ')}], got ${JSON.stringify(shape)}`,
      );
    if (shape.length !== inp.dims.length + 1 || inp.dims.some((d, i) => shape[i + 1] !== d))
      throw bad(`${where}: shape ${JSON.stringify(shape)} does not fit the graph input, which is ${wants(inp)}`);
    const size = shape[0] * inp.width;
    let valueAt: (k: number) => unknown;
    if (span) {
      checkBinaryTensor(where, exact, size, req, span);
      valueAt = (j) => numberAt(req.view, exact, span.start, j);
    } else {
      if (!Array.isArray(data)) throw bad(`${where}: data must be an array, got ${typeName(data)}`);
      const flat = data.flat(inp.dims.length + 1);
      if (flat.length !== size)
        throw bad(`${where}: shape ${JSON.stringify(shape)} needs ${size} values, data has ${flat.length}`);
      valueAt = (j) => flat[j];
    }
    if (n >= 0 && shape[0] !== n)
      throw bad(`${where} has ${shape[0]} rows but input '${first}' has ${n}: every input needs the same rows`);
    if (n < 0) [n, first] = [shape[0], inp.name];
    return { inp, size, valueAt, where, binary: !!span };
  });
  const out = blocks(layout, rowCount(n, lim));
  for (const { inp, size, valueAt, where, binary } of checked)
    pack(out, layout, inp, size, valueAt, (k) => `${where}: ${binary ? 'element' : 'data'}[${k}]`);
  return { ...out, id: req.id, binaryOutput: req.binaryOutput };
}
