/**
 * `serve --onnx` refuses every bad request with a 400 naming the problem (unknown or missing input,
 * wrong datatype, shape, width or row count, non-integer ids, empty batch), in each request form,
 * and keeps serving; and the CLI takes exactly one of --model and --onnx.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { getEngine } from '../../src/kernels/engine.js';
import { serveCommand } from '../../src/cli/commands/serve.js';
import { UsageError } from '../../src/util/errors.js';
import { call, serverStarter } from './fixture.js';
import { graphCase } from './graph_fixture.js';

before(async () => {
  await getEngine();
});
const start = serverStarter(1);

const ids = (data: unknown, shape: unknown = [1, 3], datatype = 'INT64') => ({ name: 'ids', shape, datatype, data });
const dense = (data: unknown = [0.5, -1], shape: unknown = [1, 2], datatype = 'FP32') => ({
  name: 'dense',
  shape,
  datatype,
  data,
});

test('bad requests to a graph get 400 naming the problem, in every form', async () => {
  const s = await start(graphCase('dcn_matrix_op13').path, { graph: true, maxRows: 4, name: 'm' });
  const v2 = '/v2/models/m/infer';
  const cases: [string, unknown, RegExp][] = [
    // Open Inference Protocol
    [
      v2,
      { inputs: [ids([1, 0, 2]), dense(), { ...dense(), name: 'extra' }] },
      /'inputs' names extra, not an input of the graph \(its inputs: ids \(INT64 \[B, 3\]\), dense \(FP32 \[B, 2\]\)\)/,
    ],
    [v2, { inputs: [ids([1, 0, 2])] }, /'inputs' lacks graph input\(s\) dense \(FP32 \[B, 2\]\)/],
    [v2, { inputs: [ids([1, 0, 2]), ids([1, 0, 2])] }, /inputs\[1\]: input 'ids' is given twice/],
    [
      v2,
      { inputs: [ids([1, 0, 2], [1, 3], 'FP32'), dense()] },
      /inputs\[0\] \(ids\): datatype must be INT64 or INT32 \(the graph input is INT64 \[B, 3\]\), got "FP32"/,
    ],
    [
      v2,
      { inputs: [ids([1, 0, 2]), dense([0.5, 1], [1, 2], 'INT64')] },
      /inputs\[1\] \(dense\): datatype must be FP32 or FP64/,
    ],
    [
      v2,
      { inputs: [ids([1, 0, 2, 1], [1, 4]), dense()] },
      /inputs\[0\] \(ids\): shape \[1,4\] does not fit the graph input, which is INT64 \[B, 3\]/,
    ],
    [v2, { inputs: [ids([1, 0, 2], [3]), dense()] }, /shape \[3\] does not fit the graph input/],
    [v2, { inputs: [ids([1, 0], [1, 3]), dense()] }, /inputs\[0\] \(ids\): shape \[1,3\] needs 3 values, data has 2/],
    [
      v2,
      { inputs: [ids([1, 0, 2, 1, 1, 1], [2, 3]), dense()] },
      /inputs\[1\] \(dense\) has 1 rows but input 'ids' has 2/,
    ],
    [
      v2,
      { inputs: [ids([1, 0.5, 2]), dense()] },
      /inputs\[0\] \(ids\): data\[1\]: 0\.5 is not an integer id \(input 'ids' is INT64 \[B, 3\]\)/,
    ],
    [v2, { inputs: [ids([1, '0', 2]), dense()] }, /inputs\[0\] \(ids\): data\[1\]: expected an integer, got string/],
    [v2, { inputs: [ids([1, 2 ** 40, 2]), dense()] }, /is not an integer id .* slimctr serve takes ids within int32/],
    [
      v2,
      { inputs: [ids([1, 0, 2]), dense([0.5, null])] },
      /inputs\[1\] \(dense\): data\[1\]: expected a finite number, got null/,
    ],
    [v2, { inputs: [ids([], [0, 3]), dense([], [0, 2])] }, /the batch is empty/],
    [
      v2,
      { inputs: [ids(new Array(15).fill(1), [5, 3]), dense(new Array(10).fill(0), [5, 2])] },
      /too many rows: 5 \(at most 4 per request\)/,
    ],
    [
      v2,
      { inputs: [ids([1, 0, 2], 'x'), dense()] },
      /inputs\[0\] \(ids\): shape must be an array of sizes like \[2, 3\], got "x"/,
    ],
    [v2, { inputs: { ids: [1] } }, /'inputs' must be an array of input tensors, got object/],
    [v2, '{"inputs": [', /the body is not valid JSON/],
    // TensorFlow Serving, columns
    [
      '/predict',
      { inputs: { ids: [[1, 0, 2]], dense: [[0.5, 1]], x: [1] } },
      /'inputs' names x, not an input of the graph/,
    ],
    ['/predict', { inputs: { ids: [[1, 0, 2]] } }, /'inputs' lacks graph input\(s\) dense/],
    [
      '/predict',
      {
        inputs: {
          ids: [
            [1, 0, 2],
            [1, 1, 1],
          ],
          dense: [[0.5, 1]],
        },
      },
      /inputs\.dense has 1 rows but inputs\.ids has 2/,
    ],
    [
      '/predict',
      { inputs: { ids: [[1, 0]], dense: [[0.5, 1]] } },
      /inputs\.ids\[0\]: 2 values; input 'ids' is INT64 \[B, 3\], so a row holds 3/,
    ],
    [
      '/predict',
      {
        inputs: {
          ids: [1, 0, 2],
          dense: [
            [0.5, 1],
            [0.5, 1],
            [0.5, 1],
          ],
        },
      },
      /inputs\.ids\[0\]: input 'ids' is INT64 \[B, 3\], so a row holds an array of 3, got number/,
    ],
    [
      '/predict',
      { inputs: { ids: [[1, 0, 2.5]], dense: [[0.5, 1]] } },
      /inputs\.ids\[0\]\[2\]: 2\.5 is not an integer id/,
    ],
    ['/predict', { inputs: { ids: [], dense: [] } }, /the batch is empty/],
    ['/predict', { inputs: [1] }, /'inputs' must be an object of columns/],
    // TensorFlow Serving, rows
    [
      '/predict',
      { instances: [{ ids: [1, 0, 2], dense: [0.5, 1] }, { ids: [1, 0, 2] }] },
      /instances\[1\] lacks graph input\(s\) dense/,
    ],
    ['/predict', { instances: [[1, 0, 2]] }, /instances\[0\] must be an object \(input name -> value\), got array/],
    [
      '/predict',
      { instances: [{ ids: [1, 0, 2], dense: [0.5, 'a'] }] },
      /instances\[0\]\.dense\[1\]: expected a finite number, got string/,
    ],
    ['/predict', { instances: [] }, /the batch is empty/],
    ['/predict', { instances: [], inputs: {} }, /the body has both 'instances' and 'inputs'; send one form/],
    [
      '/predict',
      { rows: [] },
      /missing field 'inputs' or 'instances' .*the graph's inputs: ids INT64 \[B, 3\], dense FP32 \[B, 2\]/,
    ],
  ];
  for (const [path, body, message] of cases) {
    const r = await call(s, path, body);
    assert.equal(r.status, 400, `${JSON.stringify(body).slice(0, 90)}: ${JSON.stringify(r.json)}`);
    assert.match(r.json.error, message);
  }
  const ok = await call(s, v2, { inputs: [ids([1, 0, 2]), dense()] });
  assert.equal(ok.status, 200, 'the server keeps serving');
  assert.equal((await call(s, '/metadata')).json.stats.bad_requests, cases.length);
});

test('a graph input of shape [B] takes one number per row, not an array', async () => {
  const s = await start(graphCase('deepfm_fields_op17').path, { graph: true });
  const r = await call(s, '/predict', { instances: [{ f0: [1], f1: 0, f2: 0, d0: 0.5, d1: 1 }] });
  assert.equal(r.status, 400);
  assert.match(r.json.error, /instances\[0\]\.f0: input 'f0' is INT64 \[B\], so a row holds one number, got an array/);
});

test('serve takes exactly one of --model and --onnx', async () => {
  await assert.rejects(
    serveCommand.run(['--port', '0']),
    (e: unknown) => e instanceof UsageError && /one of them/.test(e.message),
  );
  await assert.rejects(
    serveCommand.run(['--model', 'a', '--onnx', 'b.onnx']),
    (e: unknown) => e instanceof UsageError && /--model RUN_OR_FILE or --onnx MODEL\.onnx/.test(e.message),
  );
  await assert.rejects(serveCommand.run(['--onnx', 'nope.onnx']), /--onnx nope\.onnx: no such file/);
});
