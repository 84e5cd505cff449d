import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { noGrad } from '../../../src/autograd/index.js';
import { EmbeddingStore } from '../../../src/embedding/store.js';
import { hostArray, type HostArray } from '../../../src/io/onnx/host_array.js';
import { decodeOnnx } from '../../../src/io/onnx/read.js';
import { getEngine } from '../../../src/kernels/engine.js';
import { OnnxGraphModel } from '../../../src/models/onnx/model.js';
import { tidy } from '../../../src/tensor/tensor.js';
import { DataError, ModelFileError } from '../../../src/util/errors.js';
import { buildOnnx, type IoSpec, type ModelSpec, type NodeSpec, type Init } from '../../io/onnx/build.js';

before(async () => {
  await getEngine();
});

const importSpec = (spec: ModelSpec): OnnxGraphModel =>
  new OnnxGraphModel(decodeOnnx(buildOnnx(spec), 'test.onnx'), { store: new EmbeddingStore(), slots: 0 });

/** Runs a one-output graph on float input `x` (and more inputs if given); returns shape and values. */
function run(
  nodes: NodeSpec[],
  x: HostArray,
  opts: { inits?: Init[]; opset?: number; more?: [IoSpec, HostArray][] } = {},
): { shape: number[]; values: number[] } {
  const inputs: IoSpec[] = [
    { name: 'x', type: x.kind === 'float' ? 'float' : 'int64', dims: x.shape.map((d, i) => (i === 0 ? 'batch' : d)) },
  ];
  const feed = new Map<string, HostArray>([['x', x]]);
  for (const [spec, a] of opts.more ?? []) {
    inputs.push(spec);
    feed.set(spec.name, a);
  }
  const model = importSpec({
    nodes,
    inputs,
    outputs: [{ name: 'y', type: 'float', dims: [] }],
    inits: opts.inits,
    opset: opts.opset,
  });
  return noGrad(() =>
    tidy(() => {
      const y = model.forward(feed).get('y')!;
      return { shape: [...y.shape], values: [...y.data].map((v) => +v.toFixed(5)) };
    }),
  );
}

const f = (shape: number[], values: number[]): HostArray => hostArray('float', shape, values);
const ints = (name: string, values: number[]): Init => ({ name, type: 'int64', dims: [values.length], values });
const x23 = f([2, 3], [1, 2, 3, 4, 5, 6]);

test('an op outside the supported list is refused naming the node, the op type and the opset', () => {
  const spec = (op: string, domain?: string): ModelSpec => ({
    nodes: [{ op, domain, inputs: ['x'], outputs: ['y'], name: 'my_node' }],
    inputs: [{ name: 'x', type: 'float', dims: ['batch', 3] }],
    outputs: [{ name: 'y', type: 'float', dims: ['batch', 3] }],
    opset: 15,
  });
  assert.throws(
    () => importSpec(spec('Erf')),
    (e: unknown) =>
      e instanceof ModelFileError &&
      /^test\.onnx: node 'my_node' \(Erf, opset 15\): op Erf is not supported by slimctr's ONNX import \(supported: .*Gemm.*\)/.test(
        e.message,
      ),
  );
  assert.throws(
    () => importSpec(spec('FusedGemm', 'com.microsoft')),
    /node 'my_node' \(FusedGemm, opset 15\): op com\.microsoft\.FusedGemm is not supported/,
  );
});

test('integer ids never pass through float-only ops, and bad ids are named', () => {
  const ids = hostArray('int', [2, 2], [0, 1, 1, 0]);
  assert.throws(
    () => run([{ op: 'Transpose', inputs: ['x'], outputs: ['y'], name: 't' }], ids),
    /node 't' \(Transpose, opset 17\): input 0 is int \[2, 2\]; this op runs on float tensors only/,
  );
  const table: Init = { name: 'E', type: 'float', dims: [2, 3], values: [1, 2, 3, 4, 5, 6] };
  assert.deepEqual(run([{ op: 'Gather', inputs: ['E', 'x'], outputs: ['y'] }], ids, { inits: [table] }), {
    shape: [2, 2, 3],
    values: [1, 2, 3, 4, 5, 6, 4, 5, 6, 1, 2, 3],
  });
  assert.deepEqual(
    run([{ op: 'Gather', inputs: ['E', 'x'], outputs: ['y'] }], hostArray('int', [1], [-1]), { inits: [table] }).values,
    [4, 5, 6],
  );
  assert.throws(
    () =>
      run([{ op: 'Gather', inputs: ['E', 'x'], outputs: ['y'], name: 'g' }], hostArray('int', [2], [0, 2]), {
        inits: [table],
      }),
    (e: unknown) =>
      // A data problem (the server answers 400), not a broken model file.
      e instanceof DataError &&
      /node 'g' \(Gather, opset 17\): id 2 at position 1 is outside table 'E' \(0\.\.1\)/.test(e.message),
  );
});

