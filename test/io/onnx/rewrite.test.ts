import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { readGraphData } from '../../../src/data/formats/graph_data.js';
import { EmbeddingStore } from '../../../src/embedding/store.js';
import { decodeOnnx } from '../../../src/io/onnx/read.js';
import { type LinearSwap, rewriteOnnx, type Swaps, type TableSwap } from '../../../src/io/onnx/rewrite.js';
import { getEngine } from '../../../src/kernels/engine.js';
import { DataType, ModelProtoType } from '../../../src/io/onnx/schema.js';
import { GraphBuilder } from '../../../src/serve/onnx/builder.js';
import { encodeModel } from '../../../src/serve/onnx/onnx_proto.js';
import { OnnxGraphModel } from '../../../src/models/onnx/model.js';
import { scoreRows } from '../../../src/models/onnx/run.js';
import type { Linear } from '../../../src/nn/linear.js';
import { ShapeError } from '../../../src/util/errors.js';
import { fixturePath, importFixture, ortProb } from '../../models/onnx/fixture_files.js';

before(async () => {
  await getEngine();
});

/** Deterministic values in [-scale, scale). */
function randoms(n: number, seed: number, scale = 0.3): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) / 2 ** 32 - 0.5) * 2 * scale;
  });
}

/** A (rows x k)(k x cols) product. */
function matmul(a: Float32Array, b: Float32Array, rows: number, k: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < k; j++) for (let o = 0; o < cols; o++) out[i * cols + o] += a[i * k + j] * b[j * cols + o];
  return out;
}

/** Rank-2 factors for every part of the imported fixture; biases only where the layer has one. */
function randomSwaps(model: OnnxGraphModel): Swaps {
  let seed = 7;
  const linears: LinearSwap[] = model.graphParts.linears.map((l) => ({
    weight: l.weight,
    bias: l.bias,
    rank: 2,
    down: { W: randoms(l.inDim * 2, seed++, 0.8), b: l.bias ? randoms(2, seed++) : null },
    up: { W: randoms(2 * l.outDim, seed++, 0.8), b: l.bias ? randoms(l.outDim, seed++) : null },
  }));
  const tables: TableSwap[] = model.graphParts.tables.map((t) => ({
    weight: t.weight,
    rank: 2,
    table: randoms(t.rows * 2, seed++),
    P: randoms(2 * t.dim, seed++),
    mu: randoms(t.dim, seed++, 0.1),
  }));
  return { linears, tables, metadata: { 'slimctr.compression': '{"method":"test"}' } };
}

/** The original import with each replaced weight set to what its factors multiply out to. */
function multipliedOut(name: string, swaps: Swaps): OnnxGraphModel {
  const model = importFixture(name).eval();
  const children = new Map(model.children());
  for (const s of swaps.linears) {
    const lin = children.get(s.weight) as Linear;
    lin.W.data.set(matmul(s.down.W, s.up.W, lin.inDim, s.rank, lin.outDim));
    if (lin.b) {
      const b = matmul(s.down.b!, s.up.W, 1, s.rank, lin.outDim);
      lin.b.data.set(b.map((v, o) => v + s.up.b![o]));
    }
  }
  for (const s of swaps.tables) {
    const table = model.tables().find((t) => t.name === s.weight)!;
    const full = matmul(s.table, s.P, table.rows, s.rank, table.dim);
    table.writeRows(full.map((v, i) => v + s.mu[i % table.dim]));
  }
  return model;
}

const maxGap = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
};

for (const name of ['deepfm_matrix_op17', 'dcn_fields_op13', 'mlp_flat_op13', 'attention_fields_op17']) {
  test(`${name}: the rewritten graph computes the multiplied-out factors, in slimctr and in onnxruntime`, async () => {
    const original = importFixture(name);
    const swaps = randomSwaps(original);
    const bytes = readFileSync(fixturePath(name, '.onnx'));
    const rewritten = rewriteOnnx(bytes, name, swaps);
    const graph = decodeOnnx(rewritten, `${name} (rewritten)`);
    const data = readGraphData(fixturePath(name, '.inputs.npz'), graph.inputs);
    const want = scoreRows(multipliedOut(name, swaps), data.inputs, data.rows, 'prob');
    const spread = Math.max(...want) - Math.min(...want);
    assert.ok(spread > 1e-4, `the outputs differ between rows (by ${spread})`);

    const ours = new OnnxGraphModel(graph, { store: new EmbeddingStore(), slots: 0 }).eval();
    assert.ok(maxGap(scoreRows(ours, data.inputs, data.rows, 'prob'), want) <= 1e-5, 'slimctr');
    assert.ok(maxGap(await ortProb(rewritten, fixturePath(name, '.inputs.npz')), want) <= 1e-5, 'onnxruntime');

    // Narrow tables replace the wide ones; the replaced weights are gone; the metadata is there.
    assert.equal(ours.graphParts.tables.length, original.graphParts.tables.length);
    for (const s of swaps.tables) assert.deepEqual(graph.initializers.get(`${s.weight}.slimctr.table`)?.shape[1], 2);
    for (const s of [...swaps.linears, ...swaps.tables]) assert.ok(!graph.initializers.has(s.weight), s.weight);
    assert.match(Buffer.from(rewritten).toString('latin1'), /slimctr\.compression/);
  });
}

