/**
 * The Open Inference Protocol's binary tensor data extension, in-process on 127.0.0.1 port 0: the
 * same rows through JSON rows, JSON v2 and binary v2 (every accepted datatype, binary and JSON
 * inputs mixed) give the same probabilities, for a slimctr model and for imported ONNX graphs;
 * binary outputs parse back to the same float32 values; GET /v2 lists the extension; every bad
 * binary request is a 400 naming the tensor and the problem.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PredictionServer } from '../../src/serve/http.js';
import { binaryInferBody, type InferInput, readBinaryAnswer, tensorBytes } from './v2_client.js';
import { call, csvRows, serverStarter, toyRun, type ToyRun } from './fixture.js';
import { graphCase, v2Body } from './graph_fixture.js';

let run: ToyRun;
let rows: Record<string, string>[];

before(async () => {
  run = await toyRun('v2-binary');
  rows = csvRows(run.file).map(({ label: _label, ...r }) => r);
});
const start = serverStarter(1);

interface Answer {
  status: number;
  headers: Headers;
  /** The JSON answer (or the JSON part of a binary one). */
  json: any;
  /** A binary answer's output values. */
  values: Float32Array | null;
}

/** POSTs raw bytes with the Inference-Header-Content-Length header (none when null). */
async function post(
  s: PredictionServer,
  path: string,
  body: Uint8Array,
  header: string | number | null,
): Promise<Answer> {
  const r = await fetch(`${s.url}${path}`, {
    method: 'POST',
    body: Buffer.from(body),
    headers: header === null ? {} : { 'inference-header-content-length': String(header) },
  });
  const bytes = new Uint8Array(await r.arrayBuffer());
  const split = r.headers.get('inference-header-content-length');
  if (split === null)
    return { status: r.status, headers: r.headers, json: JSON.parse(new TextDecoder().decode(bytes)), values: null };
  const { json, values } = readBinaryAnswer(bytes, Number(split));
  return { status: r.status, headers: r.headers, json, values };
}

const infer = (
  s: PredictionServer,
  inputs: InferInput[],
  extra: Record<string, unknown> = {},
  path = '/v2/models/deepfm/infer',
) => {
  const { body, header } = binaryInferBody(inputs, extra);
  return post(s, path, body, header);
};

/** A column of the toy rows as a binary input of `datatype` (numbers for the number types). */
function column(some: Record<string, string>[], name: string, datatype: string): InferInput {
  const values = some.map((r) => (datatype === 'BYTES' ? r[name] : Number(r[name])));
  return { name, shape: [some.length, 1], datatype, bytes: tensorBytes(datatype, values) };
}

const jsonColumn = (some: Record<string, string>[], name: string): InferInput => ({
  name,
  shape: [some.length],
  datatype: 'BYTES',
  data: some.map((r) => r[name]),
});