test('shape ops: Transpose, Split, Expand, Squeeze/Unsqueeze, Slice with negative steps, Flatten, Concat', () => {
  assert.deepEqual(run([{ op: 'Transpose', inputs: ['x'], outputs: ['y'] }], x23), {
    shape: [3, 2],
    values: [1, 4, 2, 5, 3, 6],
  });
  assert.deepEqual(
    run([{ op: 'Split', inputs: ['x', 's'], outputs: ['a', 'y'], attrs: { axis: 1 } }], x23, {
      inits: [ints('s', [1, 2])],
    }),
    { shape: [2, 2], values: [2, 3, 5, 6] },
  );
  assert.deepEqual(
    run([{ op: 'Split', inputs: ['x'], outputs: ['a', 'y'], attrs: { axis: 1, split: [2, 1] } }], x23, { opset: 12 }),
    { shape: [2, 1], values: [3, 6] },
  );
  assert.deepEqual(
    run([{ op: 'Expand', inputs: ['x', 's'], outputs: ['y'] }], f([2, 1], [1, 2]), { inits: [ints('s', [2, 3])] }),
    { shape: [2, 3], values: [1, 1, 1, 2, 2, 2] },
  );
  assert.deepEqual(
    run(
      [
        { op: 'Unsqueeze', inputs: ['x', 'a'], outputs: ['u'] },
        { op: 'Squeeze', inputs: ['u', 'a'], outputs: ['y'] },
      ],
      x23,
      { inits: [ints('a', [0, 3])] },
    ),
    { shape: [2, 3], values: [1, 2, 3, 4, 5, 6] },
  );
  assert.deepEqual(
    run([{ op: 'Squeeze', inputs: ['x'], outputs: ['y'], attrs: { axes: [1] } }], f([2, 1], [7, 8]), { opset: 12 }),
    { shape: [2], values: [7, 8] },
  );
  // x[:, ::-2] and x[:, 1:-1]
  assert.deepEqual(
    run([{ op: 'Slice', inputs: ['x', 's', 'e', 'a', 'st'], outputs: ['y'] }], x23, {
      inits: [ints('s', [-1]), ints('e', [-1e18]), ints('a', [1]), ints('st', [-2])],
    }),
    { shape: [2, 2], values: [3, 1, 6, 4] },
  );
  assert.deepEqual(
    run([{ op: 'Slice', inputs: ['x', 's', 'e', 'a'], outputs: ['y'] }], x23, {
      inits: [ints('s', [1]), ints('e', [-1]), ints('a', [1])],
    }),
    { shape: [2, 1], values: [2, 5] },
  );
  assert.deepEqual(run([{ op: 'Flatten', inputs: ['x'], outputs: ['y'], attrs: { axis: 0 } }], x23).shape, [1, 6]);
  assert.deepEqual(
    run([{ op: 'Concat', inputs: ['x', 'x'], outputs: ['y'], attrs: { axis: -1 } }], x23).values,
    [1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6],
  );
});

