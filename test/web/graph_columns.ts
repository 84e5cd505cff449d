/** An ONNX fixture's recorded inputs as the columns `GraphModel.predictInputs` and the page take (web and browser tests). */
import type { GraphModel } from '../../src/api/graph_model.js';
import { readGraphData } from '../../src/data/formats/graph_data.js';
import { fixturePath } from '../models/onnx/fixture_files.js';

/** The fixture's inputs as TF-Serving columns: one value (or array) per row, by input name. */
export function columnsOf(g: GraphModel, name: string): { rows: number; columns: Record<string, unknown[]> } {
  const data = readGraphData(fixturePath(name, '.inputs.npz'), g.graph.inputs);
  const columns: Record<string, unknown[]> = {};
  for (const inp of g.inputs) {
    const a = data.inputs.get(inp.name)!;
    columns[inp.name] = Array.from({ length: data.rows }, (_, r) =>
      inp.dims.length ? Array.from(a.data.subarray(r * inp.width, (r + 1) * inp.width)) : a.data[r],
    );
  }
  return { rows: data.rows, columns };
}