test('JSON rows, JSON v2 and binary v2 (each accepted datatype, and mixed with JSON inputs) give the same probabilities', async () => {
  const s = await start(run.modelPath);
  // I2 (log1p) is missing in some rows: numeric columns with a gap go as BYTES (an empty element is missing).
  const some = rows.slice(0, 40).filter((r) => r.I2 !== '');
  const gappy = rows.slice(0, 40);
  assert.ok(gappy.length > some.length, 'the toy rows have missing I2 values');
  const want = (await call(s, '/predict', { rows: some })).json.predictions;
  const wantGappy = (await call(s, '/predict', { rows: gappy })).json.predictions;
  const cats = ['C1', 'C2', 'C3', 'C4'];
  const json = await call(s, '/v2/models/deepfm/infer', {
    inputs: [...cats, 'I1', 'I2'].map((c) => jsonColumn(gappy, c)),
  });
  assert.deepEqual(json.json.outputs[0].data, wantGappy, 'JSON v2 = JSON rows');
  /** The C columns as BYTES, I1 and I2 in the datatypes given. */
  const typed = (of: Record<string, string>[], i1: string, i2: string): InferInput[] => [
    ...cats.map((c) => column(of, c, 'BYTES')),
    column(of, 'I1', i1),
    column(of, 'I2', i2),
  ];
  const forms: [string, InferInput[], number[]][] = [
    ['BYTES everywhere', [...cats, 'I1', 'I2'].map((c) => column(gappy, c, 'BYTES')), wantGappy],
    ['I1 INT32, I2 BYTES', typed(gappy, 'INT32', 'BYTES'), wantGappy],
    ['I1 INT64, I2 FP32', typed(some, 'INT64', 'FP32'), want],
    ['I1 FP64, I2 INT64', typed(some, 'FP64', 'INT64'), want],
    ['I1 FP32, I2 FP64', typed(some, 'FP32', 'FP64'), want],
    [
      'C1 and I2 as JSON data, the rest binary',
      [
        jsonColumn(gappy, 'C1'),
        ...cats.slice(1).map((c) => column(gappy, c, 'BYTES')),
        column(gappy, 'I1', 'INT32'),
        jsonColumn(gappy, 'I2'),
      ],
      wantGappy,
    ],
    [
      'C4 absent (missing), the rest binary',
      [
        ...cats.slice(0, 3).map((c) => column(some, c, 'BYTES')),
        column(some, 'I1', 'INT32'),
        column(some, 'I2', 'FP32'),
      ],
      await call(s, '/predict', { rows: some.map(({ C4: _c4, ...r }) => r) }).then((r) => r.json.predictions),
    ],
  ];
  for (const [form, inputs, expected] of forms) {
    const r = await infer(s, inputs, { id: 'b-1' });
    assert.equal(r.status, 200, `${form}: ${JSON.stringify(r.json)}`);
    assert.equal(r.json.id, 'b-1');
    assert.equal(r.values, null, 'JSON output unless asked');
    assert.deepEqual(r.json.outputs[0].data, expected, form);
  }
});

test('binary output: binary_data_output, or the output\u2019s binary_data (which overrides it), answers float32 bytes after the JSON', async () => {
  const s = await start(run.modelPath);
  const some = rows.slice(100, 117);
  const inputs = ['C1', 'C2', 'C3', 'C4', 'I1', 'I2'].map((c) => column(some, c, 'BYTES'));
  const want = (await call(s, '/predict', { rows: some })).json.predictions.map(Math.fround);
  const asked: [string, Record<string, unknown>, boolean][] = [
    ['binary_data_output', { parameters: { binary_data_output: true } }, true],
    ['binary_data on the output', { outputs: [{ name: 'probability', parameters: { binary_data: true } }] }, true],
    [
      'binary_data false overrides binary_data_output',
      {
        parameters: { binary_data_output: true },
        outputs: [{ name: 'probability', parameters: { binary_data: false } }],
      },
      false,
    ],
  ];
  for (const [what, extra, binary] of asked) {
    const r = await infer(s, inputs, extra);
    assert.equal(r.status, 200, `${what}: ${JSON.stringify(r.json)}`);
    const out = r.json.outputs[0];
    assert.deepEqual([out.name, out.datatype, out.shape], ['probability', 'FP32', [some.length, 1]]);
    if (!binary) {
      assert.equal(r.headers.get('content-type'), 'application/json', what);
      assert.deepEqual(out.data.map(Math.fround), want, what);
      continue;
    }
    assert.equal(r.headers.get('content-type'), 'application/octet-stream', what);
    assert.equal(out.data, undefined, `${what}: no data in the JSON`);
    assert.equal(out.parameters.binary_data_size, some.length * 4);
    assert.deepEqual(Array.from(r.values!), want, what);
  }
  // A JSON-only body may ask for a binary answer too.
  const jsonBody = new TextEncoder().encode(
    JSON.stringify({
      inputs: inputs.map((t) => ({ ...jsonColumn(some, t.name) })),
      parameters: { binary_data_output: true },
    }),
  );
  const r = await post(s, '/v2/models/deepfm/infer', jsonBody, null);
  assert.deepEqual(Array.from(r.values!), want);
});

