/**
 * `serve --onnx` beyond the PyTorch fixtures' int64/float32 inputs: a small built graph with an
 * int32 [B, 2] id input and a float64 [B] input, answered right on both engines; and graphs the
 * server cannot carry (a fixed batch axis, a boolean input, an output with several values per
 * row) refused at start with a message naming the input.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getEngine } from '../../src/kernels/engine.js';
import { buildOnnx, type IoSpec, type ModelSpec } from '../io/onnx/build.js';
import { scratchDir } from '../train/toy_data.js';
import { call, maxGap, serverStarter } from './fixture.js';

before(async () => {
  await getEngine();
});
const start = serverStarter(1);
const dir = scratchDir('serve-graph-types');

const E = [0.5, -1, 2, 0.25, -0.75];
const W = [0.8, -0.3];

/** prob = sigmoid(E[ids[:, 0]] W0 + E[ids[:, 1]] W1 + x) with ids int32 [B, 2] and x float64 [B]. */
function spec(inputs: IoSpec[] = [], output: IoSpec['dims'] = ['batch', 1]): ModelSpec {
  return {
    nodes: [
      { op: 'Gather', inputs: ['E', 'ids'], outputs: ['g'] },
      { op: 'Flatten', inputs: ['g'], outputs: ['f'], attrs: { axis: 1 } },
      { op: 'MatMul', inputs: ['f', 'W'], outputs: ['m'] },
      { op: 'Cast', inputs: ['x'], outputs: ['xf'], attrs: { to: 1 } },
      { op: 'Unsqueeze', inputs: ['xf', 'axis1'], outputs: ['xu'] },
      { op: 'Add', inputs: ['m', 'xu'], outputs: ['z'] },
      { op: 'Sigmoid', inputs: ['z'], outputs: ['prob'] },
    ],
    inputs: inputs.length
      ? inputs
      : [
          { name: 'ids', type: 'int32', dims: ['batch', 2] },
          { name: 'x', type: 'double', dims: ['batch'] },
        ],
    outputs: [{ name: 'prob', type: 'float', dims: output }],
    inits: [
      { name: 'E', type: 'float', dims: [5, 1], values: E },
      { name: 'W', type: 'float', dims: [2, 1], values: W },
      { name: 'axis1', type: 'int64', dims: [1], values: [1] },
    ],
  };
}

function write(name: string, s: ModelSpec): string {
  const file = join(dir, `${name}.onnx`);
  writeFileSync(file, buildOnnx(s));
  return file;
}

test('an int32 [B, 2] input and a float64 [B] input: v2 INT32/FP64 and TF columns, on both engines', async () => {
  const file = write('typed', spec());
  const ids = [
    [0, 2],
    [4, 1],
    [3, 3],
  ];
  const x = [0.1, -2, 0.5];
  const want = ids.map(([a, b], r) => 1 / (1 + Math.exp(-(E[a] * W[0] + E[b] * W[1] + x[r]))));
  for (const engine of ['slimctr', 'onnx'] as const) {
    const s = await start(file, { graph: true, engine });
    const meta = await call(s, '/v2/models/typed');
    assert.deepEqual(meta.json.inputs, [
      { name: 'ids', datatype: 'INT32', shape: [-1, 2] },
      { name: 'x', datatype: 'FP64', shape: [-1] },
    ]);
    const v2 = await call(s, '/v2/models/typed/infer', {
      inputs: [
        { name: 'ids', shape: [3, 2], datatype: 'INT32', data: ids.flat() },
        { name: 'x', shape: [3], datatype: 'FP64', data: x },
      ],
    });
    assert.equal(v2.status, 200, `${engine}: ${JSON.stringify(v2.json)}`);
    assert.ok(maxGap(v2.json.outputs[0].data, want) < 1e-6, `${engine} v2`);
    const cols = await call(s, '/predict', { inputs: { ids, x } });
    assert.ok(maxGap(cols.json.predictions, want) < 1e-6, `${engine} columns`);
  }
});

test('graphs the server cannot carry are refused at start, naming the input or output', async () => {
  const cases: [string, ModelSpec, RegExp][] = [
    [
      'fixed',
      spec([
        { name: 'ids', type: 'int32', dims: [4, 2] },
        { name: 'x', type: 'double', dims: ['batch'] },
      ]),
      /graph input 'ids' has a fixed first axis of 4 \(export it with dynamic_axes/,
    ],
    [
      'bool',
      spec([
        { name: 'ids', type: 'int32', dims: ['batch', 2] },
        { name: 'x', type: 'bool', dims: ['batch'] },
      ]),
      /graph input 'x' has ONNX element type 9; slimctr serve takes int64, int32, float or double inputs/,
    ],
    [
      'wide',
      spec([], ['batch', 3]),
      /graph output 'prob' has 3 values per row; slimctr serve answers one value per row/,
    ],
  ];
  for (const [name, s, message] of cases) await assert.rejects(start(write(name, s), { graph: true }), message);
});
