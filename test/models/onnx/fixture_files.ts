/** The PyTorch export fixtures (scripts/onnx_fixtures.py): names and paths, an imported model, and onnxruntime's output. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbeddingStore } from '../../../src/embedding/store.js';
import * as ort from 'onnxruntime-node';
import { readGraphData } from '../../../src/data/formats/graph_data.js';
import { decodeOnnx } from '../../../src/io/onnx/read.js';
import { readOnnxFile } from '../../../src/io/onnx/read_file.js';
import { DataType } from '../../../src/io/onnx/schema.js';
import { OnnxGraphModel } from '../../../src/models/onnx/model.js';

export const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/onnx/', import.meta.url));

/** Fixture base names, e.g. 'dcn_flat_op17'. */
export const fixtureNames = (): string[] =>
  readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.onnx'))
    .map((f) => f.slice(0, -5))
    .sort();

export const fixturePath = (name: string, suffix: '.onnx' | '.inputs.npz' | '.expected.npz'): string =>
  join(FIXTURES, name + suffix);

export function importFixture(name: string, slots = 0): OnnxGraphModel {
  return new OnnxGraphModel(readOnnxFile(fixturePath(name, '.onnx')), { store: new EmbeddingStore(), slots });
}

/** onnxruntime's 'prob' output for `model` (a file or its bytes) on the graph inputs in the .npz/.csv file `inputs`. */
export async function ortProb(model: string | Uint8Array, inputs: string): Promise<Float32Array> {
  const bytes = typeof model === 'string' ? readFileSync(model) : model;
  const graph = decodeOnnx(bytes, typeof model === 'string' ? model : 'model');
  const data = readGraphData(inputs, graph.inputs);
  const feeds: Record<string, ort.Tensor> = {};
  for (const v of graph.inputs) {
    const a = data.inputs.get(v.name)!;
    feeds[v.name] =
      v.elemType === DataType.INT64
        ? new ort.Tensor(
            'int64',
            BigInt64Array.from(a.data, (x) => BigInt(x)),
            a.shape,
          )
        : v.elemType === DataType.INT32
          ? new ort.Tensor('int32', Int32Array.from(a.data), a.shape)
          : new ort.Tensor('float32', Float32Array.from(a.data), a.shape);
  }
  const session = await ort.InferenceSession.create(bytes);
  const out = (await session.run(feeds)).prob.data as Float32Array;
  await session.release();
  return out;
}