test('GET /v2 lists the binary_tensor_data extension', async () => {
  const s = await start(run.modelPath);
  const r = await call(s, '/v2');
  assert.deepEqual(r.json.extensions, ['binary_tensor_data']);
});

test('imported ONNX graphs: binary inputs in each input\u2019s datatype give the JSON answer, and binary outputs its float32 values', async () => {
  for (const name of ['deepfm_fields_op17', 'dcn_matrix_op13', 'deepfm_flat_op17']) {
    const c = graphCase(name);
    const s = await start(c.path, { graph: true });
    const json = await call(s, `/v2/models/${name}/infer`, v2Body(c));
    assert.equal(json.status, 200, JSON.stringify(json.json));
    const inputs: InferInput[] = c.inputs.map(({ name: n, datatype, array }) => ({
      name: n,
      shape: array.shape,
      datatype,
      bytes: tensorBytes(datatype, Array.from(array.data as ArrayLike<number>)),
    }));
    const bin = await infer(s, inputs, {}, `/v2/models/${name}/infer`);
    assert.equal(bin.status, 200, `${name}: ${JSON.stringify(bin.json)}`);
    assert.deepEqual(bin.json.outputs[0].data, json.json.outputs[0].data, name);
    const out = await infer(s, inputs, { parameters: { binary_data_output: true } }, `/v2/models/${name}/infer`);
    assert.equal(out.json.outputs[0].name, 'prob');
    assert.deepEqual(Array.from(out.values!), json.json.outputs[0].data.map(Math.fround), name);
  }
});

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const cat = (bytes: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of bytes) {
    out.set(b, at);
    at += b.length;
  }
  return out;
};
/** A request body and its Inference-Header-Content-Length (null: none). */
type Body = { body: Uint8Array; header: string | number | null };
/** A body of JSON `head` then `tail` bytes, and the header value naming the JSON's length. */
const raw = (head: unknown, tail: Uint8Array = new Uint8Array(0)): Body => {
  const j = enc(JSON.stringify(head));
  return { body: cat([j, tail]), header: j.length };
};
const bin = (name: string, datatype: string, shape: number[], size: number, more: Record<string, unknown> = {}) => ({
  name,
  datatype,
  shape,
  parameters: { binary_data_size: size },
  ...more,
});
/** One BYTES element claiming `n` bytes. */
const lengthOnly = (n: number): Uint8Array => tensorBytes('INT32', [n]);