test('a MatMul by a 1-D weight reads it as a column then squeezes (opset 13+ and before), with the same outputs', async () => {
  const K = 5;
  const g = new GraphBuilder();
  const w = g.floats('w', [K], [0.5, -1, 2, 0.25, 3]);
  g.node('Add', [g.node('MatMul', ['x', w]), g.scalar(0.5)], {}, 'add', 'y');
  const spec = {
    graphName: 'g',
    nodes: g.nodes,
    initializers: g.initializers,
    producerName: 't',
    producerVersion: '0',
  };
  const built = encodeModel({
    ...spec,
    inputs: [{ name: 'x', type: DataType.FLOAT, dims: ['batch', K] }],
    outputs: [{ name: 'y', type: DataType.FLOAT, dims: ['batch'] }],
  });
  const x = new ort.Tensor(
    'float32',
    Float32Array.from({ length: 3 * K }, (_, i) => i - 7),
    [3, K],
  );
  const run = async (bytes: Uint8Array) =>
    ((await (await ort.InferenceSession.create(bytes)).run({ x })).y as ort.Tensor).data;
  const want = await run(built);
  for (const opset of [17, 11]) {
    const m = ModelProtoType.decode(built) as unknown as { opsetImport: { version: number }[] };
    m.opsetImport[0].version = opset;
    const bytes = rewriteOnnx(ModelProtoType.encode(m as never).finish(), 'm.onnx', { linears: [], tables: [] });
    const graph = decodeOnnx(bytes, 'm.onnx');
    assert.deepEqual(graph.initializers.get('w')?.shape, [K, 1], `opset ${opset}`);
    assert.deepEqual(
      graph.nodes.map((n) => n.opType),
      ['MatMul', 'Squeeze', 'Add'],
      `opset ${opset}`,
    );
    assert.deepEqual(await run(bytes), want, `opset ${opset}`);
  }
});

test('new values replace initializers by name, keeping their shapes; an unknown name is refused', () => {
  const bytes = readFileSync(fixturePath('dcn_fields_op13', '.onnx'));
  const before = decodeOnnx(bytes, 'dcn');
  const [name, a] = [...before.initializers].find(([, v]) => v.kind === 'float' && v.data.length > 1)!;
  const values = new Map([[name, Float32Array.from(a.data, (v, i) => v + i)]]);
  const after = decodeOnnx(rewriteOnnx(bytes, 'dcn', { linears: [], tables: [], values }), 'dcn');
  assert.deepEqual(after.initializers.get(name)?.shape, a.shape);
  assert.deepEqual([...after.initializers.get(name)!.data], [...values.get(name)!]);
  assert.throws(
    () => rewriteOnnx(bytes, 'dcn', { linears: [], tables: [], values: new Map([['nope', new Float32Array(1)]]) }),
    (e) => e instanceof ShapeError && /no float initializer nope/.test(e.message),
  );
});

test('a swap naming a weight no node reads, or with values that do not fit the shape, is refused', () => {
  const bytes = readFileSync(fixturePath('mlp_flat_op13', '.onnx'));
  const t = importFixture('mlp_flat_op13').graphParts.tables[0];
  const table = { weight: t.weight, rank: 2, table: new Float32Array(t.rows * 2), P: new Float32Array(2 * t.dim) };
  assert.throws(
    () =>
      rewriteOnnx(bytes, 'm.onnx', {
        linears: [],
        tables: [{ ...table, mu: new Float32Array(t.dim), weight: 'nope' }],
      }),
    (e) => e instanceof ShapeError && /m\.onnx: no initializer 'nope'/.test(e.message),
  );
  assert.throws(
    () => rewriteOnnx(bytes, 'm.onnx', { linears: [], tables: [{ ...table, mu: new Float32Array(t.dim + 1) }] }),
    (e) => e instanceof ShapeError && /has \d+ values for shape/.test(e.message),
  );
});
