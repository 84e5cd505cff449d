/** Scoring data with an imported graph, batch by batch, without recording gradients. */
import { noGrad } from '../../autograd/index.js';
import type { HostArray } from '../../io/onnx/host_array.js';
import { tidy } from '../../tensor/tensor.js';
import { ShapeError } from '../../util/errors.js';
import type { OnnxGraphModel } from './model.js';

/** Rows [start, end) of every input (copies). */
export function sliceRows(inputs: ReadonlyMap<string, HostArray>, start: number, end: number): Map<string, HostArray> {
  const out = new Map<string, HostArray>();
  for (const [name, a] of inputs) {
    const w = a.data.length / Math.max(a.shape[0], 1);
    out.set(name, { kind: a.kind, shape: [end - start, ...a.shape.slice(1)], data: a.data.slice(start * w, end * w) });
  }
  return out;
}

/**
 * The graph output `output` (one value per row: shape [B] or [B, 1]) for `rows` rows of `inputs`,
 * in batches of `batch` rows.
 */
export function scoreRows(
  model: OnnxGraphModel,
  inputs: ReadonlyMap<string, HostArray>,
  rows: number,
  output: string,
  batch = 4096,
): Float32Array {
  const out = new Float32Array(rows);
  for (let a = 0; a < rows; a += batch) {
    const e = Math.min(rows, a + batch);
    noGrad(() =>
      tidy(() => {
        const v = model.forward(sliceRows(inputs, a, e)).get(output);
        if (!v) throw new ShapeError(`the graph has no output '${output}'`);
        if (v.shape.length > 2 || v.shape[0] !== e - a || (v.shape.length === 2 && v.shape[1] !== 1)) {
          throw new ShapeError(
            `output '${output}' has shape [${v.shape.join(', ')}] for ${e - a} rows; one value per row ([B] or [B, 1]) is expected`,
          );
        }
        out.set(v.data, a);
      }),
    );
  }
  return out;
}