test('shape arithmetic on a symbolic batch: Shape, Mul, Constant, ConstantOfShape, Cast, Reshape, Identity, Dropout', () => {
  // y = Reshape(x, [Shape(x)[0] * 3]) + ConstantOfShape([1], 0.5), via Identity and Dropout.
  const nodes: NodeSpec[] = [
    { op: 'Shape', inputs: ['x'], outputs: ['s'], attrs: { end: 1 } },
    { op: 'Mul', inputs: ['s', 'three'], outputs: ['n'] },
    { op: 'Reshape', inputs: ['x', 'n'], outputs: ['r'] },
    {
      op: 'Constant',
      inputs: [],
      outputs: ['one'],
      attrs: { value: { tensor: { type: 'int64', dims: [1], values: [1] } } },
    },
    {
      op: 'ConstantOfShape',
      inputs: ['one'],
      outputs: ['h'],
      attrs: { value: { tensor: { type: 'float', dims: [1], values: [0.5] } } },
    },
    { op: 'Cast', inputs: ['h'], outputs: ['hc'], attrs: { to: 1 } },
    { op: 'Identity', inputs: ['r'], outputs: ['ri'] },
    { op: 'Dropout', inputs: ['ri'], outputs: ['rd'] },
    { op: 'Add', inputs: ['rd', 'hc'], outputs: ['y'] },
  ];
  for (const rows of [1, 2, 5]) {
    const x = f(
      [rows, 3],
      Array.from({ length: rows * 3 }, (_, i) => i),
    );
    assert.deepEqual(run(nodes, x, { inits: [ints('three', [3])] }), {
      shape: [rows * 3],
      values: Array.from({ length: rows * 3 }, (_, i) => i + 0.5),
    });
  }
});

test('math ops: Sub, Div, Pow, Sqrt, Neg, Exp, Log, Tanh, Sigmoid, LeakyRelu, ReduceSum, ReduceMean', () => {
  const x = f([1, 3], [0.5, 1, 2]);
  const one = (op: string, attrs?: NodeSpec['attrs']): number[] =>
    run([{ op, inputs: ['x'], outputs: ['y'], attrs }], x).values;
  const near = (got: number[], want: number[]): void =>
    want.forEach((w, i) => assert.ok(Math.abs(got[i] - w) < 1e-5, `${got} vs ${want}`));
  near(one('Sqrt'), [Math.SQRT1_2, 1, Math.SQRT2]);
  near(one('Neg'), [-0.5, -1, -2]);
  near(one('Exp'), [Math.exp(0.5), Math.E, Math.exp(2)]);
  near(one('Log'), [Math.log(0.5), 0, Math.log(2)]);
  near(one('Tanh'), [Math.tanh(0.5), Math.tanh(1), Math.tanh(2)]);
  near(one('Sigmoid'), [1 / (1 + Math.exp(-0.5)), 1 / (1 + Math.exp(-1)), 1 / (1 + Math.exp(-2))]);
  near(
    run([{ op: 'LeakyRelu', inputs: ['x'], outputs: ['y'], attrs: { alpha: { f: 0.2 } } }], f([2], [-1, 3])).values,
    [-0.2, 3],
  );
  const c: Init = { name: 'c', type: 'float', dims: [], values: [2] };
  near(run([{ op: 'Sub', inputs: ['c', 'x'], outputs: ['y'] }], x, { inits: [c] }).values, [1.5, 1, 0]);
  near(run([{ op: 'Div', inputs: ['x', 'c'], outputs: ['y'] }], x, { inits: [c] }).values, [0.25, 0.5, 1]);
  near(run([{ op: 'Pow', inputs: ['x', 'c'], outputs: ['y'] }], x, { inits: [c] }).values, [0.25, 1, 4]);
  assert.deepEqual(
    run([{ op: 'ReduceSum', inputs: ['x', 'a'], outputs: ['y'], attrs: { keepdims: 0 } }], x23, {
      inits: [ints('a', [1])],
    }),
    { shape: [2], values: [6, 15] },
  );
  assert.deepEqual(
    run([{ op: 'ReduceSum', inputs: ['x'], outputs: ['y'], attrs: { axes: [0] } }], x23, { opset: 12 }),
    { shape: [1, 3], values: [5, 7, 9] },
  );
  assert.deepEqual(run([{ op: 'ReduceMean', inputs: ['x'], outputs: ['y'], attrs: { axes: [-1] } }], x23), {
    shape: [2, 1],
    values: [2, 5],
  });
  assert.deepEqual(
    run([{ op: 'ReduceMean', inputs: ['x', 'a'], outputs: ['y'] }], x23, { opset: 18, inits: [ints('a', [0])] }),
    { shape: [1, 3], values: [2.5, 3.5, 4.5] },
  );
});

