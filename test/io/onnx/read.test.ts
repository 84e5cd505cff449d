import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeOnnx } from '../../../src/io/onnx/read.js';
import { readOnnxFile } from '../../../src/io/onnx/read_file.js';
import { ModelProtoType } from '../../../src/io/onnx/schema.js';
import { ModelFileError } from '../../../src/util/errors.js';
import { scratchDir } from '../../train/toy_data.js';
import { buildOnnx, type ModelSpec } from './build.js';

const fixture = fileURLToPath(new URL('../../../../test/fixtures/onnx/deepfm_fields_op13.onnx', import.meta.url));

const addModel = (typed: boolean): ModelSpec => ({
  nodes: [
    { op: 'Add', inputs: ['x', 'w'], outputs: ['y'] },
    { op: 'Reshape', inputs: ['y', 'shape'], outputs: ['z'] },
  ],
  inputs: [{ name: 'x', type: 'float', dims: ['batch', 3] }],
  outputs: [{ name: 'z', type: 'float', dims: ['batch', 3] }],
  inits: [
    { name: 'w', type: 'float', dims: [3], values: [0.5, -1, 2], typed },
    { name: 'shape', type: 'int64', dims: [2], values: [-1, 3], typed },
  ],
});

test('a PyTorch export decodes: inputs with symbolic batch, outputs, opset, initializers, attributes', () => {
  const m = readOnnxFile(fixture);
  assert.equal(m.opset, 13);
  assert.match(m.producer, /pytorch/);
  assert.deepEqual(
    m.inputs.map((v) => [v.name, v.elemType, v.dims]),
    [
      ['f0', 7, ['batch']],
      ['f1', 7, ['batch']],
      ['f2', 7, ['batch']],
      ['d0', 1, ['batch']],
      ['d1', 1, ['batch']],
    ],
  );
  assert.deepEqual(
    m.outputs.map((v) => [v.name, v.dims]),
    [['prob', ['batch', 1]]],
  );
  const t = m.initializers.get('emb.tables.1.weight');
  assert.ok(t);
  assert.equal(t.kind, 'float');
  assert.deepEqual(t.shape, [7, 4]);
  const gemm = m.nodes.find((n) => n.opType === 'Gemm');
  assert.equal(gemm?.attrs.get('transB'), 1);
});

test('initializers read the same from raw_data and from typed fields', () => {
  for (const typed of [false, true]) {
    const m = decodeOnnx(buildOnnx(addModel(typed)), 'm.onnx');
    assert.deepEqual([...m.initializers.get('w')!.data], [0.5, -1, 2], `typed=${typed}`);
    assert.deepEqual([...m.initializers.get('shape')!.data], [-1, 3], `typed=${typed}`);
    assert.equal(m.initializers.get('shape')!.kind, 'int');
  }
});

test('a truncated or corrupt file is a ModelFileError naming the file', () => {
  const dir = scratchDir('onnx');
  const bytes = readFileSync(fixture);
  const cases: [string, Uint8Array][] = [
    ['truncated.onnx', bytes.subarray(0, Math.floor(bytes.length / 2))],
    ['cut.onnx', bytes.subarray(0, bytes.length - 3)],
    ['text.onnx', new TextEncoder().encode('this is not a model\n')],
    ['empty.onnx', new Uint8Array()],
    ['noise.onnx', Uint8Array.from({ length: 500 }, (_, i) => (i * 7919 + 13) % 256)],
  ];
  for (const [name, b] of cases) {
    const file = join(dir, name);
    writeFileSync(file, b);
    assert.throws(
      () => readOnnxFile(file),
      (e: unknown) =>
        e instanceof ModelFileError && e.message.startsWith(file) && /ONNX|protobuf|truncated|corrupt/.test(e.message),
      name,
    );
  }
  assert.throws(
    () => readOnnxFile(join(dir, 'absent.onnx')),
    (e: unknown) => e instanceof ModelFileError && /cannot read/.test(e.message),
  );
});

test('external data, an opset outside 11-19 and a raw_data size mismatch are refused with the reason', () => {
  const spec = addModel(false);
  const withExt = withExternalInitializer(buildOnnx({ ...spec, inits: [] }));
  assert.throws(
    () => decodeOnnx(withExt, 'ext.onnx'),
    /ext\.onnx: initializer 'w' keeps its data in an external file \(w\.bin\)/,
  );
  assert.throws(
    () => decodeOnnx(buildOnnx({ ...spec, opset: 9 }), 'old.onnx'),
    /old\.onnx: opset 9 is outside the opsets slimctr reads \(11-19\)/,
  );
  assert.throws(() => decodeOnnx(buildOnnx({ ...spec, opset: 21 }), 'new.onnx'), /opset 21 is outside/);
  const bad = buildOnnx({
    ...spec,
    inits: [{ name: 'w', type: 'float', dims: [4], values: [1, 2, 3] }, spec.inits![1]],
  });
  assert.throws(
    () => decodeOnnx(bad, 'bad.onnx'),
    /bad\.onnx: initializer 'w': raw_data holds 12 bytes, shape \[4\] needs 16/,
  );
});

/** The model with an initializer 'w' whose data lives in an external file. */
function withExternalInitializer(bytes: Uint8Array): Uint8Array {
  const obj = ModelProtoType.toObject(ModelProtoType.decode(bytes)) as { graph: { initializer?: unknown[] } };
  obj.graph.initializer = [
    { name: 'w', dims: [3], dataType: 1, dataLocation: 1, externalData: [{ key: 'location', value: 'w.bin' }] },
  ];
  return ModelProtoType.encode(ModelProtoType.fromObject(obj)).finish();
}
