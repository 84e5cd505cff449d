import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeOnnx } from '../../src/io/onnx/read.js';
import { DataType, IR_VERSION, OPSET, encodeModel, floatBytes, int64Bytes } from '../../src/serve/onnx/onnx_proto.js';

test('the exporter encodes with the schema the importer reads: nodes, attributes, initializers, symbolic dims round-trip', () => {
  const bytes = encodeModel({
    graphName: 'g',
    producerName: 'slimctr',
    producerVersion: '0.0.0',
    docString: 'doc',
    nodes: [
      { op: 'Gemm', name: 'fc', inputs: ['x', 'W'], outputs: ['h'], attrs: { alpha: { f: 0.5 }, transB: { i: 1 } } },
      { op: 'ReduceSum', name: 'sum', inputs: ['h'], outputs: ['y'], attrs: { axes: { ints: [-1] } } },
    ],
    initializers: [
      { name: 'W', dims: [2, 3], type: DataType.FLOAT, raw: floatBytes([1, 2, 3, 4, 5, 6]) },
      { name: 'big', dims: [2], type: DataType.INT64, raw: int64Bytes([-1, 2 ** 40]) },
    ],
    inputs: [{ name: 'x', type: DataType.FLOAT, dims: ['batch', 3] }],
    outputs: [{ name: 'y', type: DataType.FLOAT, dims: ['batch'] }],
  });
  const m = decodeOnnx(bytes, 'exported.onnx');
  assert.equal(m.irVersion, IR_VERSION);
  assert.equal(m.opset, OPSET);
  assert.equal(m.producer, 'slimctr 0.0.0');
  assert.deepEqual(m.inputs, [{ name: 'x', elemType: DataType.FLOAT, dims: ['batch', 3] }]);
  assert.deepEqual(m.outputs, [{ name: 'y', elemType: DataType.FLOAT, dims: ['batch'] }]);
  assert.deepEqual(
    m.nodes.map((n) => [n.name, n.opType, n.inputs, n.outputs, Object.fromEntries(n.attrs)]),
    [
      ['fc', 'Gemm', ['x', 'W'], ['h'], { alpha: 0.5, transB: 1 }],
      ['sum', 'ReduceSum', ['h'], ['y'], { axes: [-1] }],
    ],
  );
  assert.deepEqual([...m.initializers.get('W')!.data], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(m.initializers.get('W')!.shape, [2, 3]);
  assert.deepEqual([...m.initializers.get('big')!.data], [-1, 2 ** 40]);
});
