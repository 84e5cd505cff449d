/** Reads a data file for an imported graph, by extension: `.npz` (NumPy) or `.csv` (with a header). */
import type { OnnxValueInfo } from '../../io/onnx/read.js';
import { DataError } from '../../util/errors.js';
import { readCsvInputs } from './csv_inputs.js';
import { matchGraphInputs, type GraphData } from './graph_inputs.js';
import { readNpz } from './npz.js';

export function readGraphData(file: string, specs: readonly OnnxValueInfo[]): GraphData {
  const lower = file.toLowerCase();
  if (lower.endsWith('.npz')) return matchGraphInputs(readNpz(file), specs, file);
  if (lower.endsWith('.csv')) return matchGraphInputs(readCsvInputs(file, specs), specs, file);
  throw new DataError(file, 0, 0, 'inputs for an ONNX model are read from .npz (np.savez) or .csv files');
}
