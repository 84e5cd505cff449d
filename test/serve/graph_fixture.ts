/** Request bodies for `serve --onnx` built from a PyTorch export fixture's inputs (test/fixtures/onnx). */
import { readGraphData } from '../../src/data/formats/graph_data.js';
import { readNpz } from '../../src/data/formats/npz.js';
import type { HostArray } from '../../src/io/onnx/host_array.js';
import { readOnnxFile } from '../../src/io/onnx/read_file.js';
import { DataType } from '../../src/io/onnx/schema.js';
import { fixturePath } from '../models/onnx/fixture_files.js';

export interface GraphCase {
  name: string;
  path: string;
  /** The fixture's inputs by graph input name, with their V2 datatype. */
  inputs: { name: string; datatype: string; array: HostArray }[];
  rows: number;
  /** PyTorch's recorded output per row. */
  expected: Float32Array;
}

export function graphCase(name: string): GraphCase {
  const path = fixturePath(name, '.onnx');
  const graph = readOnnxFile(path);
  const data = readGraphData(fixturePath(name, '.inputs.npz'), graph.inputs);
  const datatype = (t: number): string =>
    t === DataType.INT64 ? 'INT64' : t === DataType.INT32 ? 'INT32' : t === DataType.DOUBLE ? 'FP64' : 'FP32';
  return {
    name,
    path,
    inputs: graph.inputs.map((v) => ({
      name: v.name,
      datatype: datatype(v.elemType),
      array: data.inputs.get(v.name)!,
    })),
    rows: data.rows,
    expected: readNpz(fixturePath(name, '.expected.npz')).get('prob')!.data as Float32Array,
  };
}

/** An array's rows: numbers for shape [B], arrays of n for [B, n]. */
export function rowsOf(a: HostArray): unknown[] {
  if (a.shape.length === 1) return Array.from(a.data);
  const w = a.data.length / a.shape[0];
  return Array.from({ length: a.shape[0] }, (_, r) => Array.from(a.data.subarray(r * w, (r + 1) * w)));
}

/** The Open Inference Protocol body; `nested` sends [B, n] data as rows of n, else flat. */
export const v2Body = (c: GraphCase, nested = false): unknown => ({
  id: `req-${c.name}`,
  inputs: c.inputs.map(({ name, datatype, array }) => ({
    name,
    shape: array.shape,
    datatype,
    data: nested ? rowsOf(array) : Array.from(array.data),
  })),
});

/** TensorFlow Serving's columnar body. */
export const columnsBody = (c: GraphCase): unknown => ({
  inputs: Object.fromEntries(c.inputs.map(({ name, array }) => [name, rowsOf(array)])),
});

/** TensorFlow Serving's row body. */
export const instancesBody = (c: GraphCase): unknown => {
  const cols = c.inputs.map(({ name, array }) => [name, rowsOf(array)] as const);
  return { instances: Array.from({ length: c.rows }, (_, r) => Object.fromEntries(cols.map(([n, v]) => [n, v[r]]))) };
};