test('every bad binary request is a 400 naming the tensor (or header) and what is wrong', async () => {
  const s = await start(run.modelPath);
  const good = raw({ inputs: [bin('C1', 'BYTES', [1], 5)] }, tensorBytes('BYTES', ['a']));
  const jsonOnly = good.body.subarray(0, Number(good.header));
  const cases: [string, Body, RegExp][] = [
    [
      'header not a number',
      { ...good, header: 'abc' },
      /the Inference-Header-Content-Length header must be a non-negative integer \(the length of the body's JSON part\), got "abc"/,
    ],
    [
      'negative header',
      { ...good, header: '-1' },
      /Inference-Header-Content-Length header must be a non-negative integer.*got "-1"/,
    ],
    [
      'header past the body',
      { ...good, header: 9999 },
      /the Inference-Header-Content-Length header says the JSON part is 9999 bytes, but the body has \d+/,
    ],
    ['header cutting the JSON', { ...good, header: 10 }, /the body is not valid JSON/],
    [
      'negative binary_data_size',
      raw({ inputs: [bin('C1', 'BYTES', [1], -3)] }),
      /inputs\[0\] \(C1\): parameters\.binary_data_size must be a non-negative integer \(the tensor's bytes\), got -3/,
    ],
    [
      'fractional binary_data_size',
      raw({ inputs: [bin('C1', 'BYTES', [1], 1.5)] }),
      /inputs\[0\] \(C1\): parameters\.binary_data_size must be a non-negative integer.*got 1\.5/,
    ],
    [
      'sizes short of the bytes',
      { ...good, body: cat([good.body, new Uint8Array(3)]) },
      /the inputs' binary_data_size add up to 5 bytes, but 8 bytes follow the \d+-byte JSON part/,
    ],
    [
      'sizes past the bytes',
      { ...good, body: good.body.subarray(0, good.body.length - 1) },
      /the inputs' binary_data_size add up to 5 bytes, but 4 bytes follow/,
    ],
    [
      'bytes but no binary input',
      raw({ inputs: [] }, new Uint8Array(2)),
      /binary_data_size add up to 0 bytes, but 2 bytes follow/,
    ],
    [
      'size not shape x element size',
      raw({ inputs: [bin('I1', 'INT32', [2, 1], 4)] }, new Uint8Array(4)),
      /inputs\[0\] \(I1\): 2 INT32 elements take 8 bytes \(4 each\), but binary_data_size is 4/,
    ],
    [
      'BYTES element past its tensor',
      raw({ inputs: [bin('C1', 'BYTES', [1], 7)] }, cat([lengthOnly(100), enc('abc')])),
      /inputs\[0\] \(C1\): BYTES element 0 of 1 is 100 bytes long, running past the tensor's end \(binary_data_size is 7\)/,
    ],
    [
      'BYTES length cut short',
      raw({ inputs: [bin('C1', 'BYTES', [2], 7)] }, cat([tensorBytes('BYTES', ['a']), enc('xy')])),
      /inputs\[0\] \(C1\): BYTES element 1 of 2 starts at byte 5, with no room for its 4-byte length/,
    ],
    [
      'BYTES with bytes left over',
      raw({ inputs: [bin('C1', 'BYTES', [1], 7)] }, cat([tensorBytes('BYTES', ['a']), enc('xy')])),
      /inputs\[0\] \(C1\): its 1 BYTES elements end at byte 5, but binary_data_size is 7/,
    ],
    [
      'data and binary_data_size',
      raw({ inputs: [bin('C1', 'BYTES', [1], 5, { data: ['a'] })] }, tensorBytes('BYTES', ['a'])),
      /inputs\[0\] \(C1\) has both data and parameters\.binary_data_size: send its values in one of them/,
    ],
    [
      'binary_data_size without the header',
      { body: jsonOnly, header: null },
      /inputs\[0\] \(C1\): parameters\.binary_data_size needs the Inference-Header-Content-Length header/,
    ],
    [
      'float data for a categorical column',
      raw({ inputs: [bin('C2', 'FP32', [1], 4)] }, new Uint8Array(4)),
      /inputs\[0\] \(C2\): column C2 is categorical: its binary data must be BYTES \(the values\) or INT32 \/ INT64 .*got FP32/,
    ],
    [
      'BOOL for a numeric column',
      raw({ inputs: [bin('I2', 'BOOL', [1], 1)] }, new Uint8Array(1)),
      /inputs\[0\] \(I2\): column I2 is numeric: its binary data must be FP32, FP64, INT32, INT64 or BYTES \(number text\), got BOOL/,
    ],
    [
      'NaN',
      raw({ inputs: [bin('I2', 'FP32', [2], 8)] }, tensorBytes('FP32', [1, Number.NaN])),
      /inputs\[0\] \(I2\): element 1: column I2: expected a number, got NaN/,
    ],
    [
      'infinity in a criteo_bucket column',
      raw({ inputs: [bin('I1', 'FP64', [1], 8)] }, tensorBytes('FP64', [Number.POSITIVE_INFINITY])),
      /inputs\[0\] \(I1\): element 0: column I1: expected a number, got Infinity/,
    ],
    [
      'past float32',
      raw({ inputs: [bin('I2', 'FP64', [1], 8)] }, tensorBytes('FP64', [1e39])),
      /inputs\[0\] \(I2\): element 0: column I2: 1e\+39 is out of the float32 range/,
    ],
    [
      'number text that is not a number',
      raw({ inputs: [bin('I2', 'BYTES', [2], 12)] }, tensorBytes('BYTES', ['4', '1 2'])),
      /inputs\[0\] \(I2\): element 1: column I2: expected a number, got "1 2"/,
    ],
    [
      'binary_data_output not a boolean',
      raw({ inputs: [], parameters: { binary_data_output: 'yes' } }),
      /parameters\.binary_data_output must be true or false, got string/,
    ],
    [
      'binary_data not a boolean',
      raw({ inputs: [], outputs: [{ name: 'probability', parameters: { binary_data: 1 } }] }),
      /outputs\[0\]\.parameters\.binary_data must be true or false, got number/,
    ],
  ];
  for (const [what, { body, header }, message] of cases) {
    const r = await post(s, '/v2/models/deepfm/infer', body, header);
    assert.equal(r.status, 400, `${what}: ${JSON.stringify(r.json)}`);
    assert.match(r.json.error, message, what);
  }
  const ok = await post(s, '/v2/models/deepfm/infer', good.body, good.header);
  assert.equal(ok.status, 200, 'the good body the cases derive from is accepted');
});

test('imported graphs refuse binary data in another datatype than the input\u2019s, of the wrong size, or not finite', async () => {
  const c = graphCase('deepfm_fields_op17');
  const s = await start(c.path, { graph: true });
  const ints = c.inputs.find((i) => i.datatype === 'INT64')!;
  const floats = c.inputs.find((i) => i.datatype === 'FP32')!;
  const rest = (skip: string): InferInput[] =>
    c.inputs
      .filter((i) => i.name !== skip)
      .map(({ name, datatype, array }) => ({
        name,
        shape: array.shape,
        datatype,
        data: Array.from(array.data as ArrayLike<number>),
      }));
  const n = c.rows;
  const cases: [InferInput[], RegExp][] = [
    [
      [
        ...rest(ints.name),
        { name: ints.name, shape: [n], datatype: 'INT32', bytes: tensorBytes('INT32', new Array(n).fill(1)) },
      ],
      new RegExp(`\\(${ints.name}\\): binary data must have the graph input's own datatype INT64 .*got "INT32"`),
    ],
    [
      [
        ...rest(ints.name),
        { name: ints.name, shape: [n], datatype: 'INT64', bytes: tensorBytes('INT64', new Array(n - 1).fill(1)) },
      ],
      new RegExp(
        `\\(${ints.name}\\): ${n} INT64 elements take ${8 * n} bytes \\(8 each\\), but binary_data_size is ${8 * (n - 1)}`,
      ),
    ],
    [
      [
        ...rest(floats.name),
        {
          name: floats.name,
          shape: [n],
          datatype: 'FP32',
          bytes: tensorBytes('FP32', [Number.NaN, ...new Array(n - 1).fill(0)]),
        },
      ],
      new RegExp(`\\(${floats.name}\\): element\\[0\\]: expected a finite number, got NaN`),
    ],
    [
      [
        ...rest(ints.name),
        {
          name: ints.name,
          shape: [n],
          datatype: 'INT64',
          bytes: tensorBytes('INT64', [2n ** 40n, ...new Array(n - 1).fill(0)]),
        },
      ],
      new RegExp(`\\(${ints.name}\\): element\\[0\\]: 1099511627776 is not an integer id .*within int32`),
    ],
  ];
  for (const [inputs, message] of cases) {
    const r = await infer(s, inputs, {}, `/v2/models/${c.name}/infer`);
    assert.equal(r.status, 400, JSON.stringify(r.json));
    assert.match(r.json.error, message);
  }
});
