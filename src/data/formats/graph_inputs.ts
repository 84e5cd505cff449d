/**
 * Checks arrays read for an imported graph (from .npz or CSV) against the graph's inputs: every
 * input present, of the right element kind and shape, every array with the same number of rows,
 * no NaN or infinite floats; plus the optional `label` array. Errors name the file and the array.
 */
import { describeHost, type HostArray } from '../../io/onnx/host_array.js';
import type { OnnxValueInfo } from '../../io/onnx/read.js';
import { isFloatType } from '../../io/onnx/schema.js';
import { DataError } from '../../util/errors.js';

export interface GraphData {
  rows: number;
  /** One array per graph input, by name. */
  inputs: Map<string, HostArray>;
  /** The `label` array as 0/1 floats, when the file has one. */
  labels: Float32Array | null;
}

export const LABEL = 'label';

/** "float32 [batch, 5]": what a graph input expects. */
export function describeInput(v: OnnxValueInfo): string {
  return `${isFloatType(v.elemType) ? 'float' : 'integer'} [${(v.dims ?? ['?']).map((d) => d ?? '?').join(', ')}]`;
}

export function matchGraphInputs(
  arrays: ReadonlyMap<string, HostArray>,
  specs: readonly OnnxValueInfo[],
  file: string,
): GraphData {
  const fail = (name: string, detail: string): DataError => new DataError(file, 0, 0, `array '${name}': ${detail}`);
  const inputs = new Map<string, HostArray>();
  let rows = -1,
    rowsFrom = '';
  const rowCount = (name: string, a: HostArray): void => {
    const n = a.shape[0] ?? 1;
    if (rows < 0) [rows, rowsFrom] = [n, name];
    else if (n !== rows) throw fail(name, `has ${n} rows but '${rowsFrom}' has ${rows}`);
  };
  for (const v of specs) {
    const a = arrays.get(v.name);
    const want = describeInput(v);
    if (!a)
      throw fail(
        v.name,
        `is missing: the graph input '${v.name}' needs ${want} (the file has ${[...arrays.keys()].join(', ') || 'no arrays'})`,
      );
    const float = isFloatType(v.elemType);
    if ((a.kind === 'float') !== float)
      throw fail(
        v.name,
        `is ${describeHost(a)}, the graph input needs ${want}${float ? '' : ' (cast ids with .astype(np.int64))'}`,
      );
    if (
      v.dims &&
      (v.dims.length !== a.shape.length || v.dims.some((d, i) => typeof d === 'number' && d !== a.shape[i]))
    ) {
      throw fail(v.name, `has shape [${a.shape.join(', ')}], the graph input needs ${want}`);
    }
    if (a.shape.length === 0) throw fail(v.name, 'is a scalar; inputs need a batch axis');
    if (float) {
      const bad = a.data.findIndex((x) => !Number.isFinite(x));
      if (bad >= 0) throw fail(v.name, `value ${a.data[bad]} at flat index ${bad} is not a finite number`);
    }
    rowCount(v.name, a);
    inputs.set(v.name, a);
  }
  const label = arrays.get(LABEL);
  let labels: Float32Array | null = null;
  if (label && !specs.some((v) => v.name === LABEL)) {
    if (label.shape.length > 2 || label.data.length !== (label.shape[0] ?? 0))
      throw fail(LABEL, `has shape [${label.shape.join(', ')}], labels need [rows] or [rows, 1]`);
    const bad = label.data.findIndex((x) => x !== 0 && x !== 1);
    if (bad >= 0) throw fail(LABEL, `value ${label.data[bad]} at row ${bad} is not 0 or 1`);
    rowCount(LABEL, label);
    labels = Float32Array.from(label.data);
  }
  return { rows: Math.max(rows, 0), inputs, labels };
}
