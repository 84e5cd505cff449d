/**
 * The factorized weights of an imported ONNX graph, as rewrite swaps (io/onnx/rewrite.ts): each
 * Linear the plan ranks, factored from its output statistics (AFM) or its weights (SVD), and each
 * table into a narrow table, P and mu. The graph itself is rewritten rather than its modules
 * swapped in memory, so the compressed model is the user's own graph with smaller weights.
 */
import type { LinearSwap, Swaps, TableSwap } from '../io/onnx/rewrite.js';
import type { OnnxGraphModel } from '../models/onnx/model.js';
import { Linear } from '../nn/linear.js';
import { UsageError } from '../util/errors.js';
import type { ModelStats } from './collect.js';
import { afmLayer, afmTable, svdLayer, svdTable } from './factor.js';
import type { CompressionPlan } from './plan.js';

export function graphSwaps(model: OnnxGraphModel, plan: CompressionPlan, stats: ModelStats): Swaps {
  if (plan.method === 'afm-act')
    throw new UsageError(`--method afm-act needs the model's activations; an ONNX graph is compressed with afm or svd`);
  const parts = model.parts();
  const linears: LinearSwap[] = [];
  const tables: TableSwap[] = [];
  for (const [path, k] of Object.entries(plan.layers)) {
    const s = stats.layers.get(path);
    const slot = parts.linears.find((x) => x.path === path);
    const lin = slot?.get();
    if (lin instanceof Linear) {
      const W = lin.W.toArray(),
        b = lin.b?.toArray() ?? null;
      const f =
        plan.method === 'svd'
          ? svdLayer(W, b, lin.inDim, lin.outDim, k)
          : afmLayer(W, b, lin.inDim, lin.outDim, needStats(s, path).eigen(), needStats(s, path).mean(), k);
      const bias = model.graphParts.linears.find((l) => l.weight === path)?.bias ?? null;
      linears.push({ weight: path, bias, rank: k, down: { W: f.W1, b: f.b1 }, up: { W: f.W2, b: f.b2 } });
      continue;
    }
    const t = parts.tables?.find((x) => x.path === path)?.table;
    if (!t) throw new UsageError(`compression target '${path}' is not a layer or table of the graph`);
    const E = t.readRows();
    const f =
      plan.method === 'svd'
        ? svdTable(E, t.rows, t.dim, k)
        : afmTable(E, t.rows, t.dim, needStats(s, path).eigen(), needStats(s, path).mean(), k);
    tables.push({ weight: path, rank: k, table: f.table, P: f.P, mu: f.mu });
  }
  return { linears, tables };
}

function needStats<T>(s: T | undefined, path: string): T {
  if (!s) throw new UsageError(`no statistics for '${path}': the calibration data never reached it`);
  return s;
}