test('Softmax: any axis from opset 13, the 2-D coercion before; LayerNormalization and BatchNormalization on 3-D inputs', () => {
  const x = f([1, 2, 2], [0, 1, 2, 4]);
  const sm = (a: number, b: number): number[] =>
    [Math.exp(a) / (Math.exp(a) + Math.exp(b)), Math.exp(b) / (Math.exp(a) + Math.exp(b))].map((v) => +v.toFixed(5));
  const [p0, p1] = sm(0, 2),
    [q0, q1] = sm(1, 4);
  assert.deepEqual(run([{ op: 'Softmax', inputs: ['x'], outputs: ['y'], attrs: { axis: 1 } }], x).values, [
    p0,
    q0,
    p1,
    q1,
  ]);
  const flat = [0, 1, 2, 4].map(Math.exp),
    s = flat.reduce((a, b) => a + b);
  assert.deepEqual(
    run([{ op: 'Softmax', inputs: ['x'], outputs: ['y'], attrs: { axis: 1 } }], x, { opset: 11 }).values,
    flat.map((v) => +(v / s).toFixed(5)),
  );
  // LayerNorm over the last two axes (axis 1) = over all 4 values of the row.
  const m = 7 / 4,
    v = [0, 1, 2, 4].reduce((a, b) => a + (b - m) ** 2, 0) / 4;
  const ln = run([{ op: 'LayerNormalization', inputs: ['x', 'g', 'b'], outputs: ['y'], attrs: { axis: 1 } }], x, {
    inits: [
      { name: 'g', type: 'float', dims: [2, 2], values: [1, 1, 1, 2] },
      { name: 'b', type: 'float', dims: [2, 2], values: [0, 0, 0, 1] },
    ],
  });
  const want = [0, 1, 2, 4].map((a, i) => ((a - m) / Math.sqrt(v + 1e-5)) * (i === 3 ? 2 : 1) + (i === 3 ? 1 : 0));
  want.forEach((w, i) => assert.ok(Math.abs(ln.values[i] - w) < 1e-4, `layer norm ${ln.values} vs ${want}`));
  // BatchNorm on [N, C, L]: channel axis 1.
  const vec = (name: string, values: number[]): Init => ({ name, type: 'float', dims: [2], values });
  const bn = run(
    [{ op: 'BatchNormalization', inputs: ['x', 'g', 'b', 'm', 'v'], outputs: ['y'], attrs: { epsilon: { f: 0 } } }],
    x,
    { inits: [vec('g', [1, 2]), vec('b', [0, 1]), vec('m', [1, 2]), vec('v', [1, 4])] },
  );
  assert.deepEqual(bn.values, [-1, 0, 1, 3]);
});

test('Gemm and MatMul: with an initializer weight (a Linear part) and between activations', () => {
  const W: Init = { name: 'W', type: 'float', dims: [2, 3], values: [1, 0, 1, 0, 1, 1] }; // [out, in] with transB
  const C: Init = { name: 'C', type: 'float', dims: [2], values: [10, 20] };
  const linear = run(
    [{ op: 'Gemm', inputs: ['x', 'W', 'C'], outputs: ['y'], attrs: { transB: 1, alpha: { f: 2 }, beta: { f: 0.5 } } }],
    x23,
    { inits: [W, C] },
  );
  assert.deepEqual(linear, { shape: [2, 2], values: [2 * 4 + 5, 2 * 5 + 10, 2 * 10 + 5, 2 * 11 + 10] });
  // General Gemm: A^T B with both activations, C broadcast.
  const g = run(
    [{ op: 'Gemm', inputs: ['x', 'x', 'C2'], outputs: ['y'], attrs: { transA: 1 } }],
    f([2, 2], [1, 2, 3, 4]),
    { inits: [{ name: 'C2', type: 'float', dims: [], values: [1] }] },
  );
  assert.deepEqual(g, { shape: [2, 2], values: [11, 15, 15, 21] });
  // Batched MatMul between activations broadcasts batch axes.
  const mm = run([{ op: 'MatMul', inputs: ['x', 'z'], outputs: ['y'] }], f([2, 1, 2], [1, 2, 3, 4]), {
    more: [[{ name: 'z', type: 'float', dims: [2, 1] }, f([2, 1], [1, 1])]],
  });
  assert.deepEqual(mm, { shape: [2, 1, 1], values: [3, 7] });
});
