/**
 * CSV with a header for an imported graph: one column per graph input of shape [B] or [B, 1],
 * and NAME.0 .. NAME.{n-1} for an input of shape [B, n]; an optional `label` column. Cells must
 * be numbers (integers for integer inputs); a bad cell is a DataError naming file, line and column.
 */
import { readFileSync } from 'node:fs';
import { hostArray, type HostArray } from '../../io/onnx/host_array.js';
import type { OnnxValueInfo } from '../../io/onnx/read.js';
import { isFloatType } from '../../io/onnx/schema.js';
import { DataError } from '../../util/errors.js';
import { LABEL, describeInput } from './graph_inputs.js';
import { splitLine } from './split_line.js';

/** The CSV columns that hold graph input `v`, in order. */
function columnsOf(v: OnnxValueInfo, file: string): string[] {
  const dims = v.dims ?? [];
  if (dims.length === 1 || (dims.length === 2 && dims[1] === 1)) return [v.name];
  if (dims.length === 2 && typeof dims[1] === 'number')
    return Array.from({ length: dims[1] }, (_, j) => `${v.name}.${j}`);
  throw new DataError(
    file,
    0,
    0,
    `graph input '${v.name}' has shape ${describeInput(v)}; CSV holds inputs of shape [B], [B, 1] or [B, n] only (use .npz)`,
  );
}

export function readCsvInputs(file: string, specs: readonly OnnxValueInfo[]): Map<string, HostArray> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new DataError(file, 0, 0, `cannot read file: ${(e as Error).message}`);
  }
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0)
    throw new DataError(file, 1, 0, 'the file is empty; it needs a header naming the graph inputs');
  const header = splitLine(lines[0], ',', true).map((s) => s.trim());
  const colIndex = (name: string, v?: OnnxValueInfo): number => {
    const i = header.indexOf(name);
    if (i < 0 && v)
      throw new DataError(
        file,
        1,
        0,
        `no column '${name}' for the graph input '${v.name}' (${describeInput(v)}); the header has ${header.join(', ')}`,
      );
    return i;
  };
  const rows = lines.length - 1;
  const cells = lines.slice(1).map((l) => splitLine(l, ',', true));
  cells.forEach((r, i) => {
    if (r.length !== header.length)
      throw new DataError(file, i + 2, 0, `${r.length} cells, the header has ${header.length}`);
  });
  const column = (c: number, name: string, integer: boolean, into: Float64Array, at: number, stride: number): void => {
    for (let r = 0; r < rows; r++) {
      const s = cells[r][c].trim(),
        x = s === '' ? NaN : Number(s);
      if (!Number.isFinite(x) || (integer && !Number.isInteger(x))) {
        throw new DataError(
          file,
          r + 2,
          c + 1,
          `column '${name}': '${s}' is not ${integer ? 'an integer' : 'a number'}`,
        );
      }
      into[r * stride + at] = x;
    }
  };
  const out = new Map<string, HostArray>();
  for (const v of specs) {
    const cols = columnsOf(v, file);
    const float = isFloatType(v.elemType);
    const data = new Float64Array(rows * cols.length);
    cols.forEach((name, j) => column(colIndex(name, v), name, !float, data, j, cols.length));
    const shape = (v.dims ?? []).length === 1 ? [rows] : [rows, cols.length];
    out.set(v.name, hostArray(float ? 'float' : 'int', shape, data));
  }
  const li = colIndex(LABEL);
  if (li >= 0) {
    const data = new Float64Array(rows);
    column(li, LABEL, false, data, 0, 1);
    out.set(LABEL, hostArray('float', [rows], data));
  }
  return out;
}
