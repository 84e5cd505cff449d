/**
 * How the server carries an imported ONNX graph's inputs (`serve --onnx`): each row of a request is
 * packed into the same two blocks the micro-batcher moves for slimctr models, the integer inputs
 * side by side in `ids` (int32) and the float inputs in `dense` (float32), in the graph's input
 * order. A graph whose inputs or output cannot be carried that way (no batch axis, an unknown width,
 * booleans, more than one value per row out) is refused when the server starts.
 */
import type { HostArray } from '../io/onnx/host_array.js';
import type { OnnxModel, OnnxValueInfo } from '../io/onnx/read.js';
import { DataType, isFloatType } from '../io/onnx/schema.js';
import { ModelFileError } from '../util/errors.js';

export interface GraphInput {
  name: string;
  /** ONNX element type (INT64, INT32, FLOAT, DOUBLE). */
  elemType: number;
  kind: 'int' | 'float';
  /** Dims after the batch axis ([] for an input of shape [batch]). */
  dims: number[];
  /** Values per row: the product of `dims`. */
  width: number;
  /** Where the row's values start in its `ids` (int) or `dense` (float) block. */
  offset: number;
}

export interface GraphLayout {
  inputs: GraphInput[];
  /** Integer values per row (the `ids` block's width). */
  numInt: number;
  /** Float values per row (the `dense` block's width). */
  numFloat: number;
  /** The graph output served (its first): name and dims after the batch axis ([] or [1]). */
  output: { name: string; dims: number[] };
}

const V2_NAMES: Record<number, string> = {
  [DataType.INT64]: 'INT64',
  [DataType.INT32]: 'INT32',
  [DataType.FLOAT]: 'FP32',
  [DataType.DOUBLE]: 'FP64',
};

/** The Open Inference Protocol datatype of a graph input. */
export const v2Datatype = (elemType: number): string => V2_NAMES[elemType];

/** Dims after a leading batch axis, or a ModelFileError naming the value. */
function rowDims(file: string, v: OnnxValueInfo, what: string): number[] {
  const dims = v.dims;
  const refuse = (why: string): ModelFileError =>
    new ModelFileError(file, `${what} '${v.name}' ${why}; slimctr serve needs [batch] or [batch, n, ...] with fixed n`);
  if (!dims || dims.length === 0) throw refuse('has no declared shape');
  if (typeof dims[0] === 'number')
    throw refuse(`has a fixed first axis of ${dims[0]} (export it with dynamic_axes={...: {0: "batch"}})`);
  const rest = dims.slice(1);
  if (!rest.every((d): d is number => typeof d === 'number' && d > 0))
    throw refuse(`has shape [${dims.map((d) => d ?? '?').join(', ')}]`);
  return rest;
}

export function graphLayout(graph: OnnxModel): GraphLayout {
  let numInt = 0,
    numFloat = 0;
  const inputs = graph.inputs.map((v): GraphInput => {
    if (!V2_NAMES[v.elemType])
      throw new ModelFileError(
        graph.file,
        `graph input '${v.name}' has ONNX element type ${v.elemType}; slimctr serve takes int64, int32, float or double inputs`,
      );
    const dims = rowDims(graph.file, v, 'graph input');
    const width = dims.reduce((a, b) => a * b, 1);
    const kind = isFloatType(v.elemType) ? 'float' : 'int';
    const offset = kind === 'int' ? numInt : numFloat;
    if (kind === 'int') numInt += width;
    else numFloat += width;
    return { name: v.name, elemType: v.elemType, kind, dims, width, offset };
  });
  const out = graph.outputs[0];
  if (!out) throw new ModelFileError(graph.file, 'the graph has no output');
  const dims = rowDims(graph.file, out, 'graph output');
  if (dims.some((d) => d !== 1))
    throw new ModelFileError(
      graph.file,
      `graph output '${out.name}' has ${dims.join(' x ')} values per row; slimctr serve answers one value per row ([batch] or [batch, 1])`,
    );
  return { inputs, numInt, numFloat, output: { name: out.name, dims } };
}

/** The graph's inputs for `rows` packed rows, as host arrays by input name (shape [rows, ...dims]). */
export function unpackRows(
  layout: GraphLayout,
  rows: number,
  ids: Int32Array,
  dense: Float32Array,
): Map<string, HostArray> {
  const out = new Map<string, HostArray>();
  for (const inp of layout.inputs) {
    const float = inp.kind === 'float';
    const block = float ? dense : ids,
      stride = float ? layout.numFloat : layout.numInt;
    const data = float ? new Float32Array(rows * inp.width) : new Float64Array(rows * inp.width);
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < inp.width; j++) data[r * inp.width + j] = block[r * stride + inp.offset + j];
    out.set(inp.name, { kind: inp.kind, shape: [rows, ...inp.dims], data });
  }
  return out;
}
